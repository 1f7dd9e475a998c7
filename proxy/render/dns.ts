import type { Policy } from '../../lib/policy/index.js';
import { policyInjectListeners, policyModelListeners } from '../../lib/policy/index.js';
import { type DnsCache, tunnelTargets } from './entries.js';
import { circuitBreakers } from './limits.js';
import {
  HTTP_PROTOCOL_OPTIONS_KEY,
  type Json,
  type JsonObject,
  seconds,
  TYPE,
  tlsParams,
} from './types.js';

/*
 * Name resolution for every upstream. The dynamic forward proxy (DFP) filter resolves the name
 * of each request, saves the address for the address guard, and its cluster dials exactly that
 * address. Two caches: exact names (their number is fixed by the allowlist, so an agent cannot
 * evict anything) and names under wildcard entries (bounded by `dns_cache_max_hosts`).
 */

export const dnsCacheName = (cache: DnsCache) => `dns_${cache}`;
/** The DFP cluster that opens raw TCP (terminated CONNECT) to names in `cache`. */
export const dfpClusterName = (cache: DnsCache) => `dfp_${cache}`;
/** The DFP cluster that opens verified TLS to base-URL and intercepted exact hosts. */
export const DFP_TLS_CLUSTER = 'dfp_tls';
/** Verified TLS to names under intercepted wildcard entries (their own, bounded cache). */
export const dfpTlsClusterName = (cache: DnsCache) =>
  cache === 'exact' ? DFP_TLS_CLUSTER : `${DFP_TLS_CLUSTER}_${cache}`;

/** Distinct exact host:port pairs any hop may resolve: the exact cache never needs more. */
function exactPairs(policy: Policy): number {
  const pairs = new Set<string>();
  for (const t of tunnelTargets(policy)) if (t.cache === 'exact') pairs.add(`${t.host}:${t.port}`);
  for (const l of policyInjectListeners(policy)) pairs.add(`${l.host}:${l.upstreamPort}`);
  for (const model of policyModelListeners(policy)) pairs.add(`${model.host}:443`);
  return pairs.size;
}

export function dnsCacheConfig(policy: Policy, cache: DnsCache): JsonObject {
  const { limits } = policy.proxy;
  return {
    name: dnsCacheName(cache),
    // The proxy's egress is IPv4 (NAT gateway, Cloud NAT); IPv6 answers would only fail.
    dns_lookup_family: 'V4_ONLY',
    max_hosts: cache === 'exact' ? exactPairs(policy) + 16 : limits.dns_cache_max_hosts,
    host_ttl: seconds(limits.dns_host_ttl_s),
  };
}

/** The DFP HTTP filter for one cache; it only acts on routes to a DFP cluster. */
export function dfpFilter(policy: Policy, cache: DnsCache): Json {
  return {
    name: 'envoy.filters.http.dynamic_forward_proxy',
    typed_config: {
      '@type': TYPE.dfpFilter,
      dns_cache_config: dnsCacheConfig(policy, cache),
      save_upstream_address: true,
    },
  };
}

/**
 * The action of a route to verified TLS through `cluster`. Model responses, git pushes and long
 * fetches stream for minutes, so the route is bounded by idle time instead of a total.
 */
export function dfpTlsRoute(policy: Policy, cluster: string): JsonObject {
  return { cluster, timeout: '0s', idle_timeout: seconds(policy.proxy.limits.idle_timeout_s) };
}

/**
 * A route's `typed_per_filter_config` that makes the DFP filter set Host (and so the upstream
 * SNI and the SAN checked) to `authority`, byte for byte, whatever Host the agent sent.
 */
export function hostRewrite(authority: string): JsonObject {
  return {
    'envoy.filters.http.dynamic_forward_proxy': {
      '@type': TYPE.dfpPerRoute,
      host_rewrite_literal: authority,
    },
  };
}

function dfpClusterType(policy: Policy, cache: DnsCache): JsonObject {
  return {
    name: 'envoy.clusters.dynamic_forward_proxy',
    typed_config: { '@type': TYPE.dfpCluster, dns_cache_config: dnsCacheConfig(policy, cache) },
  };
}

/** A DFP cluster called `name`: it dials the address the filter resolved in `cache`. */
function resolvedAddressCluster(policy: Policy, name: string, cache: DnsCache): JsonObject {
  return {
    name,
    connect_timeout: seconds(policy.proxy.limits.connect_timeout_s),
    lb_policy: 'CLUSTER_PROVIDED',
    cluster_type: dfpClusterType(policy, cache),
    circuit_breakers: circuitBreakers(policy),
  };
}

/** Raw TCP to the resolved address of a terminated CONNECT. */
export function dfpCluster(policy: Policy, cache: DnsCache): JsonObject {
  return resolvedAddressCluster(policy, dfpClusterName(cache), cache);
}

/**
 * HTTPS to base-URL hosts: SNI from the (rewritten) Host header, the certificate's SAN checked
 * against it and the CA bundle, TLS 1.2 or 1.3 only. The credential is sent only after that.
 */
export function dfpTlsCluster(
  policy: Policy,
  caBundle: string,
  cache: DnsCache = 'exact',
): JsonObject {
  return {
    ...resolvedAddressCluster(policy, dfpTlsClusterName(cache), cache),
    typed_extension_protocol_options: {
      [HTTP_PROTOCOL_OPTIONS_KEY]: {
        '@type': TYPE.httpProtocolOptions,
        upstream_http_protocol_options: { auto_sni: true, auto_san_validation: true },
        explicit_http_config: { http_protocol_options: {} },
      },
    },
    transport_socket: {
      name: 'envoy.transport_sockets.tls',
      typed_config: {
        '@type': TYPE.upstreamTls,
        common_tls_context: {
          tls_params: tlsParams(),
          validation_context: { trusted_ca: { filename: caBundle } },
        },
      },
    },
  };
}
