import protobuf from 'protobufjs';
import { protoRegistry } from './protos.js';
import { type EnvoyIssue, Walker } from './walker.js';

export type { EnvoyIssue } from './walker.js';

export const BOOTSTRAP_TYPE = 'envoy.config.bootstrap.v3.Bootstrap';

/** The requested root type is not a message in the bundled Envoy API protos. */
export class UnknownEnvoyTypeError extends Error {
  override readonly name = 'UnknownEnvoyTypeError';

  constructor(readonly typeName: string) {
    super(`unknown Envoy API message type "${typeName}"`);
  }
}

/**
 * Checks a parsed Envoy config (YAML or JSON) against Envoy's own v3 API protos the way Envoy
 * loads it: proto3 JSON mapping with unknown fields rejected, `Any` unpacked by `@type`, oneofs,
 * protoc-gen-validate rules and deprecated fields. Returns every issue found; empty means valid.
 *
 * Throws UnknownEnvoyTypeError when `typeName` (e.g. "envoy.config.cluster.v3.Cluster", also
 * accepted as a "type.googleapis.com/..." URL) is not a message type.
 */
export function validateEnvoyConfig(
  config: unknown,
  typeName: string = BOOTSTRAP_TYPE,
): EnvoyIssue[] {
  const name = typeName.slice(typeName.lastIndexOf('/') + 1).replace(/^\./, '');
  const registry = protoRegistry();
  const found = registry.find(name);
  if (found.kind !== 'found' || !(found.type instanceof protobuf.Type)) {
    throw new UnknownEnvoyTypeError(typeName);
  }
  const walker = new Walker(registry);
  walker.message(config, found.type, '', undefined);
  return walker.issues;
}
