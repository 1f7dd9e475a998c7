import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadPolicy } from '../../lib/policy/index.js';
import {
  ACCESS_LOG_FORMATS,
  agentEnvironment,
  DEFAULT_CA_BUNDLE,
  type Json,
  type JsonObject,
  PLACEHOLDER_API_KEY,
  renderProxyConfig,
} from '../../proxy/index.js';
import { validateEnvoyConfig } from '../../proxy/validate/index.js';
import { policyYaml, RICH_EGRESS, validPolicy } from '../helpers/policy.js';

/*
 * The shape of the rendered bootstrap: listeners, filters, limits, logs. What the config does
 * with real requests is asked of the Envoy model in proxy-enforcement.test.ts.
 */

const obj = (value: Json | undefined): JsonObject => (value ?? {}) as JsonObject;
const list = (value: Json | undefined): JsonObject[] => (value ?? []) as JsonObject[];

const policy = loadPolicy();
const config = renderProxyConfig(policy);
const resources = obj(config.static_resources);
const listeners = list(resources.listeners);
const clusters = list(resources.clusters);
const listener = (name: string, c: JsonObject = config) => {
  const found = list(obj(c.static_resources).listeners).find((l) => l.name === name);
  if (!found) throw new Error(`no listener ${name}`);
  return found;
};
const hcmOf = (l: JsonObject) => obj(list(list(l.filter_chains)[0]?.filters)[0]?.typed_config);
const filterNames = (l: JsonObject) => list(hcmOf(l).http_filters).map((f) => f.name);
const filter = (l: JsonObject, name: string) =>
  list(hcmOf(l).http_filters).filter((f) => f.name === name);
const routesOf = (l: JsonObject) =>
  list(obj(hcmOf(l).route_config).virtual_hosts).flatMap((vh) => list(vh.routes));
/** The demo policy's TLS host:port pairs, in allowlist order: one tunnel each. */
const DEMO_TUNNELS = [
  'registry_npmjs_org_443',
  'github_com_443',
  'codeload_github_com_443',
  'wildcard_githubusercontent_com_443',
];
const forward = listener('forward_proxy');
const inject = listener('inject_api_anthropic_com');

describe('the forward proxy listener (HTTP_PROXY / HTTPS_PROXY)', () => {
  it('listens on the policy port and accepts CONNECT in the connection manager', () => {
    expect(obj(obj(forward.address).socket_address)).toEqual({
      address: '0.0.0.0',
      port_value: policy.proxy.port,
    });
    expect(hcmOf(forward).upgrade_configs).toEqual([{ upgrade_type: 'CONNECT' }]);
  });

  it('pins :authority exactly, in lower case, on every route that opens a tunnel', () => {
    const allow = routesOf(forward).filter((r) => r.route !== undefined);
    expect(allow.map((r) => r.name)).toEqual(DEMO_TUNNELS.map((t) => `allow_${t}`));
    for (const route of allow) {
      const [authority] = list(obj(route.match).headers);
      expect(authority?.name).toBe(':authority');
      const match = obj(authority?.string_match);
      if (match.exact !== undefined) expect(match.exact).toMatch(/^[a-z0-9.-]+:\d+$/);
      else expect(obj(match.safe_regex).regex).toMatch(/^\^.*\$$/);
    }
  });

  it('runs the rate limiters and the correlation state before the router, nothing else', () => {
    expect(filterNames(forward)).toEqual([
      'envoy.filters.http.local_ratelimit',
      'envoy.filters.http.local_ratelimit',
      'envoy.filters.http.set_filter_state',
      'envoy.filters.http.router',
    ]);
  });

  it('limits each agent address to its own token bucket, besides the per-task one', () => {
    const [perTask, perAgent] = filter(forward, 'envoy.filters.http.local_ratelimit').map((f) =>
      obj(f.typed_config),
    );
    expect(perTask?.token_bucket).toEqual({
      max_tokens: 200,
      tokens_per_fill: 200,
      fill_interval: '1s',
    });
    expect(perAgent).toMatchObject({
      descriptors: [
        {
          entries: [{ key: 'remote_address' }],
          token_bucket: { max_tokens: 100, tokens_per_fill: 100, fill_interval: '1s' },
        },
      ],
      rate_limits: [{ actions: [{ remote_address: {} }] }],
      always_consume_default_token_bucket: false,
    });
    // No per-task limit unless the policy sets one; the per-agent one is always there.
    const p = validPolicy(policyYaml('  - host: github.com'));
    expect(
      filter(listener('forward_proxy', renderProxyConfig(p)), 'envoy.filters.http.local_ratelimit'),
    ).toHaveLength(1);
  });

  it('bounds slow headers, HTTP/2 streams and idle connections from the policy', () => {
    expect(hcmOf(forward)).toMatchObject({
      use_remote_address: true,
      request_headers_timeout: '10s',
      stream_idle_timeout: '300s',
      http2_protocol_options: { max_concurrent_streams: 100 },
      common_http_protocol_options: { headers_with_underscores_action: 'REJECT_REQUEST' },
    });
  });

  it('answers refusals with a body naming the policy', () => {
    const deny = routesOf(forward).find((r) => r.name === 'deny_not_allowlisted');
    expect(obj(obj(deny?.direct_response).body).inline_string).toBe(
      'agent-perimeter: denied by policy "demo": destination host:port is not in the egress allowlist\n',
    );
  });
});

