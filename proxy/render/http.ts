import type { Policy } from '../../lib/policy/index.js';
import { deniedMessage, FILTER_STATE, type LogType } from '../../lib/proxy-contract.js';
import { accessLog, tunnelLogOptions } from './access-log.js';
import { type Json, type JsonObject, seconds, TYPE } from './types.js';

/** Agents seen at once by one task's per-agent rate limiter before the oldest bucket is reused. */
export const MAX_TRACKED_AGENTS = 4096;

/**
 * A listener on all interfaces running one HTTP connection manager; `bufferLimitBytes` raises
 * what it buffers per connection above Envoy's default of 1 MiB.
 */
export function httpListener(
  name: string,
  port: number,
  hcm: JsonObject,
  bufferLimitBytes?: number,
): JsonObject {
  return {
    name,
    address: { socket_address: { address: '0.0.0.0', port_value: port } },
    ...(bufferLimitBytes === undefined
      ? {}
      : { per_connection_buffer_limit_bytes: bufferLimitBytes }),
    filter_chains: [{ filters: [hcmFilter(hcm)] }],
  };
}

export function hcmFilter(hcm: JsonObject): Json {
  return {
    name: 'envoy.filters.network.http_connection_manager',
    typed_config: { '@type': TYPE.hcm, ...hcm },
  };
}

/**
 * How every connection manager that reads an agent's requests parses them: paths normalized,
 * escaped slashes and underscores in header names refused, header size, slow headers, idle
 * streams and HTTP/2 streams bounded by the policy's limits.
 */
export function hardenedParsing(policy: Policy): JsonObject {
  const { limits } = policy.proxy;
  return {
    normalize_path: true,
    merge_slashes: true,
    path_with_escaped_slashes_action: 'REJECT_REQUEST',
    max_request_headers_kb: limits.max_request_headers_kb,
    request_headers_timeout: seconds(limits.request_headers_timeout_s),
    stream_idle_timeout: seconds(limits.idle_timeout_s),
    common_http_protocol_options: {
      idle_timeout: seconds(limits.idle_timeout_s),
      headers_with_underscores_action: 'REJECT_REQUEST',
    },
    http2_protocol_options: { max_concurrent_streams: limits.max_concurrent_streams },
  };
}

/**
 * Connection-manager settings shared by agent-facing listeners: hardened request parsing,
 * limits from the policy, rate limits, correlation state for the internal hops, and the JSON
 * access log.
 */
export function agentFacingHcm(
  policy: Policy,
  profile: string,
  statPrefix: string,
  logType: LogType,
  routeConfig: JsonObject,
  filters: Json[],
): JsonObject {
  return {
    stat_prefix: statPrefix,
    codec_type: 'AUTO',
    use_remote_address: true,
    ...hardenedParsing(policy),
    access_log: accessLog(logType, statPrefix, policy, profile),
    access_log_options: tunnelLogOptions(policy),
    route_config: routeConfig,
    http_filters: [...rateLimits(policy, statPrefix), correlation(profile), ...filters, router()],
  };
}

const always = (key: string) => ({
  default_value: { numerator: 100, denominator: 'HUNDRED' },
  runtime_key: key,
});

function bucket(rps: number): JsonObject {
  return { max_tokens: rps, tokens_per_fill: rps, fill_interval: '1s' };
}

/**
 * A token bucket per agent address (so one agent cannot starve the others or fill the DNS
 * cache), and, when the policy sets one, a bucket for the whole task.
 */
function rateLimits(policy: Policy, statPrefix: string): Json[] {
  const { requests_per_second: perTask, requests_per_second_per_agent: perAgent } =
    policy.proxy.limits;
  const filter = (name: string, config: JsonObject): Json => ({
    name: 'envoy.filters.http.local_ratelimit',
    typed_config: {
      '@type': TYPE.localRateLimit,
      stat_prefix: `${statPrefix}_${name}`,
      filter_enabled: always(`${statPrefix}_${name}_enabled`),
      filter_enforced: always(`${statPrefix}_${name}_enforced`),
      ...config,
    },
  });
  const agent = filter('per_agent', {
    // Every request has an address, so the default bucket is never the one consumed.
    token_bucket: bucket(perAgent),
    always_consume_default_token_bucket: false,
    // An empty value makes one bucket per distinct address (Envoy's dynamic descriptors).
    descriptors: [{ entries: [{ key: 'remote_address' }], token_bucket: bucket(perAgent) }],
    rate_limits: [{ actions: [{ remote_address: {} }] }],
    max_dynamic_descriptors: MAX_TRACKED_AGENTS,
  });
  return perTask === undefined
    ? [agent]
    : [filter('per_task', { token_bucket: bucket(perTask) }), agent];
}

/**
 * Saves the agent's address, the request id and the profile for the log lines of the internal
 * hops.
 */
function correlation(profile: string): Json {
  const value = (key: string, format: string) => ({
    object_key: key,
    factory_key: 'envoy.string',
    format_string: { text_format_source: { inline_string: format } },
    read_only: true,
    shared_with_upstream: 'TRANSITIVE',
  });
  return {
    name: 'envoy.filters.http.set_filter_state',
    typed_config: {
      '@type': TYPE.setFilterState,
      on_request_headers: [
        value(FILTER_STATE.agentAddress, '%DOWNSTREAM_REMOTE_ADDRESS%'),
        value(FILTER_STATE.requestId, '%REQ(X-REQUEST-ID)%'),
        // Profile names are DNS labels, so the literal needs no escaping in a format string.
        value(FILTER_STATE.profile, profile),
      ],
    },
  };
}

export function router(): Json {
  return {
    name: 'envoy.filters.http.router',
    // No x-envoy-* headers towards upstreams (timeouts, attempt counts): they are ours.
    typed_config: { '@type': TYPE.router, suppress_envoy_headers: true },
  };
}

/**
 * The route config of a listener that serves one upstream: one virtual host that takes every
 * Host (its routes decide), and the request headers that never leave.
 */
export function oneUpstreamRoutes(
  name: string,
  routes: Json[],
  removedHeaders: string[],
): JsonObject {
  return {
    name,
    virtual_hosts: [{ name, domains: ['*'], routes }],
    request_headers_to_remove: removedHeaders,
  };
}

/** A 403 naming the policy, so a denied agent (and its operator) knows why. */
export function denied(policy: Policy, reason: string): JsonObject {
  return {
    status: 403,
    body: { inline_string: deniedMessage(policy.name, reason) },
  };
}

/** A route that answers every CONNECT reaching it with a 403. */
export function denyConnect(name: string, policy: Policy, reason: string): JsonObject {
  return { name, match: { connect_matcher: {} }, direct_response: denied(policy, reason) };
}

/** A route that answers every plain request (not CONNECT) reaching it with a 403. */
export function denyPlain(name: string, policy: Policy, reason: string): JsonObject {
  return { name, match: { prefix: '/' }, direct_response: denied(policy, reason) };
}
