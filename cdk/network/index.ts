export * from './agent-network.js';
export * from './dns-allowlist.js';
export * from './dns-firewall.js';
export * from './endpoint-policies.js';
export * from './errors.js';
export type {
  ExistingEndpoints,
  ExistingInterfaceEndpoint,
  SharedEndpoint,
} from './existing-endpoints.js';
export { cloudWatchLogsKeyStatement } from './logging.js';
export * from './nacl.js';
export * from './s3-prefix-list.js';
export * from './tags.js';
