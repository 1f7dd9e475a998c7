import { type EgressRule, isWildcard, type Policy } from '../../lib/policy/index.js';
import { DENY_ROUTE_PREFIX } from '../../lib/proxy-contract.js';
import { agentFacingHcm, denied, httpListener } from './http.js';
import { type Json, type JsonObject, seconds, slug, TYPE } from './types.js';

export const FORWARD_PROXY_LISTENER = 'forward_proxy';
export const DFP_CLUSTER = 'dynamic_forward_proxy';
const DNS_CACHE = 'egress_dns_cache';

/** Escapes a DNS name for RE2. */
function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function dnsCache(policy: Policy): JsonObject {
  return {
    name: DNS_CACHE,
    dns_lookup_family: 'V4_ONLY',
    // Every allowlisted host (wildcards can expand), with headroom; bounds memory per task.
    max_hosts: Math.max(1024, policy.egress.length * 16),
  };
}

/**
 * Routes for one allowlist entry. Envoy's `*.example.com` domain matches any depth, so
 * wildcard entries also pin `:authority` to exactly one extra label.
 */
function allowVirtualHost(policy: Policy, rule: EgressRule): JsonObject {
  const name = slug(rule.host);
  const ports = rule.ports.join('|');
  const connect: JsonObject = { connect_matcher: {} };
  if (isWildcard(rule.host)) {
    const suffix = escapeRegex(rule.host.slice(1));
    connect.headers = [
      {
        name: ':authority',
        string_match: {
          safe_regex: { regex: `^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?${suffix}:(${ports})$` },
        },
      },
    ];
  }
  const depthGuard: Json[] = isWildcard(rule.host)
    ? [
        {
          name: `${DENY_ROUTE_PREFIX}wildcard_depth_${name}`,
          match: { connect_matcher: {} },
          direct_response: denied(policy, `"${rule.host}" allows exactly one label`),
        },
      ]
    : [];
  return {
    name: `allow_${name}`,
    domains: rule.ports.map((p) => `${rule.host}:${p}`),
    routes: [
      {
        name: `allow_${name}`,
        match: connect,
        route: {
          cluster: DFP_CLUSTER,
          upgrade_configs: [{ upgrade_type: 'CONNECT', connect_config: {} }],
          // Tunnels are long-lived: no request timeout, bounded by idle time and max duration.
          timeout: '0s',
          idle_timeout: seconds(policy.proxy.limits.idle_timeout_s),
          max_stream_duration: {
            max_stream_duration: seconds(policy.proxy.limits.max_tunnel_duration_s),
          },
        },
      },
      ...depthGuard,
      {
        name: `${DENY_ROUTE_PREFIX}plain_http`,
        match: { prefix: '/' },
        direct_response: denied(
          policy,
          'plain-HTTP forwarding is refused; use HTTPS (CONNECT) or a base-URL listener',
        ),
      },
    ],
  };
}

function denyVirtualHost(policy: Policy): JsonObject {
  return {
    name: `${DENY_ROUTE_PREFIX}all`,
    domains: ['*'],
    routes: [
      {
        name: `${DENY_ROUTE_PREFIX}not_allowlisted`,
        match: { connect_matcher: {} },
        direct_response: denied(policy, 'destination host:port is not in the egress allowlist'),
      },
      {
        name: `${DENY_ROUTE_PREFIX}plain_http`,
        match: { prefix: '/' },
        direct_response: denied(
          policy,
          'plain-HTTP forwarding is refused; use HTTPS (CONNECT) or a base-URL listener',
        ),
      },
    ],
  };
}

/**
 * The HTTP_PROXY / HTTPS_PROXY listener: CONNECT tunnels to allowlisted host:port pairs only.
 * Anything else, IP literals included, falls through to the `*` virtual host and gets a 403.
 */
export function forwardProxyListener(policy: Policy): JsonObject {
  const virtualHosts: Json[] = [
    ...policy.egress.map((rule) => allowVirtualHost(policy, rule)),
    denyVirtualHost(policy),
  ];
  const hcm = agentFacingHcm(
    policy,
    FORWARD_PROXY_LISTENER,
    { name: 'egress_allowlist', virtual_hosts: virtualHosts },
    [
      {
        name: 'envoy.filters.http.dynamic_forward_proxy',
        typed_config: { '@type': TYPE.dfpFilter, dns_cache_config: dnsCache(policy) },
      },
    ],
  );
  // Envoy answers every CONNECT with its own 403 unless the connection manager accepts the
  // upgrade; the routes then decide, and only allow routes terminate the tunnel.
  hcm.upgrade_configs = [{ upgrade_type: 'CONNECT' }];
  return httpListener(FORWARD_PROXY_LISTENER, policy.proxy.port, hcm);
}

/** The cluster that connects tunnels to whatever host the allowed CONNECT named. */
export function forwardProxyCluster(policy: Policy): JsonObject {
  return {
    name: DFP_CLUSTER,
    connect_timeout: seconds(policy.proxy.limits.connect_timeout_s),
    lb_policy: 'CLUSTER_PROVIDED',
    cluster_type: {
      name: 'envoy.clusters.dynamic_forward_proxy',
      typed_config: { '@type': TYPE.dfpCluster, dns_cache_config: dnsCache(policy) },
    },
  };
}
