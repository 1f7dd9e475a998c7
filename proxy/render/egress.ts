import { internalRangesOf, type Policy } from '../../lib/policy/index.js';
import { DENY_PREFIX } from '../../lib/proxy-contract.js';
import { accessLog, tunnelLogOptions } from './access-log.js';
import { addressGuardFilter, internalRangesOverride } from './address-guard.js';
import { authorityMatcher } from './authority.js';
import { dfpClusterName, dfpFilter } from './dns.js';
import { type DnsCache, type TunnelTarget, tunnelTargets } from './entries.js';
import { denyConnect, denyPlain, hcmFilter, router } from './http.js';
import { internalCluster, internalListener } from './internal.js';
import { type JsonObject, seconds, slug } from './types.js';

/*
 * The egress hop: the only place the proxy dials the internet for a tunnel. It receives a
 * CONNECT from the proxy's own hops (never from an agent: internal listeners have no socket),
 * checks the name once more, resolves it, refuses guarded addresses, and only then connects.
 */

export const egressListenerName = (cache: DnsCache) => `egress_${cache}`;

/** Set by the proxy on every CONNECT it sends to the egress hop: how the tunnel was checked. */
export const TUNNEL_HEADER = 'x-agent-perimeter-tunnel';
export const TUNNEL_CHECKS = { tls: 'sni-checked', opaque: 'opaque' } as const;

/** Routes a long-lived tunnel: bounded by idle time and the policy's maximum duration. */
export function tunnelRouteTimeouts(policy: Policy): JsonObject {
  const { limits } = policy.proxy;
  return {
    timeout: '0s',
    idle_timeout: seconds(limits.idle_timeout_s),
    max_stream_duration: { max_stream_duration: seconds(limits.max_tunnel_duration_s) },
  };
}

function allowRoute(policy: Policy, target: TunnelTarget): JsonObject {
  const route: JsonObject = {
    name: `allow_${target.id}`,
    match: {
      connect_matcher: {},
      headers: [
        authorityMatcher(target.host, target.port),
        {
          name: TUNNEL_HEADER,
          string_match: { exact: TUNNEL_CHECKS[target.mode === 'opaque' ? 'opaque' : 'tls'] },
        },
      ],
    },
    route: {
      cluster: dfpClusterName(target.cache),
      upgrade_configs: [{ upgrade_type: 'CONNECT', connect_config: {} }],
      ...tunnelRouteTimeouts(policy),
    },
  };
  const ranges = internalRangesOf(target.rule);
  if (ranges !== undefined) route.typed_per_filter_config = internalRangesOverride(ranges);
  return route;
}

function virtualHosts(policy: Policy, targets: readonly TunnelTarget[]): JsonObject[] {
  const byHost = new Map<string, TunnelTarget[]>();
  for (const t of targets) byHost.set(t.host, [...(byHost.get(t.host) ?? []), t]);
  const reason = 'not allowed at the egress hop';
  return [
    ...[...byHost].map(([host, ts]) => ({
      name: `egress_${slug(host)}`,
      domains: ts.map((t) => `${t.host}:${t.port}`),
      routes: [
        ...ts.map((t) => allowRoute(policy, t)),
        denyConnect(`${DENY_PREFIX}egress_not_allowed_${slug(host)}`, policy, reason),
      ],
    })),
    {
      name: `${DENY_PREFIX}egress_all`,
      domains: ['*'],
      routes: [
        denyConnect(`${DENY_PREFIX}egress_not_allowlisted`, policy, reason),
        denyPlain(`${DENY_PREFIX}egress_plain_http`, policy, reason),
      ],
    },
  ];
}

/**
 * Targets whose bytes pass through the egress hop unchanged. Intercepted tunnels never reach
 * it: their requests leave through a verified TLS cluster of their own (`intercept.ts`).
 */
function passedTargets(policy: Policy): TunnelTarget[] {
  return tunnelTargets(policy).filter((t) => t.mode !== 'intercept');
}

/** The caches that some tunnel target uses, in a fixed order. */
export function usedCaches(policy: Policy): DnsCache[] {
  const caches = new Set(passedTargets(policy).map((t) => t.cache));
  return (['exact', 'wildcard'] as const).filter((c) => caches.has(c));
}

export function egressListener(policy: Policy, cache: DnsCache): JsonObject {
  const name = egressListenerName(cache);
  const { limits } = policy.proxy;
  const targets = passedTargets(policy).filter((t) => t.cache === cache);
  return internalListener(name, {
    filter_chains: [
      {
        filters: [
          hcmFilter({
            stat_prefix: name,
            codec_type: 'HTTP1',
            upgrade_configs: [{ upgrade_type: 'CONNECT' }],
            request_headers_timeout: seconds(limits.request_headers_timeout_s),
            stream_idle_timeout: seconds(limits.idle_timeout_s),
            access_log: accessLog('egress', name, policy),
            access_log_options: tunnelLogOptions(policy),
            route_config: { name, virtual_hosts: virtualHosts(policy, targets) },
            http_filters: [dfpFilter(policy, cache), addressGuardFilter(), router()],
          }),
        ],
      },
    ],
  });
}

/** The cluster the tunnel hops use to reach an egress listener (HTTP/1.1 CONNECT). */
export function egressCluster(policy: Policy, cache: DnsCache): JsonObject {
  return internalCluster(policy, egressListenerName(cache), { http1: true });
}
