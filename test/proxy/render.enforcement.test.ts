import { describe, expect, it } from 'vitest';
import { loadPolicy } from '../../lib/policy/index.js';
import { renderProxyConfig } from '../../proxy/index.js';
import { EnvoyModel, type Payload, type World } from '../helpers/envoy-model/proxy.js';
import { policyYaml, RICH_EGRESS, validPolicy } from '../helpers/policy.js';

/*
 * What the proxy lets through, asked of the rendered config the way an agent that tries to get
 * out would ask it: every hop from the agent's CONNECT or base-URL request to the address the
 * proxy finally dials, or the hop that refuses. Each block answers one finding of the review
 * the data plane was rebuilt after (docs/adr/0008-proxy-data-plane.md). The conformance suite
 * (test/conformance/) asks the same questions of the real Envoy image.
 */

const demo = new EnvoyModel(renderProxyConfig(loadPolicy()));
const rich = new EnvoyModel(renderProxyConfig(validPolicy(policyYaml(RICH_EGRESS))));
const PROXY = 3128;
const BASE_URL = 8081;

/** Public answers for the allowlisted names (TEST-NET and documentation-style addresses). */
const dns: Record<string, string> = {
  'github.com': '140.82.112.3',
  'registry.npmjs.org': '104.16.1.34',
  'codeload.github.com': '140.82.113.9',
  'raw.githubusercontent.com': '185.199.108.133',
  'objects.githubusercontent.com': '185.199.109.133',
  'api.anthropic.com': '160.79.104.10',
  'a.example.com': '93.184.215.14',
  'ssh.github.com': '140.82.112.36',
  'api.github.com': '140.82.112.6',
};
const world: World = { dns };
const tls = (sni?: string): Payload => (sni === undefined ? { tls: true } : { tls: true, sni });

describe('tunnels carry TLS for the host they were opened to', () => {
  it.each(['github.com', 'registry.npmjs.org', 'codeload.github.com', 'raw.githubusercontent.com'])(
    'CONNECT %s:443 with its own SNI reaches its resolved address',
    (host) => {
      expect(demo.connect(PROXY, `${host}:443`, tls(host), world)).toEqual({
        status: 200,
        route: expect.stringMatching(/^allow_/),
        tunnel: { kind: 'connected', address: `${dns[host]}:443`, host, sni: host },
      });
    },
  );

  it.each([
    ['another site on the same CDN', 'evil.example'],
    ['another allowlisted host', 'registry.npmjs.org'],
    ['the right name in upper case (Envoy compares SNI bytes)', 'GITHUB.COM'],
    ['a name under the allowed one', 'gist.github.com'],
  ])('closes a github.com tunnel whose ClientHello names %s', (_what, sni) => {
    expect(demo.connect(PROXY, 'github.com:443', tls(sni), world).tunnel).toEqual({
      kind: 'refused',
      by: 'deny_sni_mismatch',
      listener: 'tls_github_com_443',
    });
  });

  it('closes a tunnel whose ClientHello has no SNI', () => {
    expect(demo.connect(PROXY, 'github.com:443', tls(), world).tunnel).toMatchObject({
      kind: 'refused',
      by: 'deny_sni_mismatch',
    });
  });

  it('closes a tunnel that does not carry TLS at all', () => {
    expect(demo.connect(PROXY, 'github.com:443', { tls: false }, world).tunnel).toEqual({
      kind: 'refused',
      by: 'deny_not_tls',
      listener: 'tls_github_com_443',
    });
  });

  it('dials the name the TLS server sees, so a wildcard tunnel goes where its SNI says', () => {
    // Both names are allowed by the same entry: the check is per entry, and the proxy dials
    // the SNI, never the CONNECT's name or an address the agent chose.
    expect(
      demo.connect(
        PROXY,
        'raw.githubusercontent.com:443',
        tls('objects.githubusercontent.com'),
        world,
      ).tunnel,
    ).toEqual({
      kind: 'connected',
      address: `${dns['objects.githubusercontent.com']}:443`,
      host: 'objects.githubusercontent.com',
      sni: 'objects.githubusercontent.com',
    });
  });

  it('refuses an SNI two labels deep under a wildcard at the egress hop', () => {
    expect(
      demo.connect(PROXY, 'raw.githubusercontent.com:443', tls('a.b.githubusercontent.com'), world)
        .tunnel,
    ).toMatchObject({
      kind: 'refused',
      status: 403,
      by: 'deny_egress_not_allowed_wildcard_githubusercontent_com',
    });
  });

  it('passes opaque bytes only for an entry that says tls: false', () => {
    expect(rich.connect(PROXY, 'ssh.github.com:443', { tls: false }, world).tunnel).toEqual({
      kind: 'connected',
      address: `${dns['ssh.github.com']}:443`,
      host: 'ssh.github.com',
    });
    expect(rich.connect(PROXY, 'a.example.com:443', { tls: false }, world).tunnel).toMatchObject({
      kind: 'refused',
      by: 'deny_not_tls',
    });
  });
});

