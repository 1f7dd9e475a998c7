import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadPolicy } from '../lib/policy/index.js';
import {
  ACCESS_LOG_FIELDS,
  agentEnvironment,
  DEFAULT_CA_BUNDLE,
  type Json,
  type JsonObject,
  PLACEHOLDER_API_KEY,
  renderProxyConfig,
} from '../proxy/index.js';
import { validateEnvoyConfig } from '../proxy/validate/index.js';
import { type Request, routeRequest } from './helpers/envoy-routing.js';
import { policyYaml, validPolicy } from './helpers/policy.js';

const obj = (value: Json | undefined): JsonObject => value as JsonObject;
const list = (value: Json | undefined): JsonObject[] => (value ?? []) as JsonObject[];

const policy = loadPolicy();
const config = renderProxyConfig(policy);
const resources = obj(config.static_resources);
const listeners = list(resources.listeners);
const clusters = list(resources.clusters);
const listener = (name: string) => {
  const found = listeners.find((l) => l.name === name);
  if (!found) throw new Error(`no listener ${name}`);
  return found;
};
const hcmOf = (l: JsonObject) => obj(list(list(l.filter_chains)[0]?.filters)[0]?.typed_config);
const filterNames = (l: JsonObject) => list(hcmOf(l).http_filters).map((f) => f.name);
const forward = listener('forward_proxy');
const connect = (authority: string): Request => ({ method: 'CONNECT', authority });

describe('forward proxy listener (HTTP_PROXY / HTTPS_PROXY)', () => {
  it('accepts CONNECT in the connection manager, so the routes decide', () => {
    expect(hcmOf(forward).upgrade_configs).toEqual([{ upgrade_type: 'CONNECT' }]);
  });

  it('listens on the policy port', () => {
    expect(obj(obj(forward.address).socket_address)).toEqual({
      address: '0.0.0.0',
      port_value: policy.proxy.port,
    });
  });

  it.each([
    'api.anthropic.com:443',
    'registry.npmjs.org:443',
    'github.com:443',
    'raw.githubusercontent.com:443',
    'objects.githubusercontent.com:443',
  ])('tunnels CONNECT %s through the dynamic forward proxy', (authority) => {
    expect(routeRequest(forward, connect(authority))).toMatchObject({
      status: 'forwarded',
      cluster: 'dynamic_forward_proxy',
    });
  });

  it.each([
    ['an unlisted host', 'evil.example.com:443', 'deny_not_allowlisted'],
    ['an IPv4 literal', '140.82.112.3:443', 'deny_not_allowlisted'],
    ['the metadata endpoint', '169.254.169.254:80', 'deny_not_allowlisted'],
    ['an IPv6 literal', '[2606:4700::1111]:443', 'deny_not_allowlisted'],
    ['another port (SSH)', 'github.com:22', 'deny_not_allowlisted'],
    ['a host with no port', 'github.com', 'deny_not_allowlisted'],
    ['the bare wildcard domain', 'githubusercontent.com:443', 'deny_not_allowlisted'],
    [
      'two labels under a wildcard',
      'a.b.githubusercontent.com:443',
      'deny_wildcard_depth_wildcard_githubusercontent_com',
    ],
    ['a look-alike suffix', 'evilgithub.com:443', 'deny_not_allowlisted'],
  ])('refuses CONNECT to %s with 403', (_what, authority, route) => {
    expect(routeRequest(forward, connect(authority))).toEqual({ route, status: 403 });
  });

  it.each([
    ['an allowlisted host', 'github.com:443'],
    ['an unlisted host', 'example.com'],
  ])('refuses plain-HTTP forwarding to %s', (_what, authority) => {
    expect(routeRequest(forward, { method: 'GET', authority, path: '/' })).toEqual({
      route: 'deny_plain_http',
      status: 403,
    });
  });

  it('answers refusals with a body naming the policy', () => {
    const vhosts = list(obj(hcmOf(forward).route_config).virtual_hosts);
    const deny = list(vhosts.at(-1)?.routes)[0];
    expect(obj(obj(deny?.direct_response).body).inline_string).toBe(
      'agent-perimeter: denied by policy "demo": destination host:port is not in the egress allowlist\n',
    );
  });

  it('runs the rate limiter, the forward proxy filter, then the router', () => {
    expect(filterNames(forward)).toEqual([
      'envoy.filters.http.local_ratelimit',
      'envoy.filters.http.dynamic_forward_proxy',
      'envoy.filters.http.router',
    ]);
  });

  it('allows each port listed for a host and only those', () => {
    const p = validPolicy(policyYaml('  - host: git.example.com\n    ports: [443, 8443]'));
    const fwd = list(obj(renderProxyConfig(p).static_resources).listeners)[0] as JsonObject;
    expect(routeRequest(fwd, connect('git.example.com:8443')).status).toBe('forwarded');
    expect(routeRequest(fwd, connect('git.example.com:443')).status).toBe('forwarded');
    expect(routeRequest(fwd, connect('git.example.com:22')).status).toBe(403);
  });
});

