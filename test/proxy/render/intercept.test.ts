import { describe, expect, it } from 'vitest';
import {
  ACCESS_LOG_FORMATS,
  DENIED_MESSAGE_PREFIX,
  leafPaths,
  leafSecretName,
} from '../../../lib/proxy-contract.js';
import {
  type JsonObject,
  renderCheckedProxyConfig,
  renderProxyConfig,
} from '../../../proxy/index.js';
import type { Request } from '../../helpers/envoy-model/match.js';
import { EnvoyModel, type World } from '../../helpers/envoy-model/proxy.js';
import { GITHUB_INTERCEPT_ENTRY, validPolicy } from '../../helpers/policy.js';

/*
 * Intercepted hosts, asked of the rendered config through the routing model: the agent opens
 * a CONNECT to github.com, sends TLS with that SNI, and inside it the git requests a client
 * would send. The proxy must forward only the listed repository's smart-HTTP paths, add the
 * token (overwriting the agent's own), refuse Host-header fronting, and never let the request
 * leave without its own verified TLS. The conformance suite would ask the same of real Envoy.
 */

const POLICY = `name: gh
egress:
${GITHUB_INTERCEPT_ENTRY}      - { git_repo: acme/docs }
      - { method: GET, path_prefix: /repos/acme/widgets/pulls/ }
  - host: api.github.com
    tls: intercept
    websocket: true
  - host: registry.npmjs.org
proxy:
  interception: { ca_secret: gh-ca, ca_certificate: ca.crt }
`;
const policy = validPolicy(POLICY);
const config = renderProxyConfig(policy);
const model = new EnvoyModel(config);
const dns = { 'github.com': '140.82.112.3', 'api.github.com': '140.82.112.6' };
const PROXY = 3128;

/** A CONNECT to `host`:443, TLS with the host's own SNI unless given, and `request` inside. */
function throughTunnel(
  host: string,
  request: Request,
  { sni = host, world = { dns } }: { sni?: string; world?: World } = {},
) {
  return model.connect(PROXY, `${host}:443`, { tls: true, sni, request }, world);
}

/** A request inside a github.com tunnel (whose CONNECT succeeds), naming `host` as its Host. */
function inside(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  host = 'github.com',
) {
  const outcome = throughTunnel('github.com', { method, authority: host, path, headers });
  expect(outcome.status).toBe(200);
  return outcome.tunnel;
}

describe('an intercepted host: request rules and the credential inside the tunnel', () => {
  it('the rendered config is valid against the Envoy API', () => {
    expect(() => renderCheckedProxyConfig(policy)).not.toThrow();
  });

  it('allows clone, fetch and push of the listed repository, with or without ".git"', () => {
    for (const [method, path] of [
      ['GET', '/acme/widgets.git/info/refs?service=git-upload-pack'],
      ['POST', '/acme/widgets.git/git-upload-pack'],
      ['GET', '/acme/widgets/info/refs?service=git-receive-pack'],
      ['POST', '/acme/widgets.git/git-receive-pack'],
    ] as const) {
      const tunnel = inside(method, path);
      expect(tunnel, `${method} ${path}`).toMatchObject({
        kind: 'connected',
        address: '140.82.112.3:443',
        host: 'github.com',
        sni: 'github.com',
      });
    }
  });

  it('refuses a push to another repository with a 403 that names the policy', () => {
    const tunnel = inside('POST', '/evil/exfil.git/git-receive-pack');
    expect(tunnel).toMatchObject({ kind: 'refused', status: 403, by: 'deny_request_not_allowed' });
    expect(tunnel?.kind === 'refused' ? tunnel.body : '').toContain(
      `${DENIED_MESSAGE_PREFIX} "gh"`,
    );
    expect(inside('GET', '/evil/exfil.git/info/refs?service=git-receive-pack')).toMatchObject({
      kind: 'refused',
      status: 403,
    });
  });

  it('a fetch-only repository: clone allowed, push refused', () => {
    expect(inside('GET', '/acme/docs.git/info/refs?service=git-upload-pack')).toMatchObject({
      kind: 'connected',
    });
    expect(inside('GET', '/acme/docs.git/info/refs?service=git-receive-pack')).toMatchObject({
      kind: 'refused',
      by: 'deny_request_not_allowed',
    });
    expect(inside('POST', '/acme/docs.git/git-receive-pack')).toMatchObject({
      kind: 'refused',
      by: 'deny_request_not_allowed',
    });
  });

  it('paths are case sensitive and whole: a look-alike repository is refused', () => {
    expect(inside('POST', '/acme/widgets-fork.git/git-receive-pack')).toMatchObject({
      kind: 'refused',
    });
    expect(inside('POST', '/ACME/widgets.git/git-receive-pack')).toMatchObject({ kind: 'refused' });
    expect(inside('GET', '/repos/acme/widgets/pulls/1')).toMatchObject({ kind: 'connected' });
    expect(inside('POST', '/repos/acme/widgets/pulls/1')).toMatchObject({ kind: 'refused' });
  });

  it("the injected header is present upstream, and the agent's own Authorization is overwritten", () => {
    const tunnel = inside('POST', '/acme/widgets.git/git-receive-pack', {
      authorization: 'Basic YXR0YWNrZXI6dG9rZW4=',
      cookie: 'session=agent',
      'x-forwarded-for': '10.9.9.9',
    });
    expect(tunnel?.kind).toBe('connected');
    const headers = tunnel?.kind === 'connected' ? (tunnel.headers ?? {}) : {};
    expect(headers.authorization).toBe('<secret github-token_as_basic>');
    expect(headers.cookie).toBeUndefined();
    expect(headers['x-forwarded-for']).toBeUndefined();
    expect(headers[':authority']).toBe('github.com');
  });

  it('refuses a Host header that names another site (fronting inside the TLS)', () => {
    expect(
      inside('GET', '/acme/widgets.git/info/refs?service=git-upload-pack', {}, 'evil.example'),
    ).toMatchObject({ kind: 'refused', status: 403, by: 'deny_host_mismatch' });
    expect(
      inside('GET', '/acme/widgets.git/info/refs?service=git-upload-pack', {}, 'github.com:443'),
    ).toMatchObject({ kind: 'connected' });
  });

  it('still closes a tunnel whose SNI names another host, before any TLS is ended', () => {
    const outcome = throughTunnel(
      'github.com',
      { method: 'GET', authority: 'evil.example', path: '/' },
      { sni: 'evil.example' },
    );
    expect(outcome.tunnel).toMatchObject({ kind: 'refused', by: 'deny_sni_mismatch' });
  });

  it('WebSocket upgrades only where the entry allows them', () => {
    const ws = { upgrade: 'websocket', connection: 'upgrade' };
    expect(inside('GET', '/repos/acme/widgets/pulls/1', ws)).toMatchObject({
      kind: 'refused',
      status: 403,
      by: 'upgrade_failed',
    });
    const api = throughTunnel('api.github.com', {
      method: 'GET',
      authority: 'api.github.com',
      path: '/socket',
      headers: ws,
    });
    expect(api.tunnel).toMatchObject({ kind: 'connected', host: 'api.github.com' });
  });

  it('the address guard still applies: an intercepted name resolving to a private address is refused', () => {
    const outcome = throughTunnel(
      'github.com',
      { method: 'POST', authority: 'github.com', path: '/acme/widgets.git/git-upload-pack' },
      { world: { dns: { 'github.com': '10.0.0.5' } } },
    );
    expect(outcome.tunnel).toMatchObject({
      kind: 'refused',
      status: 403,
      by: 'rbac_access_denied_matched_policy[deny_private_address]',
    });
  });

  it('the credential is never a CONNECT away: there is no base URL and no opaque tunnel for the host', () => {
    const listeners = (config.static_resources as JsonObject).listeners as JsonObject[];
    expect(listeners.some((l) => String(l.name).startsWith('inject_github'))).toBe(false);
    const egress = JSON.stringify(listeners.filter((l) => String(l.name).startsWith('egress_')));
    expect(egress).not.toContain('github.com:443');
    expect(egress).toContain('registry.npmjs.org:443');
  });
});