describe('resolved addresses are checked before the proxy connects', () => {
  it.each([
    ['a VPC address', '10.0.12.5'],
    ['another private range', '172.16.0.10'],
    ['a home-network range', '192.168.1.1'],
    ['carrier-grade NAT', '100.64.0.1'],
    ['the proxy itself', '127.0.0.1'],
    ['"this network" (reaches the proxy)', '0.0.0.0'],
    ['the ECS task-credential endpoint', '169.254.170.2'],
    ['instance metadata', '169.254.169.254'],
    ['multicast', '224.0.0.251'],
    ['broadcast', '255.255.255.255'],
    ['benchmarking space', '198.18.0.1'],
  ])('refuses a tunnel whose name resolves to %s (%s)', (_what, address) => {
    const outcome = demo.connect(PROXY, 'github.com:443', tls('github.com'), {
      dns: { ...dns, 'github.com': address },
    });
    expect(outcome.status).toBe(200);
    expect(outcome.tunnel).toEqual({
      kind: 'refused',
      status: 403,
      by: 'rbac_access_denied_matched_policy[deny_private_address]',
      listener: 'egress_exact',
    });
  });

  it('refuses the same for names under a wildcard, through their own egress hop', () => {
    expect(
      demo.connect(PROXY, 'raw.githubusercontent.com:443', tls('raw.githubusercontent.com'), {
        dns: { 'raw.githubusercontent.com': '10.1.2.3' },
      }).tunnel,
    ).toMatchObject({
      by: 'rbac_access_denied_matched_policy[deny_private_address]',
      listener: 'egress_wildcard',
    });
  });

  it('closes a tunnel whose name does not resolve (Envoy answers 503)', () => {
    expect(
      demo.connect(PROXY, 'github.com:443', tls('github.com'), { dns: {} }).tunnel,
    ).toMatchObject({
      kind: 'refused',
      status: 503,
      by: 'dns_resolution_failure',
    });
  });

  it('lets an internal entry reach its own ranges, and only those', () => {
    const to = (address: string) =>
      rich.connect(PROXY, 'git.corp.example.com:443', tls('git.corp.example.com'), {
        dns: { 'git.corp.example.com': address },
      }).tunnel;
    expect(to('10.30.4.5')).toMatchObject({ kind: 'connected', address: '10.30.4.5:443' });
    expect(to('172.20.0.9')).toMatchObject({ kind: 'connected', address: '172.20.0.9:443' });
    for (const address of ['10.31.0.1', '93.184.215.14', '169.254.170.2', '127.0.0.1']) {
      expect(to(address), address).toMatchObject({
        kind: 'refused',
        by: 'rbac_access_denied_matched_policy[deny_outside_private_ranges]',
      });
    }
  });

  it('opens the internal IPv4 ranges for `private: true`, never loopback or link-local', () => {
    const to = (address: string) =>
      rich.connect(PROXY, 'db.svc.corp.example.com:443', tls('db.svc.corp.example.com'), {
        dns: { 'db.svc.corp.example.com': address },
      }).tunnel?.kind;
    expect(['10.9.9.9', '172.31.0.1', '192.168.0.7', '100.100.0.1'].map(to)).toEqual(
      Array(4).fill('connected'),
    );
    expect(['127.0.0.1', '169.254.169.254', '0.0.0.0', '8.8.8.8'].map(to)).toEqual(
      Array(4).fill('refused'),
    );
  });

  it('guards the base-URL listener too: the key never goes to a private address', () => {
    expect(
      demo.request(
        BASE_URL,
        { method: 'POST', authority: 'proxy:8081', path: '/v1/messages' },
        {
          dns: { 'api.anthropic.com': '169.254.170.2' },
        },
      ),
    ).toMatchObject({
      status: 403,
      details: 'rbac_access_denied_matched_policy[deny_private_address]',
    });
  });
});