describe('the SNI-checking tunnel listeners', () => {
  const tunnels = listeners.filter((l) => String(l.name).startsWith('tls_'));

  it('exist once per TLS host:port without credentials, and have no socket', () => {
    expect(tunnels.map((l) => l.name)).toEqual(DEMO_TUNNELS.map((t) => `tls_${t}`));
    for (const l of tunnels) {
      expect(l.internal_listener).toEqual({});
      expect(l.address).toBeUndefined();
    }
    expect(config.bootstrap_extensions).toEqual([
      {
        name: 'envoy.bootstrap.internal_listener',
        typed_config: {
          '@type':
            'type.googleapis.com/envoy.extensions.bootstrap.internal_listener.v3.InternalListener',
        },
      },
    ]);
  });

  it('read the ClientHello and forward only the chain that names the host, to the SNI', () => {
    const l = listener('tls_github_com_443');
    expect(list(l.listener_filters).map((f) => f.name)).toEqual([
      'envoy.filters.listener.tls_inspector',
    ]);
    expect(l.continue_on_listener_filters_timeout).toBe(false);
    const [allow, mismatch] = list(l.filter_chains);
    expect(obj(allow?.filter_chain_match)).toEqual({
      server_names: ['github.com'],
      transport_protocol: 'tls',
    });
    expect(obj(list(allow?.filters)[0]?.typed_config)).toMatchObject({
      cluster: 'egress_exact',
      tunneling_config: { hostname: '%REQUESTED_SERVER_NAME%:443' },
    });
    expect(mismatch?.name).toBe('deny_sni_mismatch');
    expect(obj(l.default_filter_chain).name).toBe('deny_not_tls');
  });

  it('log the SNI seen, the chain that decided and the agent behind the tunnel', () => {
    const fields = obj(
      obj(obj(list(listener('tls_github_com_443').access_log)[0]?.typed_config).log_format)
        .json_format,
    );
    expect(fields).toMatchObject({
      log_type: 'tunnel',
      sni: '%REQUESTED_SERVER_NAME%',
      filter_chain: '%FILTER_CHAIN_NAME%',
      downstream_address: '%FILTER_STATE(agent_perimeter.agent_address:PLAIN)%',
      request_id: '%FILTER_STATE(agent_perimeter.request_id:PLAIN)%',
    });
  });
});

describe('the egress hops', () => {
  it('resolve exact and wildcard names in separate caches', () => {
    const exact = listener('egress_exact');
    const wildcard = listener('egress_wildcard');
    const cacheOf = (l: JsonObject) =>
      obj(
        obj(filter(l, 'envoy.filters.http.dynamic_forward_proxy')[0]?.typed_config)
          .dns_cache_config,
      );
    // Exact names are a fixed set: the cache holds them all and no agent can evict one.
    expect(cacheOf(exact)).toMatchObject({ name: 'dns_exact', max_hosts: 3 + 1 + 16 });
    expect(cacheOf(wildcard)).toMatchObject({
      name: 'dns_wildcard',
      max_hosts: 1024,
      host_ttl: '60s',
    });
    for (const l of [exact, wildcard]) {
      expect(cacheOf(l).dns_lookup_family).toBe('V4_ONLY');
      expect(filterNames(l)).toEqual([
        'envoy.filters.http.dynamic_forward_proxy',
        'envoy.filters.http.rbac',
        'envoy.filters.http.router',
      ]);
      expect(
        obj(filter(l, 'envoy.filters.http.dynamic_forward_proxy')[0]?.typed_config)
          .save_upstream_address,
      ).toBe(true);
    }
  });

  it('accept only CONNECTs the proxy marked as checked', () => {
    const allow = routesOf(listener('egress_exact')).find((r) => r.name === 'allow_github_com_443');
    expect(list(obj(allow?.match).headers)).toEqual([
      { name: ':authority', string_match: { exact: 'github.com:443' } },
      { name: 'x-agent-perimeter-tunnel', string_match: { exact: 'sni-checked' } },
    ]);
  });
});

