import type { Policy } from '../../lib/policy/index.js';
import { accessLog } from './access-log.js';
import { type Json, type JsonObject, seconds, TYPE } from './types.js';

/** A listener on all interfaces running one HTTP connection manager. */
export function httpListener(name: string, port: number, hcm: JsonObject): JsonObject {
  return {
    name,
    address: { socket_address: { address: '0.0.0.0', port_value: port } },
    filter_chains: [
      {
        filters: [
          {
            name: 'envoy.filters.network.http_connection_manager',
            typed_config: { '@type': TYPE.hcm, ...hcm },
          },
        ],
      },
    ],
  };
}

/**
 * Connection-manager settings shared by agent-facing listeners: hardened request parsing,
 * limits from the policy, and the JSON access log.
 */
export function agentFacingHcm(
  policy: Policy,
  statPrefix: string,
  routeConfig: JsonObject,
  filters: Json[],
): JsonObject {
  const { limits } = policy.proxy;
  return {
    stat_prefix: statPrefix,
    codec_type: 'AUTO',
    use_remote_address: true,
    normalize_path: true,
    merge_slashes: true,
    path_with_escaped_slashes_action: 'REJECT_REQUEST',
    max_request_headers_kb: limits.max_request_headers_kb,
    stream_idle_timeout: seconds(limits.idle_timeout_s),
    common_http_protocol_options: {
      idle_timeout: seconds(limits.idle_timeout_s),
      headers_with_underscores_action: 'REJECT_REQUEST',
    },
    access_log: accessLog(statPrefix, policy.name),
    route_config: routeConfig,
    http_filters: [...rateLimit(policy, statPrefix), ...filters, router()],
  };
}

function rateLimit(policy: Policy, statPrefix: string): Json[] {
  const rps = policy.proxy.limits.requests_per_second;
  if (rps === undefined) return [];
  const always = {
    default_value: { numerator: 100, denominator: 'HUNDRED' },
    runtime_key: `${statPrefix}_ratelimit`,
  };
  return [
    {
      name: 'envoy.filters.http.local_ratelimit',
      typed_config: {
        '@type': TYPE.localRateLimit,
        stat_prefix: `${statPrefix}_ratelimit`,
        token_bucket: { max_tokens: rps, tokens_per_fill: rps, fill_interval: '1s' },
        filter_enabled: always,
        filter_enforced: always,
      },
    },
  ];
}

function router(): Json {
  return { name: 'envoy.filters.http.router', typed_config: { '@type': TYPE.router } };
}

/** A 403 naming the policy, so a denied agent (and its operator) knows why. */
export function denied(policy: Policy, reason: string): JsonObject {
  return {
    status: 403,
    body: {
      inline_string: `agent-perimeter: denied by policy "${policy.name}": ${reason}\n`,
    },
  };
}
