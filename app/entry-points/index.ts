// `agent-perimeter`: the policy (schema, loading, derived facts) and the renderers (Envoy
// bootstrap, its validation, the agents' environment, the local compose project). No cloud SDK:
// this entry point needs none of the peer dependencies.
// A new provider-neutral module: one `export * from` line here (and in its folder's index).
export { UserError } from '../../lib/errors.js';
export * from '../../lib/local/index.js';
export * from '../../lib/policy/index.js';
export * from '../../lib/versions.js';
export * from '../../proxy/index.js';
export { envoyYaml } from '../../proxy/yaml.js';