describe('the base-URL listener with credential injection', () => {
  const hcm = hcmOf(inject);

  it('listens on the assigned port and runs injection, resolution and the address guard', () => {
    expect(obj(obj(inject.address).socket_address).port_value).toBe(8081);
    expect(filterNames(inject)).toEqual([
      'envoy.filters.http.local_ratelimit',
      'envoy.filters.http.local_ratelimit',
      'envoy.filters.http.set_filter_state',
      'envoy.filters.http.credential_injector',
      'envoy.filters.http.dynamic_forward_proxy',
      'envoy.filters.http.rbac',
      'envoy.filters.http.router',
    ]);
  });

  it('overwrites the credential header with the named secret', () => {
    const typed = obj(filter(inject, 'envoy.filters.http.credential_injector')[0]?.typed_config);
    expect(typed.overwrite).toBe(true);
    expect(typed.allow_request_without_credential).toBe(false);
    expect(obj(obj(typed.credential).typed_config)).toMatchObject({
      credential: { name: 'anthropic-api-key' },
      header: 'x-api-key',
    });
  });

  it("strips the agent's own credentials and what identifies it, but not the injected header", () => {
    const removed = obj(hcm.route_config).request_headers_to_remove as string[];
    for (const h of [
      'authorization',
      'cookie',
      'x-envoy-external-address',
      'x-forwarded-for',
      'via',
    ]) {
      expect(removed).toContain(h);
    }
    expect(removed).not.toContain('x-api-key');
  });

  it('reads the secret from an environment variable, never inline', () => {
    expect(list(resources.secrets)).toEqual([
      {
        name: 'anthropic-api-key',
        generic_secret: {
          secret: { environment_variable: 'AGENT_PERIMETER_SECRET_ANTHROPIC_API_KEY' },
        },
      },
    ]);
    expect(stringify(config)).not.toMatch(/inline_string: sk-|inline_bytes/);
  });

  it('can read the secret from a file instead', () => {
    const p = validPolicy(
      policyYaml(
        '  - host: api.anthropic.com\n    inject: { header: x-api-key, secret: anthropic }',
        'proxy: { credentials_from: file }',
      ),
    );
    expect(list(obj(renderProxyConfig(p).static_resources).secrets)[0]).toEqual({
      name: 'anthropic',
      generic_secret: { secret: { filename: '/etc/agent-perimeter/secrets/anthropic' } },
    });
  });

  it('connects over TLS 1.2-1.3 with SNI and SAN taken from the rewritten Host', () => {
    const upstream = clusters.find((c) => c.name === 'dfp_tls');
    const options = obj(
      obj(upstream?.typed_extension_protocol_options)[
        'envoy.extensions.upstreams.http.v3.HttpProtocolOptions'
      ],
    );
    expect(options.upstream_http_protocol_options).toEqual({
      auto_sni: true,
      auto_san_validation: true,
    });
    const tls = obj(obj(obj(upstream?.transport_socket).typed_config).common_tls_context);
    expect(tls).toEqual({
      tls_params: {
        tls_minimum_protocol_version: 'TLSv1_2',
        tls_maximum_protocol_version: 'TLSv1_3',
      },
      validation_context: { trusted_ca: { filename: DEFAULT_CA_BUNDLE } },
    });
  });
});

describe('limits that hold under abuse', () => {
  it('gives every cluster circuit breakers at the policy connection limit', () => {
    expect(clusters.length).toBeGreaterThan(5);
    for (const c of clusters) {
      expect(obj(c.circuit_breakers).thresholds, String(c.name)).toEqual([
        {
          priority: 'DEFAULT',
          max_connections: 10000,
          max_pending_requests: 10000,
          max_requests: 10000,
          max_retries: 3,
        },
      ]);
    }
  });

  it('caps connections and sheds load before the memory limit', () => {
    const overload = obj(config.overload_manager);
    expect(list(overload.resource_monitors).map((m) => m.name)).toEqual([
      'envoy.resource_monitors.global_downstream_max_connections',
      'envoy.resource_monitors.fixed_heap',
    ]);
    // 75% of the task's 1024 MiB.
    expect(obj(list(overload.resource_monitors)[1]?.typed_config).max_heap_size_bytes).toBe(
      768 * 1024 * 1024,
    );
    expect(list(overload.actions).map((a) => a.name)).toEqual([
      'envoy.overload_actions.shrink_heap',
      'envoy.overload_actions.stop_accepting_connections',
      'envoy.overload_actions.stop_accepting_requests',
    ]);
  });

  it('exempts the health listener from the connection cap and the overload manager', () => {
    expect(listener('health')).toMatchObject({
      ignore_global_conn_limit: true,
      bypass_overload_manager: true,
    });
    expect(forward.ignore_global_conn_limit).toBeUndefined();
  });
});

