import { BUNDLE_VARIABLES, CA_ONLY_VARIABLE } from './ca/trust.js';
import {
  ANTHROPIC_API_HOST,
  interceptedRules,
  modelAccessOf,
  modelAgentEnvironment,
  modelListenerFrom,
  type Policy,
  policyProfile,
  policyProfiles,
} from './policy/index.js';
import { AGENT_TRUST_DIR, AGENT_TRUST_FILES } from './proxy-contract.js';

/**
 * Placeholder for SDKs that refuse to start without a key. It is not a secret: the proxy
 * overwrites the header with the real key, so the agent never holds one.
 */
export const PLACEHOLDER_API_KEY = 'injected-by-agent-perimeter-proxy';

/**
 * The ECS task-credential and task-metadata endpoint. An agent with a task role fetches its
 * credentials from here over plain HTTP; with the proxy variables set (and
 * NODE_USE_ENV_PROXY=1) that request would go to the proxy and be refused.
 */
export const ECS_CREDENTIALS_ADDRESS = '169.254.170.2';

/** Claude Code's switch for its autoupdater, bug command, error reporting and telemetry. */
export const NONESSENTIAL_TRAFFIC_VARIABLE = 'CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC';

/**
 * The environment an agent of profile `profile` (default: the first) needs to reach the world
 * through the proxy at `proxyHost` (a DNS name or IP the agent can reach): that profile's own
 * forward-proxy port and base URLs, never another profile's, the model settings of its model
 * access, and Claude Code's switch for non-essential traffic. A profile with a task role
 * (`aws_access`) also gets the task-credential address in NO_PROXY. Cloud stacks pass their
 * load balancer's address. docs/agent-environment.md lists every variable and why it is set.
 *
 * Both spellings of the proxy variables are set: curl reads only lowercase `http_proxy`,
 * many other tools only the uppercase ones. Programs that ignore them still cannot get out;
 * the network only lets them reach the proxy.
 */
export function agentEnvironment(
  policy: Policy,
  proxyHost: string,
  profile?: string,
  options: { readonly trustDir?: string } = {},
): Record<string, string> {
  const listeners =
    profile === undefined ? policyProfiles(policy)[0] : policyProfile(policy, profile);
  if (listeners === undefined) throw new Error(`policy "${policy.name}" has no agent profile`);
  const agent = policy.agents[listeners.index];
  const host = hostForUrl(proxyHost);
  const proxyUrl = `http://${host}:${listeners.forwardProxyPort}`;
  const direct = ['localhost', '127.0.0.1', '::1', proxyHost];
  if (agent?.aws_access !== undefined) direct.push(ECS_CREDENTIALS_ADDRESS);
  const noProxy = direct.join(',');
  const env: Record<string, string> = {
    HTTPS_PROXY: proxyUrl,
    HTTP_PROXY: proxyUrl,
    https_proxy: proxyUrl,
    http_proxy: proxyUrl,
    NO_PROXY: noProxy,
    no_proxy: noProxy,
    // Node's fetch() ignores the variables above unless this is set (Node 24+).
    NODE_USE_ENV_PROXY: '1',
    // Telemetry, error reporting and update checks would only be refused (and raise alarms).
    [NONESSENTIAL_TRAFFIC_VARIABLE]: '1',
  };
  for (const listener of listeners.inject) {
    env[listener.env] = `http://${host}:${listener.port}`;
    if (listener.host === ANTHROPIC_API_HOST && listener.header === 'x-api-key') {
      env.ANTHROPIC_API_KEY = PLACEHOLDER_API_KEY;
    }
  }
  // The profile's own model listener, or the shared one: each forwards only its models.
  const model = listeners.model === undefined ? undefined : modelListenerFrom(listeners.model);
  if (model !== undefined) {
    Object.assign(
      env,
      modelAgentEnvironment(modelAccessOf(policy, agent), model, `http://${host}:${model.port}`),
    );
  }
  Object.assign(env, trustEnvironment(policy, options.trustDir));
  return env;
}

/**
 * With intercepted hosts, the variables that make common clients trust the private CA, whose
 * files every platform mounts read-only at AGENT_TRUST_DIR. JVMs read none of them: import the
 * CA with keytool or pass -Djavax.net.ssl.trustStore (README, "Giving agents git access").
 */
export function trustEnvironment(
  policy: Policy,
  dir: string = AGENT_TRUST_DIR,
): Record<string, string> {
  if (interceptedRules(policy).length === 0) return {};
  const env: Record<string, string> = {};
  for (const name of BUNDLE_VARIABLES) env[name] = `${dir}/${AGENT_TRUST_FILES.bundle}`;
  env[CA_ONLY_VARIABLE] = `${dir}/${AGENT_TRUST_FILES.ca}`;
  return env;
}

/** An IPv6 literal goes in brackets inside a URL. */
function hostForUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
