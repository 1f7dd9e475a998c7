export {
  COMPOSE_FILE,
  composeProject,
  ENVOY_FILE,
  LAUNCHER_FILE,
  type LocalComposeOptions,
  type LocalFiles,
  renderLocalFiles,
} from './compose.js';
export { LocalComposeError } from './errors.js';
export {
  EGRESS_NETWORK,
  ENVOY_CONFIG_PATH,
  escapeDollars,
  PROXY_SERVICE,
  perimeterNetwork,
  tmpfsEntry,
} from './services.js';
