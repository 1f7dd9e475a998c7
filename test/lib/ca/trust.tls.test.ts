import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trustEnvironment } from '../../../lib/agent-env.js';
import { trustBundle } from '../../../lib/ca/trust.js';
import { parsePolicy } from '../../../lib/policy/index.js';
import { AGENT_TRUST_FILES } from '../../../lib/proxy-contract.js';
import { GITHUB_INTERCEPT_ENTRY } from '../../helpers/policy.js';
import { httpsServer, makePki, run, runAsync, type TestServer } from '../../helpers/tls.js';

/*
 * The agent's side of interception, with real clients: a local HTTPS server presents the leaf
 * `ca issue` made for github.com (what the proxy presents after terminating a tunnel), and
 * curl, git (smart HTTP through `git http-backend`) and Node's fetch trust it with the
 * environment `agentEnvironment()` gives agents, and refuse it without. The trust directory
 * is relocated from its mount point to a temporary one; nothing else changes.
 */

const root = mkdtempSync(join(tmpdir(), 'intercept-tls-'));
const POLICY = `name: gh
egress:
${GITHUB_INTERCEPT_ENTRY}`;

let server: TestServer;
let trustDir: string;
const base = () => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: join(root, 'home') });
/** The agent's environment: the trust variables, pointing at the relocated directory. */
const trusted = () => ({ ...base(), ...trustEnvironment(parsePolicy(POLICY), trustDir) });
const url = (path: string) => `https://github.com:${server.port}${path}`;
const resolveArgs = () => ['--resolve', `github.com:${server.port}:127.0.0.1`];
const git = (args: string[], env: NodeJS.ProcessEnv, cwd = root) =>
  runAsync('git', ['-c', `http.curloptResolve=github.com:${server.port}:127.0.0.1`, ...args], {
    env,
    cwd,
  });

beforeAll(async () => {
  const pki = await makePki(join(root, 'pki'), POLICY);
  trustDir = join(root, 'trust');
  mkdirSync(trustDir);
  mkdirSync(join(root, 'home'));
  const ca = readFileSync(join(pki.ca, 'ca.crt'), 'utf8');
  writeFileSync(join(trustDir, AGENT_TRUST_FILES.ca), ca);
  writeFileSync(join(trustDir, AGENT_TRUST_FILES.bundle), trustBundle(ca));
  // A bare repository acme/widgets.git with one commit, served by git http-backend.
  const repos = join(root, 'repos');
  const work = join(root, 'seed');
  mkdirSync(join(repos, 'acme'), { recursive: true });
  run('git', ['init', '-q', '--bare', join(repos, 'acme', 'widgets.git')]);
  run('git', ['-C', join(repos, 'acme', 'widgets.git'), 'config', 'http.receivepack', 'true']);
  run('git', ['init', '-q', '-b', 'main', work]);
  writeFileSync(join(work, 'README'), 'widgets\n');
  const id = ['-c', 'user.name=t', '-c', 'user.email=t@example.com'];
  run('git', ['-C', work, 'add', 'README']);
  run('git', ['-C', work, ...id, 'commit', '-q', '-m', 'first']);
  run('git', ['-C', work, 'push', '-q', join(repos, 'acme', 'widgets.git'), 'main']);
  server = await httpsServer(
    readFileSync(join(pki.leaves, 'github.com.crt'), 'utf8'),
    readFileSync(join(pki.leaves, 'github.com.key'), 'utf8'),
    repos,
  );
});
afterAll(async () => {
  await server?.close();
  rmSync(root, { recursive: true, force: true });
});

describe("agents trust the proxy's leaf with the generated environment, and only with it", () => {
  it('gives the bundle to the clients that replace their store, and the CA alone to Node', () => {
    const env = trustEnvironment(parsePolicy(POLICY));
    for (const name of [
      'SSL_CERT_FILE',
      'REQUESTS_CA_BUNDLE',
      'CURL_CA_BUNDLE',
      'GIT_SSL_CAINFO',
      'PIP_CERT',
      'AWS_CA_BUNDLE',
      'CARGO_HTTP_CAINFO',
    ]) {
      expect(env[name]).toBe('/etc/agent-perimeter/trust/bundle.crt');
    }
    expect(env.NODE_EXTRA_CA_CERTS).toBe('/etc/agent-perimeter/trust/ca.crt');
    expect(trustEnvironment(parsePolicy('name: p\negress:\n  - host: github.com\n'))).toEqual({});
  });

  it('curl', async () => {
    const ok = await runAsync(
      'curl',
      ['-sS', ...resolveArgs(), url('/acme/widgets.git/info/refs?service=git-upload-pack')],
      { env: trusted() },
    );
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toContain('# service=git-upload-pack');
    const refused = await runAsync('curl', ['-sS', ...resolveArgs(), url('/')], { env: base() });
    expect(refused.code).toBe(60); // CURLE_PEER_FAILED_VERIFICATION
  });

  it('git ls-remote, clone and push over smart HTTP', async () => {
    const ls = await git(['ls-remote', url('/acme/widgets.git')], trusted());
    expect(ls.stderr).toBe('');
    expect(ls.stdout).toMatch(/^[0-9a-f]{40}\trefs\/heads\/main$/m);
    const refused = await git(['ls-remote', url('/acme/widgets.git')], base());
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/certificate|SSL/i);

    const clone = join(root, 'clone');
    expect((await git(['clone', '-q', url('/acme/widgets.git'), clone], trusted())).code).toBe(0);
    writeFileSync(join(clone, 'CHANGE'), 'x\n');
    run('git', ['-C', clone, 'add', 'CHANGE']);
    run('git', [
      '-C',
      clone,
      '-c',
      'user.name=t',
      '-c',
      'user.email=t@example.com',
      'commit',
      '-q',
      '-m',
      'change',
    ]);
    const push = await git(
      ['-C', clone, 'push', '-q', 'origin', 'HEAD:refs/heads/agent'],
      trusted(),
    );
    expect(push.stderr).toBe('');
    expect(push.code).toBe(0);
    expect((await git(['ls-remote', url('/acme/widgets.git')], trusted())).stdout).toContain(
      'refs/heads/agent',
    );
    expect(
      server.seen.some(
        (r) => r.method === 'POST' && r.path === '/acme/widgets.git/git-receive-pack',
      ),
    ).toBe(true);
  });

  it("Node's fetch", async () => {
    // Node has no --resolve: a preload points github.com at the local server.
    const preload = join(root, 'resolve.mjs');
    writeFileSync(
      preload,
      `import dns from 'node:dns';
const lookup = dns.lookup;
dns.lookup = (host, options, callback) => {
  if (typeof options === 'function') { callback = options; options = {}; }
  if (host !== 'github.com') return lookup(host, options, callback);
  return options.all ? callback(null, [{ address: '127.0.0.1', family: 4 }]) : callback(null, '127.0.0.1', 4);
};
`,
    );
    const script = `fetch(${JSON.stringify(url('/acme/widgets.git/info/refs?service=git-upload-pack'))}).then(async (r) => console.log(r.status, (await r.text()).slice(0, 30)), (e) => { console.log('refused', e.cause?.code); })`;
    const ok = await runAsync(process.execPath, ['--import', preload, '-e', script], {
      env: trusted(),
    });
    expect(ok.stdout).toContain('200');
    const refused = await runAsync(process.execPath, ['--import', preload, '-e', script], {
      env: base(),
    });
    expect(refused.stdout).toContain('refused UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });
});