describe('the intercepting filter chain as rendered', () => {
  const listeners = (config.static_resources as JsonObject).listeners as JsonObject[];
  const tunnel = listeners.find((l) => l.name === 'tls_github_com_443') as JsonObject;
  const chain = (tunnel.filter_chains as JsonObject[])[0] as JsonObject;
  const tls = ((chain.transport_socket as JsonObject).typed_config as JsonObject)
    .common_tls_context as JsonObject;

  it("ends TLS with the host's leaf from the SDS file the launcher writes, offering h2 and http/1.1", () => {
    expect(chain.filter_chain_match).toEqual({
      server_names: ['github.com'],
      transport_protocol: 'tls',
    });
    expect(tls.alpn_protocols).toEqual(['h2', 'http/1.1']);
    expect(tls.tls_certificate_sds_secret_configs).toEqual([
      {
        name: 'leaf_github_com',
        sds_config: {
          path_config_source: { path: leafPaths('github.com').sds },
          resource_api_version: 'V3',
        },
      },
    ]);
  });

  it("names a wildcard host's leaf files and secret without the star", () => {
    expect(leafPaths('*.githubusercontent.com', '/leaf').sds).toBe(
      '/leaf/wildcard.githubusercontent.com.sds.json',
    );
    expect(leafSecretName('*.githubusercontent.com')).toBe('leaf_wildcard_githubusercontent_com');
    expect(leafSecretName('github.com')).toBe('leaf_github_com');
  });

  it('overwrites the credential (no request leaves without it) and verifies the upstream against the system bundle', () => {
    const hcm = ((chain.filters as JsonObject[])[0] as JsonObject).typed_config as JsonObject;
    const filters = hcm.http_filters as JsonObject[];
    const injector = filters.find((f) => f.name === 'envoy.filters.http.credential_injector')
      ?.typed_config as JsonObject;
    expect(injector).toMatchObject({ overwrite: true, allow_request_without_credential: false });
    const clusters = (config.static_resources as JsonObject).clusters as JsonObject[];
    const upstream = clusters.find((c) => c.name === 'dfp_tls') as JsonObject;
    expect(JSON.stringify(upstream)).toContain('"auto_sni":true,"auto_san_validation":true');
    expect(JSON.stringify(upstream)).toContain('/etc/ssl/certs/ca-certificates.crt');
  });

  it('logs method, path, host and the deciding route, and never a header value', () => {
    const hcm = ((chain.filters as JsonObject[])[0] as JsonObject).typed_config as JsonObject;
    const log = JSON.stringify(hcm.access_log);
    expect(log).toContain('"log_type":"intercepted"');
    for (const field of ['method', 'path', 'authority', 'route_name', 'sni'])
      expect(ACCESS_LOG_FORMATS.intercepted).toHaveProperty(field);
    expect(log.toLowerCase()).not.toContain('authorization');
    expect(log).not.toMatch(
      /%REQ\((?!:METHOD|:AUTHORITY|X-ENVOY-ORIGINAL-PATH\?:PATH|USER-AGENT|X-REQUEST-ID)/,
    );
  });
});
