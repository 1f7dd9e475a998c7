import { parseCidr } from '../../lib/containment/addresses.js';
import { guardedCidrs } from '../../lib/policy/index.js';
import { DENY_PREFIX } from '../../lib/proxy-contract.js';
import { type Json, type JsonObject, TYPE } from './types.js';

/*
 * The resolved-address guard: an RBAC filter after the dynamic forward proxy filter, which
 * resolves the upstream name and saves the address it will dial in filter state
 * (`save_upstream_address`). RBAC reads it back with the `upstream_ip_port` matcher and refuses
 * before the router opens any connection. A missing address matches nothing, so the guard also
 * refuses when no address was saved: it fails closed. The IPv6 rows of GUARDED_RANGES are
 * covered by refusing every address that is not IPv4.
 */

export const RBAC_FILTER = 'envoy.filters.http.rbac';

/** The RBAC policy names, which show in `response_code_details` when they refuse. */
export const GUARD_POLICIES = {
  guarded: `${DENY_PREFIX}private_address`,
  unresolved: `${DENY_PREFIX}unresolved_address`,
  outsideInternal: `${DENY_PREFIX}outside_private_ranges`,
} as const;

/** An RBAC permission: the upstream address is in `cidr`. */
function upstreamIn(cidr: string): JsonObject {
  const parsed = parseCidr(cidr);
  if (parsed === undefined) throw new Error(`not a CIDR: ${cidr}`);
  const [address = ''] = cidr.split('/');
  return {
    matcher: {
      name: 'envoy.rbac.matchers.upstream_ip_port',
      typed_config: {
        '@type': TYPE.upstreamIpPort,
        upstream_ip: { address_prefix: address, prefix_len: parsed.prefix },
      },
    },
  };
}

const anyone = [{ any: true }];

/**
 * Denies unless an IPv4 address was saved. The proxy resolves IPv4 only (its egress is NAT'd
 * IPv4), so this also refuses any IPv6 address without listing IPv6 ranges one by one.
 */
function unresolved(): JsonObject {
  return { permissions: [{ not_rule: upstreamIn('0.0.0.0/0') }], principals: anyone };
}

/** Rules for a public entry: refuse every guarded IPv4 range, and anything not IPv4. */
function publicOnly(): JsonObject {
  const v4 = guardedCidrs().filter((cidr) => !cidr.includes(':'));
  return {
    action: 'DENY',
    policies: {
      [GUARD_POLICIES.guarded]: { permissions: v4.map(upstreamIn), principals: anyone },
      [GUARD_POLICIES.unresolved]: unresolved(),
    },
  };
}

/** Rules for an internal entry: refuse everything outside its own ranges. */
function internalOnly(ranges: readonly string[]): JsonObject {
  return {
    action: 'DENY',
    policies: {
      [GUARD_POLICIES.outsideInternal]: {
        permissions: [{ not_rule: { or_rules: { rules: ranges.map(upstreamIn) } } }],
        principals: anyone,
      },
    },
  };
}

/**
 * The guard as an HTTP filter: for public entries, or for one internal entry's own listener
 * when `ranges` is given. Goes after the dynamic forward proxy filter.
 */
export function addressGuardFilter(ranges?: readonly string[]): Json {
  return {
    name: RBAC_FILTER,
    typed_config: {
      '@type': TYPE.rbac,
      rules: ranges === undefined ? publicOnly() : internalOnly(ranges),
    },
  };
}

/** A route-level override for an internal entry that shares a listener with public ones. */
export function internalRangesOverride(ranges: readonly string[]): JsonObject {
  return {
    [RBAC_FILTER]: { '@type': TYPE.rbacPerRoute, rbac: { rules: internalOnly(ranges) } },
  };
}
