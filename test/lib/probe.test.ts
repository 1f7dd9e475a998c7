import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { PLACEHOLDER_API_KEY } from '../../lib/agent-env.js';
import { loadPolicy } from '../../lib/policy/index.js';
import { MAX_PROBE_BUNDLE_BYTES, probeBundle, probeCommand } from '../../lib/probe/bundle.js';
import { credentialIn, credentialVariables } from '../../lib/probe/checks/credentials.js';
import { metadataCredential } from '../../lib/probe/checks/metadata.js';
import {
  buildReport,
  type CheckResult,
  DEFAULT_TARGETS,
  defaultTargets,
  formatReport,
  POLICY_REFUSAL_PREFIX,
  parseTargets,
  probeMain,
  reportLines,
  TARGET_KEYS,
  TARGETS_ENV,
} from '../../lib/probe/index.js';
import { renderProxyConfig } from '../../proxy/index.js';
import { runCli, tempFiles } from '../helpers/cli.js';

/*
 * The probe's input, report and detectors, without a network: every test here stops before a
 * packet is sent (bad input fails first), so nothing reaches an address outside this process.
 * The probe running for real is test/lib/probe.netns.test.ts.
 */

async function probe(argv: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t) };
  const code = await probeMain(argv, io, env);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const check = (name: string, outcome: CheckResult['outcome']): CheckResult => ({
  name,
  target: 't',
  outcome,
  detail: 'd',
  duration_ms: 1,
});

describe('probe targets', () => {
  it('the defaults are valid and cover every key the issue names', () => {
    const t = defaultTargets();
    expect(t.allowed_host).toEqual({
      host: 'registry.npmjs.org',
      port: 443,
      text: 'registry.npmjs.org:443',
    });
    expect(t.public_ipv4.map((e) => e.port)).toEqual([443, 80, 443, 22]);
    expect(t.udp.map((e) => e.port)).toEqual([53, 123, 443]);
    expect(t.public_ipv6.every((e) => e.family === 6)).toBe(true);
    expect(Object.keys(TARGET_KEYS)).toEqual(
      expect.arrayContaining([
        'allowed_host',
        'denied_host',
        'public_ipv4',
        'public_ipv6',
        'udp',
        'resolvers',
        'metadata',
        'denied_name',
        'canary_domain',
      ]),
    );
    expect(Object.keys(DEFAULT_TARGETS).every((k) => k in TARGET_KEYS)).toBe(true);
  });

  it('overrides keys and keeps the defaults for the rest', () => {
    const t = parseTargets(
      '{"canary_domain": "canary.example.com.", "allowed_host": "github.com"}',
      't.json',
    );
    expect(t.canary_domain).toBe('canary.example.com');
    expect(t.allowed_host?.text).toBe('github.com:443');
    expect(t.denied_name).toBe('example.com');
  });

  it('reports every problem at once, with path, value and fix', () => {
    let message = '';
    try {
      parseTargets(
        JSON.stringify({
          alowed_host: 'x.example.com',
          public_ipv4: ['1.1.1.1', '[2606:4700:4700::1111]:443', '1.1.1.1:443'],
          public_ipv6: ['2606:4700:4700::1111:443'],
          udp: 'not a list',
          metadata: ['https://169.254.169.254/'],
          denied_name: '10.0.0.1',
          timeout_ms: 5,
        }),
        'targets.json',
      );
    } catch (error) {
      message = (error as Error).message;
      expect((error as { exitCode: number }).exitCode).toBe(2);
    }
    expect(message).toContain('targets.json: invalid probe targets (8 problems)');
    expect(message).toContain(
      'alowed_host: "x.example.com": unknown key. Did you mean "allowed_host"?',
    );
    expect(message).toContain(
      'public_ipv4[0]: "1.1.1.1" is not ADDRESS:PORT with an IP address. Add the port. Fix: e.g. "1.1.1.1:443".',
    );
    expect(message).toContain(
      'public_ipv4[1]: "[2606:4700:4700::1111]:443" is IPv6, this list takes IPv4.',
    );
    expect(message).toContain('public_ipv6[0]: "2606:4700:4700::1111:443" is not ADDRESS:PORT');
    expect(message).toContain('udp: "not a list" must be a list of strings.');
    expect(message).toContain('metadata[0]: "https://169.254.169.254/" uses https:');
    expect(message).toContain('denied_name: "10.0.0.1" is an IP literal.');
    expect(message).toContain('timeout_ms: 5 is not a whole number of milliseconds');
    expect(message).not.toContain('public_ipv4[2]');
  });

  it('rejects text that is not a JSON object', () => {
    expect(() => parseTargets('{', 'x.json')).toThrow(
      /x\.json: not JSON .*Fix: write a JSON object/,
    );
    expect(() => parseTargets('[]', 'x.json')).toThrow(/must be a JSON object/);
  });
});