describe('health, admin and logging', () => {
  it('serves /healthz from the health_check filter', () => {
    const health = listener('health');
    expect(obj(obj(health.address).socket_address).port_value).toBe(policy.proxy.health_port);
    expect(list(hcmOf(health).http_filters)[0]).toMatchObject({
      name: 'envoy.filters.http.health_check',
      typed_config: {
        pass_through_mode: false,
        headers: [{ name: ':path', string_match: { exact: '/healthz' } }],
      },
    });
  });

  it('has the admin interface on loopback only, for the launcher, unless disabled', () => {
    expect(config.admin).toEqual({
      address: { socket_address: { address: '127.0.0.1', port_value: 9901 } },
    });
    const p = validPolicy(policyYaml('  - host: github.com', 'proxy: { admin: disabled }'));
    expect(renderProxyConfig(p).admin).toBeUndefined();
  });

  it('logs every kind of line as JSON with its contract fields and the log type', () => {
    const kinds: [JsonObject, keyof typeof ACCESS_LOG_FORMATS][] = [
      [forward, 'proxy'],
      [inject, 'base_url'],
      [listener('egress_exact'), 'egress'],
    ];
    for (const [l, type] of kinds) {
      const [log] = list(hcmOf(l).access_log);
      expect(log?.name).toBe('envoy.access_loggers.stdout');
      const fields = obj(obj(obj(log?.typed_config).log_format).json_format);
      expect(fields).toMatchObject({
        ...ACCESS_LOG_FORMATS[type],
        log_type: type,
        listener: l.name,
        policy: 'demo',
      });
    }
  });

  it('logs tunnels when established and every flush interval, not only when they close', () => {
    for (const l of [forward, listener('egress_exact'), listener('egress_wildcard')]) {
      expect(hcmOf(l).access_log_options).toEqual({
        access_log_flush_interval: '60s',
        flush_log_on_tunnel_successfully_established: true,
      });
    }
  });

  it('renders deterministically', () => {
    expect(renderProxyConfig(loadPolicy())).toEqual(config);
  });
});

describe('agent environment', () => {
  const env = agentEnvironment(policy, 'proxy.demo.internal');

  it('routes all HTTP(S) through the proxy and the model API through its base URL', () => {
    expect(env).toEqual({
      HTTPS_PROXY: 'http://proxy.demo.internal:3128',
      HTTP_PROXY: 'http://proxy.demo.internal:3128',
      https_proxy: 'http://proxy.demo.internal:3128',
      http_proxy: 'http://proxy.demo.internal:3128',
      NO_PROXY: 'localhost,127.0.0.1,::1,proxy.demo.internal',
      no_proxy: 'localhost,127.0.0.1,::1,proxy.demo.internal',
      NODE_USE_ENV_PROXY: '1',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      ANTHROPIC_BASE_URL: 'http://proxy.demo.internal:8081',
      ANTHROPIC_API_KEY: PLACEHOLDER_API_KEY,
    });
  });
});

describe("rendered configs validate against Envoy's v3 API", () => {
  it.each([
    ['the default policy', undefined, ''],
    ['wildcards, internal hosts, opaque ports and three inject entries', RICH_EGRESS, ''],
    [
      'every option changed',
      RICH_EGRESS,
      [
        'proxy: { admin: disabled, credentials_from: file, port: 3129, health_port: 9000, inject_base_port: 9100, log_level: warning, limits: { connect_timeout_s: 2.5, idle_timeout_s: 60, max_tunnel_duration_s: 600, max_request_headers_kb: 32, max_connections: 100, request_headers_timeout_s: 5, max_concurrent_streams: 10, requests_per_second: 50, requests_per_second_per_agent: 5, dns_cache_max_hosts: 64, dns_host_ttl_s: 30, drain_timeout_s: 5 } }',
        'logging: { flush_interval_s: 10 }',
      ].join('\n'),
    ],
  ])('%s', (_what, egress, extra) => {
    const p = egress === undefined ? policy : validPolicy(policyYaml(egress, extra));
    expect(validateEnvoyConfig(renderProxyConfig(p))).toEqual([]);
  });
});
