import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePolicy } from '../../lib/policy/index.js';
import { LAUNCHER_SCRIPT, launchArguments } from '../../lib/proxy-launcher.js';
import { renderCheckedProxyConfig } from '../../proxy/index.js';
import { makeTestPki } from './certs.js';
import { connectThrough, rawInside, tlsInside } from './client.js';
import { cleanUp, docker, dockerEngineRuns, until } from './docker.js';

/*
 * The same questions the Envoy model answers (test/proxy/render.enforcement.test.ts), asked of the
 * real, pinned Envoy image over real sockets: the rendered config, the launcher, TLS with a
 * CA of its own, and upstreams on test networks that play the internet (198.51.100.0/24,
 * TEST-NET-2) and an internal network (10.89.0.0/24). No Envoy binary or Docker engine exists
 * where the rest of the suite runs, so this file runs only with AGENT_PERIMETER_CONFORMANCE=1
 * and a Docker engine: .github/workflows/conformance.yml does that on every push.
 */

const enabled = process.env.AGENT_PERIMETER_CONFORMANCE === '1' && dockerEngineRuns();

const POLICY = `
name: conformance
egress:
  - host: allowed.test
  - host: other.test
  - host: "*.wild.test"
  - host: private.test
  - host: loopback.test
  - host: metadata.test
  - host: internal.test
    private: ["10.89.0.0/24"]
  - host: outside.test
    private: ["10.89.0.0/24"]
  - host: ssh.test
    ports: [22]
    tls: false
  - host: api.upstream.test
    inject: { header: x-api-key, secret: upstream-key }
    allow: [{ method: POST, path: /v1/messages }]
proxy:
  limits: { requests_per_second_per_agent: 50, drain_timeout_s: 5 }
logging: { flush_interval_s: 5 }
`;
const PUBLIC = { subnet: '198.51.100.0/24', upstream: '198.51.100.10', envoy: '198.51.100.2' };
const INTERNAL = { subnet: '10.89.0.0/24', upstream: '10.89.0.10', envoy: '10.89.0.2' };
const HOSTS: Record<string, string> = {
  'allowed.test': PUBLIC.upstream,
  'other.test': PUBLIC.upstream,
  'x.wild.test': PUBLIC.upstream,
  'y.wild.test': PUBLIC.upstream,
  'a.b.wild.test': PUBLIC.upstream,
  'private.test': INTERNAL.upstream,
  'loopback.test': '127.0.0.1',
  'metadata.test': '169.254.169.254',
  'internal.test': INTERNAL.upstream,
  'outside.test': PUBLIC.upstream,
  'ssh.test': PUBLIC.upstream,
  'api.upstream.test': PUBLIC.upstream,
};
const SECRET = 'conformance-key-0123456789';
const NETWORKS = ['ap-conformance-public', 'ap-conformance-internal'];
const CONTAINERS = ['ap-conformance-upstream', 'ap-conformance-envoy'];
const [UPSTREAM, ENVOY] = CONTAINERS as [string, string];

const policy = parsePolicy(POLICY, 'conformance.yaml');
let dir: string;
let ca: string;
const ports = { forward: 0, baseUrl: 0, health: 0 };
const proxy = () => ({ host: '127.0.0.1', port: ports.forward });

function published(port: number): number {
  return Number(
    docker(['port', ENVOY, `${port}/tcp`])
      .trim()
      .split(':')
      .at(-1),
  );
}

function get(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, timeout: 5000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

function post(
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: ports.baseUrl, path, method: 'POST', headers, timeout: 10_000 },
      (res) => {
        let body = '';
        res.on('data', (d) => {
          body += String(d);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end('{}');
  });
}

/** The proxy's JSON access-log lines so far. */
function logLines(): Record<string, string>[] {
  return docker(['logs', ENVOY])
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, string>);
}

async function tunnel(authority: string, sni: string) {
  const reply = await connectThrough(proxy(), authority);
  if (reply.socket === undefined) return { status: reply.status, tls: undefined };
  return { status: reply.status, tls: await tlsInside(reply.socket, sni, ca) };
}

