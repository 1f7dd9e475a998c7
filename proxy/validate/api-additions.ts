/*
 * Envoy API changes newer than the proto snapshot in @grpc/grpc-js-xds, which the rendered
 * config relies on. Each entry states a fact of Envoy's own API (the field's name, number, type
 * and validation rules in the pinned release, lib/versions.ts) and is applied to the parsed
 * protos before validation, so the validator accepts exactly what the pinned Envoy accepts.
 * Keep the list short: every entry is a promise checked by hand against Envoy's source
 * (docs/adr/0008-proxy-data-plane.md says how). When the snapshot catches up, the loader
 * reports the entry as redundant and it must be deleted.
 */

/** A field the snapshot lacks. */
export interface FieldAddition {
  readonly kind: 'field';
  /** Fully-qualified message name, no leading dot. */
  readonly message: string;
  readonly field: string;
  readonly id: number;
  /** A scalar name, or a fully-qualified message name (no leading dot). */
  readonly type: string;
  readonly repeated?: boolean;
  /** `(validate.rules)` as the walker reads them. */
  readonly rules?: Readonly<Record<string, unknown>>;
  /** The Envoy release that added it. */
  readonly since: string;
}

/** A field whose validation rules changed since the snapshot. */
export interface RuleChange {
  readonly kind: 'rules';
  readonly message: string;
  readonly field: string;
  readonly rules: Readonly<Record<string, unknown>>;
  readonly since: string;
}

export type ApiAddition = FieldAddition | RuleChange;

export const API_ADDITIONS: readonly ApiAddition[] = [
  // Per-agent rate limits: a descriptor entry without a value is a wildcard, one token bucket
  // per distinct value (local_ratelimit "dynamic descriptors").
  {
    kind: 'rules',
    message: 'envoy.extensions.common.ratelimit.v3.RateLimitDescriptor.Entry',
    field: 'value',
    rules: { string: { min_len: 0 } },
    since: '1.34',
  },
  {
    kind: 'field',
    message: 'envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit',
    field: 'rate_limits',
    id: 17,
    type: 'envoy.config.route.v3.RateLimit',
    repeated: true,
    since: '1.34',
  },
  {
    kind: 'field',
    message: 'envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit',
    field: 'max_dynamic_descriptors',
    id: 18,
    type: 'google.protobuf.UInt32Value',
    rules: { uint32: { gte: 1 } },
    since: '1.34',
  },
];
