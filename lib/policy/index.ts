export * from './derived.js';
export * from './hosts.js';
export * from './json-schema.js';
export * from './load.js';
export * from './ports.js';
export * from './schema.js';
export { looksLikeSecret } from './secrets.js';
export { RESERVED_AGENT_ENV } from './semantics.js';
export * from './upstream-addresses.js';