describe.skipIf(!enabled)(
  'conformance with the real Envoy image (skipped unless AGENT_PERIMETER_CONFORMANCE=1 and a Docker engine; runs in .github/workflows/conformance.yml)',
  () => {
    beforeAll(async () => {
      cleanUp(CONTAINERS, NETWORKS);
      dir = mkdtempSync(join(tmpdir(), 'ap-conformance-'));
      const pki = makeTestPki(join(dir, 'pki'), Object.keys(HOSTS));
      ca = pki.ca;
      const config = renderCheckedProxyConfig(policy, { caBundle: '/etc/agent-perimeter/ca.pem' });
      writeFileSync(join(dir, 'envoy.json'), JSON.stringify(config));
      writeFileSync(join(dir, 'launch.sh'), LAUNCHER_SCRIPT);
      docker(['network', 'create', '--subnet', PUBLIC.subnet, NETWORKS[0] as string]);
      docker([
        'network',
        'create',
        '--internal',
        '--subnet',
        INTERNAL.subnet,
        NETWORKS[1] as string,
      ]);

      docker([
        'create',
        '--name',
        UPSTREAM,
        '--network',
        NETWORKS[0] as string,
        '--ip',
        PUBLIC.upstream,
        '-v',
        `${import.meta.dirname}:/conformance:ro`,
        '-v',
        `${pki.dir}:/pki:ro`,
        'node:20-alpine',
        'node',
        '/conformance/upstream.mjs',
        '/pki',
        '443',
        '22',
        ...Object.keys(HOSTS),
      ]);
      docker(['network', 'connect', '--ip', INTERNAL.upstream, NETWORKS[1] as string, UPSTREAM]);
      docker(['start', UPSTREAM]);

      const args = launchArguments({
        config: { path: '/etc/agent-perimeter/envoy.json' },
        logLevel: policy.proxy.log_level,
        concurrency: 1,
        drainSeconds: policy.proxy.limits.drain_timeout_s,
        admin: true,
        credentials: { variables: ['AGENT_PERIMETER_SECRET_UPSTREAM_KEY'] },
      });
      docker([
        'create',
        '--name',
        ENVOY,
        '--network',
        NETWORKS[0] as string,
        '--ip',
        PUBLIC.envoy,
        '-p',
        '127.0.0.1::3128',
        '-p',
        '127.0.0.1::8081',
        '-p',
        '127.0.0.1::8099',
        '--init',
        '--read-only',
        '--tmpfs',
        '/tmp',
        '--cap-drop',
        'ALL',
        '--security-opt',
        'no-new-privileges',
        '--user',
        '101:101',
        ...Object.entries(HOSTS).flatMap(([name, ip]) => ['--add-host', `${name}:${ip}`]),
        '-e',
        `AGENT_PERIMETER_SECRET_UPSTREAM_KEY=${SECRET}`,
        '-v',
        `${join(dir, 'envoy.json')}:/etc/agent-perimeter/envoy.json:ro`,
        '-v',
        `${pki.ca}:/etc/agent-perimeter/ca.pem:ro`,
        '-v',
        `${join(dir, 'launch.sh')}:/etc/agent-perimeter/launch.sh:ro`,
        '--entrypoint',
        '/bin/bash',
        policy.proxy.image,
        '/etc/agent-perimeter/launch.sh',
        ...args,
      ]);
      docker(['network', 'connect', '--ip', INTERNAL.envoy, NETWORKS[1] as string, ENVOY]);
      docker(['start', ENVOY]);
      ports.forward = published(3128);
      ports.baseUrl = published(8081);
      ports.health = published(8099);
      await until(
        'Envoy to pass its health check',
        async () => (await get(ports.health, '/healthz')) === 200,
        90_000,
      );
    }, 300_000);

    afterAll(() => {
      if (process.env.CI !== undefined)
        process.stdout.write(docker(['logs', ENVOY]).slice(-20_000));
      cleanUp(CONTAINERS, NETWORKS);
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    });

    describe('tunnels carry TLS for the host they were opened to', () => {
      it('an allowed CONNECT with its own SNI reaches the upstream, which sees that SNI', async () => {
        const { status, tls } = await tunnel('allowed.test:443', 'allowed.test');
        expect(status).toBe(200);
        expect(tls?.kind).toBe('handshake');
        expect(tls?.kind === 'handshake' && tls.response).toContain('"sni":"allowed.test"');
      });

      it.each([
        ['another site served from the same address', 'other.test'],
        ['the right name in upper case', 'ALLOWED.TEST'],
        ['no name at all', ''],
      ])('closes a tunnel whose ClientHello names %s', async (_what, sni) => {
        const { status, tls } = await tunnel('allowed.test:443', sni);
        expect(status).toBe(200);
        expect(tls?.kind).toBe('closed');
      });

      it('closes a tunnel that does not carry TLS', async () => {
        const reply = await connectThrough(proxy(), 'allowed.test:443');
        expect(
          await rawInside(reply.socket as NonNullable<typeof reply.socket>, 'SSH-2.0-escape\r\n'),
        ).toBe('');
      });

      it('follows the SNI under a wildcard, and refuses two labels', async () => {
        expect((await tunnel('x.wild.test:443', 'y.wild.test')).tls?.kind).toBe('handshake');
        expect((await tunnel('x.wild.test:443', 'a.b.wild.test')).tls?.kind).toBe('closed');
      });

      it('passes opaque bytes for an entry with tls: false', async () => {
        const reply = await connectThrough(proxy(), 'ssh.test:22');
        expect(reply.status).toBe(200);
        expect(
          await rawInside(reply.socket as NonNullable<typeof reply.socket>, 'SSH-2.0-ok\r\n'),
        ).toBe('SSH-2.0-ok\r\n');
      });
    });

    describe('resolved addresses are checked before the proxy connects', () => {
      it.each([
        ['an internal address', 'private.test'],
        ['loopback (the admin interface)', 'loopback.test'],
        ['instance metadata', 'metadata.test'],
        ['a public address, for an internal entry', 'outside.test'],
      ])('closes a tunnel to a name that resolves to %s', async (_what, host) => {
        const { status, tls } = await tunnel(`${host}:443`, host);
        expect(status).toBe(200);
        expect(tls?.kind).toBe('closed');
      });

      it('lets an internal entry reach its own range', async () => {
        expect((await tunnel('internal.test:443', 'internal.test')).tls?.kind).toBe('handshake');
      });
    });

    describe('requests the proxy can read', () => {
      it.each([
        ['an unlisted host', 'evil.test:443', 'deny_not_allowlisted'],
        ['an IP literal', `${PUBLIC.upstream}:443`, 'deny_not_allowlisted'],
        ['another port', 'allowed.test:8443', 'deny_not_allowlisted'],
        ['upper case', 'Allowed.test:443', 'lower case'],
        ['a trailing dot', 'allowed.test.:443', 'lower case'],
        ['a host with credentials', 'api.upstream.test:443', 'base URL'],
      ])('refuses CONNECT to %s with a 403 naming the policy', async (_what, authority, words) => {
        const reply = await connectThrough(proxy(), authority);
        expect(reply.status).toBe(403);
        expect(reply.body).toContain('denied by policy "conformance"');
        if (!words.startsWith('deny_')) expect(reply.body).toContain(words);
      });

      it("injects the proxy's key, strips the agent's own credentials, and sends to the entry host", async () => {
        const { status, body } = await post('/v1/messages?beta=true', {
          host: 'attacker.test',
          'x-api-key': 'agents-own-key',
          authorization: 'Bearer agents-own-token',
          cookie: 'session=another-account',
          'x-forwarded-for': '203.0.113.9',
          'content-type': 'application/json',
        });
        expect(status).toBe(200);
        const seen = JSON.parse(body) as {
          sni: string;
          path: string;
          headers: Record<string, string>;
        };
        expect(seen.sni).toBe('api.upstream.test');
        expect(seen.path).toBe('/v1/messages?beta=true');
        expect(seen.headers['x-api-key']).toBe(SECRET);
        expect(seen.headers.host).toBe('api.upstream.test');
        for (const h of [
          'authorization',
          'cookie',
          'x-forwarded-for',
          'x-envoy-external-address',
          'via',
        ]) {
          expect(seen.headers[h], h).toBeUndefined();
        }
      });

      it('refuses a path the entry does not allow', async () => {
        const { status, body } = await post('/v1/messages/batches', {});
        expect(status).toBe(403);
        expect(body).toContain('allowed: POST /v1/messages');
      });
    });

    describe('logs an auditor can use', () => {
      it('records the SNI refusal, the address refusal and a tunnel while it is still open', async () => {
        await tunnel('allowed.test:443', 'other.test');
        await tunnel('private.test:443', 'private.test');
        const open = await connectThrough(proxy(), 'ssh.test:22');
        await until(
          'the established-tunnel log line',
          () =>
            logLines().some(
              (l) =>
                l.log_type === 'egress' &&
                l.event === 'DownstreamTunnelSuccessfullyEstablished' &&
                l.authority === 'ssh.test:22',
            ),
          15_000,
        );
        open.socket?.destroy();
        const lines = logLines();
        expect(
          lines.some(
            (l) =>
              l.log_type === 'tunnel' &&
              l.filter_chain === 'deny_sni_mismatch' &&
              l.sni === 'other.test',
          ),
        ).toBe(true);
        expect(
          lines.some(
            (l) =>
              l.log_type === 'egress' &&
              l.response_code_details === 'rbac_access_denied_matched_policy[deny_private_address]',
          ),
        ).toBe(true);
        // Never the credential.
        expect(docker(['logs', ENVOY])).not.toContain(SECRET);
      });
    });

    describe('limits and draining', () => {
      it('rate-limits one agent that floods the proxy', async () => {
        const replies = await Promise.all(
          Array.from({ length: 150 }, () =>
            connectThrough(proxy(), 'evil.test:443').catch(() => ({ status: 0 })),
          ),
        );
        expect(replies.filter((r) => r.status === 429).length).toBeGreaterThan(0);
      });

      it('on SIGTERM fails the health check at once, drains, then exits cleanly', async () => {
        await new Promise((r) => setTimeout(r, 1500)); // let the rate limiter refill
        docker(['kill', '--signal', 'TERM', ENVOY]);
        await until(
          'the health check to fail',
          async () => (await get(ports.health, '/healthz')) === 503,
          5000,
        );
        const code = docker(
          ['wait', ENVOY],
          (policy.proxy.limits.drain_timeout_s + 20) * 1000,
        ).trim();
        expect(code).toBe('0');
      }, 60_000);
    });
  },
);