describe('base-URL listener with credential injection', () => {
  const inject = listener('inject_api_anthropic_com');
  const hcm = hcmOf(inject);

  it('listens on the assigned port and forwards every path to the host', () => {
    expect(obj(obj(inject.address).socket_address).port_value).toBe(8081);
    expect(
      routeRequest(inject, { method: 'POST', authority: 'proxy:8081', path: '/v1/messages' }),
    ).toEqual({
      route: 'inject_api_anthropic_com',
      status: 'forwarded',
      cluster: 'upstream_api_anthropic_com',
    });
  });

  it('overwrites the credential header with the named secret', () => {
    const injector = list(hcm.http_filters).find(
      (f) => f.name === 'envoy.filters.http.credential_injector',
    );
    const typed = obj(injector?.typed_config);
    expect(typed.overwrite).toBe(true);
    expect(typed.allow_request_without_credential).toBe(false);
    expect(obj(obj(typed.credential).typed_config)).toMatchObject({
      credential: { name: 'anthropic-api-key' },
      header: 'x-api-key',
    });
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

  it('rewrites Host and connects over TLS with SNI and SAN verification', () => {
    const route = obj(list(list(obj(hcm.route_config).virtual_hosts)[0]?.routes)[0]?.route);
    expect(route.host_rewrite_literal).toBe('api.anthropic.com');
    const upstream = clusters.find((c) => c.name === 'upstream_api_anthropic_com');
    const tls = obj(obj(upstream?.transport_socket).typed_config);
    expect(tls.sni).toBe('api.anthropic.com');
    expect(obj(obj(tls.common_tls_context).validation_context)).toEqual({
      trusted_ca: { filename: DEFAULT_CA_BUNDLE },
      match_typed_subject_alt_names: [{ san_type: 'DNS', matcher: { exact: 'api.anthropic.com' } }],
    });
  });

  it('refuses CONNECT on the base-URL listener', () => {
    expect(routeRequest(inject, connect('api.anthropic.com:443'))).toEqual({
      route: '(CONNECT not enabled)',
      status: 403,
    });
  });
});

describe('health, admin and logging', () => {
  it('serves /healthz from the health_check filter and nothing else', () => {
    const health = listener('health');
    expect(obj(obj(health.address).socket_address).port_value).toBe(policy.proxy.health_port);
    expect(list(hcmOf(health).http_filters)[0]).toMatchObject({
      name: 'envoy.filters.http.health_check',
      typed_config: {
        pass_through_mode: false,
        headers: [{ name: ':path', string_match: { exact: '/healthz' } }],
      },
    });
    expect(routeRequest(health, { method: 'GET', authority: 'x', path: '/stats' }).status).toBe(
      404,
    );
  });

  it('has no admin interface unless asked, and then only on loopback', () => {
    expect(config.admin).toBeUndefined();
    const p = validPolicy(policyYaml('  - host: github.com', 'proxy: { admin: loopback }'));
    expect(renderProxyConfig(p).admin).toEqual({
      address: { socket_address: { address: '127.0.0.1', port_value: 9901 } },
    });
  });

  it('logs every request on agent-facing listeners as JSON with the audit fields', () => {
    for (const l of [forward, listener('inject_api_anthropic_com')]) {
      const [log] = list(hcmOf(l).access_log);
      expect(log?.name).toBe('envoy.access_loggers.stdout');
      const fields = obj(obj(obj(log?.typed_config).log_format).json_format);
      expect(fields).toMatchObject({ ...ACCESS_LOG_FIELDS, listener: l.name, policy: 'demo' });
      for (const key of [
        'start_time',
        'downstream_address',
        'method',
        'authority',
        'path',
        'protocol',
        'response_code',
        'response_flags',
        'response_code_details',
        'bytes_received',
        'bytes_sent',
        'duration_ms',
        'upstream_host',
        'route_name',
      ]) {
        expect(fields).toHaveProperty(key);
      }
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
      ANTHROPIC_BASE_URL: 'http://proxy.demo.internal:8081',
      ANTHROPIC_API_KEY: PLACEHOLDER_API_KEY,
    });
  });
});

describe("rendered configs validate against Envoy's v3 API", () => {
  it.each([
    ['the default policy', ''],
    [
      'every option changed',
      'proxy: { admin: loopback, credentials_from: file, port: 3129, health_port: 9000, inject_base_port: 9100, limits: { connect_timeout_s: 2.5, idle_timeout_s: 60, max_tunnel_duration_s: 600, max_request_headers_kb: 32, max_connections: 100 } }',
    ],
  ])('%s', (_what, extra) => {
    const p = validPolicy(
      policyYaml(
        [
          '  - host: api.anthropic.com',
          '    inject: { header: x-api-key, secret: anthropic }',
          '  - host: api.github.com',
          '    inject: { header: authorization, secret: github, port: 9200 }',
          '  - host: "*.example.com"',
          '    ports: [443, 8443]',
        ].join('\n'),
        extra,
      ),
    );
    expect(validateEnvoyConfig(renderProxyConfig(p))).toEqual([]);
  });
});
