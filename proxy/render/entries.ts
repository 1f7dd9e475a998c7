import {
  type EgressRule,
  isWildcard,
  type Policy,
  policyProfiles,
} from '../../lib/policy/index.js';
import { slug } from './types.js';

/*
 * The renderer's view of the allowlist: which host:port pairs agents may CONNECT to, how each
 * tunnel is checked, and which DNS cache resolves it. Every listener and cluster is derived
 * from these, so the forward, tunnel and egress hops always agree.
 */

/**
 * Exact names resolve through a cache sized to the allowlist, which no agent can fill; names
 * under wildcard entries (unbounded: any label) resolve through their own, bounded cache.
 */
export type DnsCache = 'exact' | 'wildcard';

/** How a tunnel to one host:port is checked before it reaches the egress hop. */
export type TunnelMode =
  /** The tunnel must start with a TLS ClientHello whose SNI names the host (the default). */
  | 'tls'
  /** `tls: false`: opaque bytes (e.g. SSH), an explicit per-entry choice. */
  | 'opaque'
  /** `tls: intercept`: the SNI is checked, then the proxy terminates the TLS itself. */
  | 'intercept';

/** One host:port an agent may open a CONNECT tunnel to. */
export interface TunnelTarget {
  readonly rule: EgressRule;
  readonly host: string;
  readonly port: number;
  readonly mode: TunnelMode;
  readonly cache: DnsCache;
  /** `<host slug>_<port>`, unique per target: names its listener, cluster and routes. */
  readonly id: string;
}

export function dnsCacheOf(host: string): DnsCache {
  return isWildcard(host) ? 'wildcard' : 'exact';
}

function modeOf(rule: EgressRule): TunnelMode {
  if (rule.tls === 'intercept') return 'intercept';
  return rule.tls ? 'tls' : 'opaque';
}

/**
 * Every CONNECT target of all profiles, in profile and policy order, each host:port once: the
 * internal hops are shared, the forward listener of each profile routes only to its own.
 */
export function tunnelTargets(policy: Policy): TunnelTarget[] {
  const byId = new Map<string, TunnelTarget>();
  for (const profile of policyProfiles(policy)) {
    for (const t of listTunnelTargets(profile.egress)) if (!byId.has(t.id)) byId.set(t.id, t);
  }
  return [...byId.values()];
}

/**
 * The CONNECT targets of one allowlist. Entries with `inject` have none
 * (see `inject.ts`), unless they are intercepted: the credential is added inside the tunnel.
 */
export function listTunnelTargets(egress: readonly EgressRule[]): TunnelTarget[] {
  return egress
    .filter((rule) => rule.inject === undefined || rule.tls === 'intercept')
    .flatMap((rule) =>
      rule.ports.map((port) => ({
        rule,
        host: rule.host,
        port,
        mode: modeOf(rule),
        cache: dnsCacheOf(rule.host),
        id: `${slug(rule.host)}_${port}`,
      })),
    );
}