describe('credentials cannot be bypassed or used for more than the entry allows', () => {
  it('refuses CONNECT to a host with injected credentials, pointing at its base URL', () => {
    const outcome = demo.connect(PROXY, 'api.anthropic.com:443', tls('api.anthropic.com'), world);
    expect(outcome).toMatchObject({ status: 403, route: 'deny_use_base_url' });
    expect(outcome.body).toContain('ANTHROPIC_BASE_URL=http://<proxy>:8081');
  });

  it("forwards an allowed request with the proxy's key and nothing of the agent's own", () => {
    const outcome = demo.request(
      BASE_URL,
      {
        method: 'POST',
        authority: 'proxy.internal:8081',
        path: '/v1/messages?beta=true',
        headers: {
          'x-api-key': 'sk-ant-the-agents-own-key',
          authorization: 'Bearer the-agents-own-token',
          cookie: 'session=another-account',
          'x-forwarded-for': '203.0.113.9',
          'x-envoy-external-address': '10.0.1.5',
          via: '1.1 agent',
          'anthropic-version': '2023-06-01',
        },
      },
      world,
    );
    expect(outcome).toMatchObject({ status: 200, route: 'allow_api_anthropic_com_0' });
    expect(outcome.upstream).toMatchObject({
      address: `${dns['api.anthropic.com']}:443`,
      host: 'api.anthropic.com',
      sni: 'api.anthropic.com',
    });
    expect(outcome.upstream?.headers).toEqual({
      ':method': 'POST',
      ':authority': 'api.anthropic.com',
      ':path': '/v1/messages?beta=true',
      'x-api-key': '<secret anthropic-api-key>',
      'anthropic-version': '2023-06-01',
    });
  });

  it.each([
    ['the Batches API', 'POST', '/v1/messages/batches'],
    ['the Files API', 'POST', '/v1/files'],
    ['an admin path', 'GET', '/v1/organizations/api_keys'],
    ['another method on an allowed path', 'DELETE', '/v1/messages'],
    ['a GET of an allowed path', 'GET', '/v1/messages'],
    ['a path that only starts like an allowed one', 'POST', '/v1/messagesx'],
  ])('refuses %s (%s %s) with a 403 naming the policy', (_what, method, path) => {
    const outcome = demo.request(BASE_URL, { method, authority: 'proxy:8081', path }, world);
    expect(outcome).toMatchObject({ status: 403, route: 'deny_request_not_allowed' });
    expect(outcome.body).toContain('denied by policy "demo"');
    expect(outcome.body).toContain('allowed: POST /v1/messages, POST /v1/messages/count_tokens');
  });

  it('matches path prefixes by whole segments', () => {
    const get = (path: string) =>
      rich.request(9200, { method: 'GET', authority: 'proxy:9200', path }, world).status;
    expect(get('/repos/acme/widgets/pulls')).toBe(200);
    expect(get('/repos/acme-evil/widgets')).toBe(403);
    expect(get('/user/repos')).toBe(403);
  });

  it('sends the request to the entry host whatever Host the agent sent', () => {
    const outcome = demo.request(
      BASE_URL,
      { method: 'POST', authority: 'attacker.example:443', path: '/v1/messages' },
      { dns: { ...dns, 'attacker.example': '203.0.113.66' } },
    );
    expect(outcome.upstream).toMatchObject({ host: 'api.anthropic.com', sni: 'api.anthropic.com' });
  });

  it('forwards every path of an entry without request rules', () => {
    const p = validPolicy(
      policyYaml('  - host: api.example.com\n    inject: { header: authorization, secret: token }'),
    );
    const model = new EnvoyModel(renderProxyConfig(p));
    expect(
      model.request(
        8081,
        { method: 'DELETE', authority: 'p', path: '/anything' },
        {
          dns: { 'api.example.com': '93.184.215.14' },
        },
      ).status,
    ).toBe(200);
  });
});

