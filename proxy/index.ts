export { agentEnvironment, PLACEHOLDER_API_KEY } from '../lib/agent-env.js';
export type { Json, JsonObject } from '../lib/json.js';
export {
  ACCESS_LOG_FIELDS,
  ACCESS_LOG_FORMATS,
  ADMIN_PORT,
  DENY_PREFIX,
  HEALTH_PATH,
  REFUSALS,
  SECRETS_DIR,
} from '../lib/proxy-contract.js';
export { type RenderOptions, renderProxyConfig } from './render/bootstrap.js';
export { FORWARD_PROXY_LISTENER } from './render/forward-proxy.js';
export { HEALTH_LISTENER } from './render/health.js';
export { DEFAULT_CA_BUNDLE } from './render/inject.js';
export { renderCheckedProxyConfig } from './render-checked.js';
export { type EnvoyIssue, validateEnvoyConfig } from './validate/index.js';