describe('agent-perimeter probe: bad input exits 2 before any packet is sent', () => {
  it('an unknown key in the targets file', async () => {
    const dir = tempFiles({ 't.json': '{"canary_domian": "c.example.com"}' });
    const r = await runCli('probe', '--proxy', 'proxy.internal:3128', '--targets', `${dir}/t.json`);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'canary_domian: "c.example.com": unknown key. Did you mean "canary_domain"? Fix: use only allowed_host,',
    );
    expect(r.stdout).toBe('');
  });

  it('a missing targets file, a bad --proxy, no proxy at all, two output formats', async () => {
    expect((await probe(['--proxy', 'p:3128', '--targets', '/nonexistent/t.json'])).err).toMatch(
      /--targets \/nonexistent\/t\.json: no such file\. Fix:/,
    );
    const bad = await probe(['--proxy', 'proxy.internal']);
    expect(bad).toMatchObject({ code: 2 });
    expect(bad.err).toContain(
      '--proxy "proxy.internal" is not HOST:PORT. Fix: e.g. --proxy proxy.internal:3128',
    );
    const none = await probe([]);
    expect(none.code).toBe(2);
    expect(none.err).toContain('no proxy given. Fix: pass --proxy HOST:PORT');
    const both = await probe(['--proxy', 'p:1', '--json', '--jsonl']);
    expect(both.err).toContain('--json and --jsonl both given');
    expect((await probe(['--proxy', 'p:1', '--bogus'])).err).toContain("Unknown option '--bogus'");
  });

  it('bad targets in the environment variable name it', async () => {
    const r = await probe(['--proxy', 'p:1'], { [TARGETS_ENV]: '{"udp": ["1.1.1.1:99999"]}' });
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${TARGETS_ENV}: udp[0]: "1.1.1.1:99999" has a port outside 1-65535.`);
  });

  it('is listed in the CLI help and has its own', async () => {
    expect((await runCli('--help')).stdout).toMatch(/\n {2}probe +From inside the agent tier/);
    const help = await runCli('probe', '--help');
    expect(help.stdout).toContain(
      'Usage: agent-perimeter probe --proxy HOST:PORT [--targets FILE] [--json | --jsonl]',
    );
    expect(help.stdout).toContain('Exit 0 all blocked, 1 any escape, 3 broken only, 2 bad input.');
  });
});

describe('probe report', () => {
  it('exit 0 all blocked, 1 any escape, 3 broken only', () => {
    const at = new Date(0);
    expect(buildReport('p:1', at, 1, [check('a', 'blocked')], []).exit_code).toBe(0);
    expect(
      buildReport('p:1', at, 1, [check('a', 'broken'), check('b', 'escape')], []).exit_code,
    ).toBe(1);
    expect(
      buildReport('p:1', at, 1, [check('a', 'broken'), check('b', 'blocked')], []),
    ).toMatchObject({
      result: 'broken',
      exit_code: 3,
      counts: { blocked: 1, escape: 0, broken: 1 },
    });
  });

  it('lists escapes first in the summary and one JSON object per line for log pipelines', () => {
    const report = buildReport(
      'p:1',
      new Date(0),
      1234,
      [check('direct-udp', 'blocked'), check('metadata', 'escape')],
      [{ name: 'icmp', target: '1.1.1.1', reason: 'no ping program in this image' }],
    );
    const text = formatReport(report);
    expect(text.split('\n')[0]).toBe(
      'agent-perimeter probe via p:1: ESCAPE: 1 way(s) out worked (2 checks, 1.2s)',
    );
    expect(text.split('\n')[1]).toMatch(/^ {2}ESCAPE metadata/);
    expect(text).toContain('skipped icmp');
    const lines = reportLines(report).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.type)).toEqual(['check', 'check', 'skipped', 'summary']);
    expect(lines[1]).toMatchObject({
      probe: 'agent-perimeter-probe',
      name: 'metadata',
      outcome: 'escape',
    });
    expect(lines[3]).toMatchObject({ result: 'escape', exit_code: 1, counts: { escape: 1 } });
    expect(Object.keys(report.checks[0] ?? {})).toEqual(
      expect.arrayContaining(['name', 'target', 'outcome', 'detail']),
    );
  });
});

describe('credential detectors', () => {
  it('finds credentials in the environment by name, format and randomness under secret-ish names', () => {
    const found = credentialVariables({
      ANTHROPIC_API_KEY: PLACEHOLDER_API_KEY,
      ECS_CONTAINER_METADATA_URI_V4:
        'http://169.254.170.2/v4/0123456789abcdef0123456789abcdef-1234567890',
      HOSTNAME: 'ip-10-64-3-17.ec2.internal',
      AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/abc',
      GITHUB_TOKEN: 'ghp_0123456789abcdefghijABCDEFGHIJ012345',
      MY_SERVICE_SECRET: 'Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZg',
      NOTES: `pasted sk-ant-api03-${'x'.repeat(24)}`,
    });
    expect(found).toEqual([
      'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (a credential variable)',
      'GITHUB_TOKEN (a GitHub token)',
      'MY_SERVICE_SECRET (a high-entropy string (a key or token))',
    ]);
  });

  it('finds credentials in files without reporting their values', () => {
    expect(
      credentialIn('[default]\naws_access_key_id = AKIA...\naws_secret_access_key = abc\n'),
    ).toBe('aws_secret_access_key');
    expect(credentialIn('//registry.npmjs.org/:_authToken=npm_abc')).toBe('_authToken');
    expect(credentialIn('https://user:s3cr3t@github.com\n')).toBe('credentials in a URL');
    expect(credentialIn('-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n')).toBe('a private key');
    expect(credentialIn('OPENAI_API_KEY=sk-proj0123456789abcdefghijkl\n')).toBe('an API key');
    expect(credentialIn('LOG_LEVEL=debug\nPORT=8080\n')).toBeUndefined();
  });

  it('finds credentials in metadata answers, not in ordinary pages', () => {
    expect(metadataCredential('{"AccessKeyId": "ASIA...", "SecretAccessKey": "x"}')).toBe(
      'a AccessKeyId field',
    );
    expect(metadataCredential('{"access_token":"ya29.a0","expires_in":3599}')).toBe(
      'a access_token field',
    );
    expect(
      metadataCredential('<html>404 Not Found, request 7f3a9c2e1b4d8f6a0e5c3b9d7f1a2e4c</html>'),
    ).toBeUndefined();
  });
});

describe('probe bundle (the container program)', () => {
  it('is one module importing only Node built-ins, small enough for a task definition', () => {
    const bundle = probeBundle();
    expect(Buffer.byteLength(bundle)).toBeLessThan(MAX_PROBE_BUNDLE_BYTES);
    const specifiers = [...bundle.matchAll(/\bfrom\s*["']([^"']+)["']/g)].map((m) => m[1]);
    expect(specifiers.length).toBeGreaterThan(5);
    expect(specifiers.filter((s) => !s?.startsWith('node:'))).toEqual([]);
    expect(probeBundle()).toBe(bundle);
    expect(probeCommand(['--jsonl']).slice(0, 3)).toEqual([
      'node',
      '--input-type=module',
      '--eval',
    ]);
  });

  it('runs under plain node: --help exits 0, bad targets exit 2', () => {
    const [, ...args] = probeCommand(['--help']);
    const help = spawnSync(process.execPath, args, { encoding: 'utf8', env: {} });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: agent-perimeter probe');
    const [, ...bad] = probeCommand(['--proxy', 'p:1']);
    const r = spawnSync(process.execPath, bad, {
      encoding: 'utf8',
      env: { [TARGETS_ENV]: '{"nope": 1}' },
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('nope: 1: unknown key.');
  });
});

describe('probe and proxy agree', () => {
  it("the probe recognizes the proxy's refusal body", () => {
    const text = JSON.stringify(renderProxyConfig(loadPolicy()));
    const bodies = [...text.matchAll(/"inline_string":"([^"]*)"/g)].map((m) => m[1] ?? '');
    const refusals = bodies.filter((b) => b.includes('denied'));
    expect(refusals.length).toBeGreaterThan(0);
    for (const body of refusals) expect(body.startsWith(POLICY_REFUSAL_PREFIX)).toBe(true);
  });
});