describe('one agent cannot take the proxy down or slip past the matchers', () => {
  it.each([
    ['upper case', 'GitHub.com:443'],
    ['all upper case', 'GITHUB.COM:443'],
    ['a trailing dot', 'github.com.:443'],
    ['an unlisted name in upper case', 'EVIL.EXAMPLE:443'],
    ['upper case under a wildcard', 'RAW.githubusercontent.com:443'],
  ])('answers a CONNECT with %s with a clear 403', (_what, authority) => {
    const outcome = demo.connect(PROXY, authority, tls('github.com'), world);
    expect(outcome).toMatchObject({ status: 403, route: 'deny_not_lowercase' });
    expect(outcome.body).toContain('lower case without a trailing dot');
  });

  it.each([
    ['an unlisted host', 'evil.example.com:443'],
    ['an IPv4 literal', '140.82.112.3:443'],
    ['the metadata endpoint', '169.254.169.254:80'],
    ['an IPv6 literal', '[2606:4700::1111]:443'],
    ['another port (SSH)', 'github.com:22'],
    ['a host with no port', 'github.com'],
    ['the bare wildcard domain', 'githubusercontent.com:443'],
    ['a look-alike suffix', 'evilgithub.com:443'],
  ])('refuses CONNECT to %s with 403 as not allowlisted', (_what, authority) => {
    expect(demo.connect(PROXY, authority, tls('github.com'), world)).toMatchObject({
      status: 403,
      route: 'deny_not_allowlisted',
    });
  });

  it('refuses CONNECT to two labels under a wildcard with 403 from that entry', () => {
    expect(
      demo.connect(PROXY, 'a.b.githubusercontent.com:443', tls('github.com'), world),
    ).toMatchObject({
      status: 403,
      route: 'deny_wildcard_depth_wildcard_githubusercontent_com',
    });
  });

  it('refuses plain-HTTP forwarding', () => {
    expect(
      demo.request(PROXY, { method: 'GET', authority: 'github.com', path: '/' }, world),
    ).toMatchObject({
      status: 403,
      route: 'deny_plain_http',
    });
  });

  it('sends names under wildcards to their own DNS cache, so they cannot evict exact names', () => {
    const exact = demo.connect(PROXY, 'github.com:443', tls('github.com'), world);
    const wild = demo.connect(
      PROXY,
      'raw.githubusercontent.com:443',
      tls('raw.githubusercontent.com'),
      world,
    );
    expect(exact.tunnel?.kind).toBe('connected');
    expect(wild.tunnel?.kind).toBe('connected');
    // The model checks that each DFP filter's cache is its cluster's; the caches differ.
    const caches = (listener: string) =>
      JSON.stringify(
        (
          renderProxyConfig(loadPolicy()).static_resources as { listeners: { name: string }[] }
        ).listeners.find((l) => l.name === listener),
      ).match(/"name":"dns_(exact|wildcard)"/g);
    expect(caches('egress_exact')).toEqual(['"name":"dns_exact"']);
    expect(caches('egress_wildcard')).toEqual(['"name":"dns_wildcard"']);
  });

  it('rate-limits an agent that has used up its bucket', () => {
    expect(
      demo.connect(PROXY, 'github.com:443', tls('github.com'), { ...world, rateLimited: true }),
    ).toMatchObject({
      status: 429,
    });
    expect(
      demo.request(
        BASE_URL,
        { method: 'POST', authority: 'p', path: '/v1/messages' },
        { ...world, rateLimited: true },
      ).status,
    ).toBe(429);
  });
});

describe('health checks tell the truth', () => {
  it('answers 200 while serving and 503 once the launcher has failed the health check', () => {
    const health = (healthFailed: boolean) =>
      demo.request(8099, { method: 'GET', authority: 'x', path: '/healthz' }, { healthFailed })
        .status;
    expect(health(false)).toBe(200);
    expect(health(true)).toBe(503);
    expect(demo.request(8099, { method: 'GET', authority: 'x', path: '/stats' }).status).toBe(404);
  });
});
