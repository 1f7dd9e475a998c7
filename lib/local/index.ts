export {
  DEFAULT_ADDRESS_POOL,
  localListenerAddresses,
  type ProfileNetworkAddresses,
  profileNetworks,
  UNSELECTED_LISTENER_ADDRESS,
} from './addresses.js';
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
