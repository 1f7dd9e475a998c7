import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentEnvironment } from '../../lib/agent-env.js';
import { probeCommand } from '../../lib/probe/bundle.js';
import type { ProbeReport } from '../../lib/probe/index.js';
import { makeTestPki } from '../conformance/certs.js';
import { namespaceProblem, type ProbeNamespace, TestNetwork } from '../helpers/netns.js';
import { validPolicy } from '../helpers/policy.js';
import {
  ALLOWED_HOST,
  CANARY_DOMAIN,
  DENIED_HOST,
  FAILING_INJECT_PORT,
  LEAKY_RESOLVER,
  METADATA_IP,
  POLICY_NAME,
  PROXY,
  PROXY_PORTS,
  PUBLIC4,
  PUBLIC6,
} from '../helpers/probe-world/addresses.js';

/*
 * The probe, run for real in network namespaces: a contained namespace whose only way out is
 * the test proxy, and leaky ones with exactly one planted path each. The probe must report
 * `blocked` for every check in the contained one and `escape` for exactly the planted path
 * in each leaky one. The probe runs as the same one-file bundle the cloud tasks embed.
 */

const problem = process.getuid?.() === 0 ? namespaceProblem() : 'not running as root';
const hasPing = spawnSync('ping', ['-V'], { stdio: 'ignore' }).status === 0;

const TARGETS = {
  allowed_host: `${ALLOWED_HOST}:443`,
  denied_host: `${DENIED_HOST}:443`,
  public_ipv4: [`${PUBLIC4}:443`, `${PUBLIC4}:80`, `${PUBLIC4}:22`],
  public_ipv6: [`[${PUBLIC6}]:443`],
  udp: [`${PUBLIC4}:53`, `${PUBLIC4}:123`, `${PUBLIC4}:443`],
  resolvers: [`${PUBLIC4}:53`],
  metadata: [`http://${METADATA_IP}/latest/meta-data/iam/security-credentials/`],
  denied_name: DENIED_HOST,
  canary_domain: CANARY_DOMAIN,
  // Blocked paths fail at once here (no route); the timeout only bounds a loaded machine.
  timeout_ms: 5000,
};

// Fake credentials, shaped like real ones so the probe's detectors see them.
const FAKE_ANTHROPIC_KEY = `sk-ant-api03-${'x'.repeat(24)}`;
const FAKE_KEY_ID = 'ASIAWORLDEXAMPLE1234';

interface Scenario {
  readonly name: string;
  /** The planted path, in words (the test name). */
  readonly planted: string;
  readonly ns: Parameters<TestNetwork['addProbeNamespace']>[0];
  readonly proxyPort?: number;
  readonly env?: Record<string, string>;
  readonly homeFiles?: Record<string, string>;
  /** `name target` of every check that must escape (or be broken). */
  readonly escapes: readonly string[];
  readonly broken?: readonly string[];
  readonly exit: number;
}

const via = (port: number) => ` via ${PROXY}:${port}`;
const icmp = (address: string) => (hasPing ? [`icmp ${address}`] : []);

const SCENARIOS: readonly Scenario[] = [
  {
    name: 'contained',
    planted: 'nothing: the only way out is the proxy',
    ns: {},
    escapes: [],
    exit: 0,
  },
  {
    name: 'ipv4-route',
    planted: 'a route to the internet (IPv4)',
    ns: { routes: ['192.0.2.0/24'] },
    escapes: [
      `direct-tcp-ipv4 ${PUBLIC4}:443`,
      `direct-tcp-ipv4 ${PUBLIC4}:80`,
      `direct-tcp-ipv4 ${PUBLIC4}:22`,
      `direct-udp ${PUBLIC4}:53`,
      `direct-udp ${PUBLIC4}:123`,
      `direct-udp ${PUBLIC4}:443`,
      `dns-resolver-udp ${PUBLIC4}:53`,
      `dns-resolver-tcp ${PUBLIC4}:53`,
      ...icmp(PUBLIC4),
    ],
    exit: 1,
  },
  {
    name: 'ipv6-route',
    planted: 'an IPv6 address and route',
    ns: { routes6: ['2001:db8:1::/48'] },
    escapes: [`direct-tcp-ipv6 [${PUBLIC6}]:443`, ...icmp(PUBLIC6)],
    exit: 1,
  },
  {
    name: 'open-resolver',
    planted: 'a resolver that answers names outside the allowlist',
    ns: { resolver: LEAKY_RESOLVER },
    escapes: [`dns-denied-name ${DENIED_HOST}`, 'dns-canary *'],
    exit: 1,
  },
  {
    name: 'metadata',
    planted: 'a metadata endpoint that hands out a credential',
    ns: { routes: [`${METADATA_IP}/32`] },
    escapes: [`metadata http://${METADATA_IP}/latest/meta-data/iam/security-credentials/`],
    exit: 1,
  },
  {
    name: 'key-in-env',
    planted: 'an API key in the environment',
    ns: {},
    env: { ANTHROPIC_API_KEY: FAKE_ANTHROPIC_KEY },
    escapes: ['credential-env environment'],
    exit: 1,
  },
  {
    name: 'key-in-file',
    planted: 'AWS credentials in the home directory',
    ns: {},
    homeFiles: {
      '.aws/credentials':
        '[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n',
    },
    escapes: ['credential-files *'],
    exit: 1,
  },
  {
    name: 'no-sni-check',
    planted: 'a proxy that does not check the SNI inside allowed tunnels',
    ns: {},
    proxyPort: PROXY_PORTS.noSniCheck,
    escapes: ['proxy-sni-mismatch *', 'proxy-no-tls *'],
    exit: 1,
  },
  {
    name: 'open-proxy',
    planted: 'a proxy that accepts every CONNECT',
    ns: {},
    proxyPort: PROXY_PORTS.open,
    escapes: [
      `proxy-denied-host ${DENIED_HOST}:443${via(PROXY_PORTS.open)}`,
      `proxy-other-port ${ALLOWED_HOST}:22${via(PROXY_PORTS.open)}`,
      `proxy-ip-literal ${PUBLIC4}:443${via(PROXY_PORTS.open)}`,
      `proxy-ip-literal [${PUBLIC6}]:443${via(PROXY_PORTS.open)}`,
    ],
    exit: 1,
  },
  {
    name: 'proxy-down',
    planted: 'nothing, but the proxy is down and a base-URL listener fails',
    ns: {},
    proxyPort: PROXY_PORTS.down,
    env: { ANTHROPIC_BASE_URL: `http://${PROXY}:${FAILING_INJECT_PORT}` },
    escapes: [],
    broken: [
      'proxy-allowed-connect *',
      'proxy-denied-host *',
      'proxy-other-port *',
      'proxy-ip-literal *',
      'proxy-ip-literal *',
      'proxy-sni-mismatch *',
      'proxy-no-tls *',
      'base-url *',
    ],
    exit: 3,
  },
];

/** Runs `fn` over `items`, at most `size` at once. */
async function inBatches<T>(
  items: readonly T[],
  size: number,
  fn: (item: T, i: number) => Promise<void>,
) {
  for (let start = 0; start < items.length; start += size)
    await Promise.all(items.slice(start, start + size).map((item, j) => fn(item, start + j)));
}

function matches(pattern: string, key: string): boolean {
  return pattern.endsWith(' *') ? key.startsWith(pattern.slice(0, -1)) : pattern === key;
}

/** The checks with `outcome`, as `name target`, each matched to one pattern. */
function unmatched(report: ProbeReport, outcome: string, patterns: readonly string[]) {
  const keys = report.checks
    .filter((c) => c.outcome === outcome)
    .map((c) => `${c.name} ${c.target}`);
  const left = [...patterns];
  const extra: string[] = [];
  for (const key of keys) {
    const i = left.findIndex((p) => matches(p, key));
    if (i >= 0) left.splice(i, 1);
    else extra.push(key);
  }
  return { missing: left, extra };
}

describe.skipIf(problem !== undefined)(
  `egress probe in network namespaces${problem === undefined ? '' : ` (skipped: ${problem})`}`,
  () => {
    const net = new TestNetwork();
    const dir = mkdtempSync(join(tmpdir(), 'agent-perimeter-probe-'));
    const reports = new Map<
      string,
      { report: ProbeReport; code: number; ms: number; ns: ProbeNamespace }
    >();
    let suiteMs = 0;

    beforeAll(async () => {
      const t0 = performance.now();
      const { ca, leaves } = makeTestPki(dir, [ALLOWED_HOST, DENIED_HOST]);
      const config = join(dir, 'world.json');
      writeFileSync(
        config,
        JSON.stringify({
          caCert: ca,
          allowedCert: leaves[ALLOWED_HOST]?.cert,
          allowedKey: leaves[ALLOWED_HOST]?.key,
          deniedCert: leaves[DENIED_HOST]?.cert,
          deniedKey: leaves[DENIED_HOST]?.key,
          injectedKey: 'world-injected-key',
          metadataKeyId: FAKE_KEY_ID,
        }),
      );
      writeFileSync(join(dir, 'targets.json'), JSON.stringify(TARGETS));
      const policy = validPolicy(
        `name: ${POLICY_NAME}\negress:\n  - host: api.anthropic.com\n    inject: { header: x-api-key, secret: anthropic-api-key }\n  - host: registry.npmjs.org\n`,
      );
      net.createWorld();
      await net.startWorld(config);
      // All namespaces first (synchronous `ip` calls), then every probe at once.
      const namespaces = SCENARIOS.map((s) => net.addProbeNamespace(s.ns));
      // Four probes at a time: the world answers every TLS handshake on a shared machine.
      await inBatches(SCENARIOS, 4, async (s, i) => {
        const ns = namespaces[i] as ProbeNamespace;
        const home = join(dir, `home-${s.name}`);
        mkdirSync(home, { recursive: true });
        for (const [file, text] of Object.entries(s.homeFiles ?? {})) {
          mkdirSync(join(home, file, '..'), { recursive: true });
          writeFileSync(join(home, file), text);
        }
        const port = s.proxyPort ?? PROXY_PORTS.strict;
        const env = {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: home,
          NODE_EXTRA_CA_CERTS: ca,
          // What agents get, pointed at the test proxy (the base-URL listener on 8081).
          ...agentEnvironment(policy, PROXY),
          ...s.env,
        };
        const result = await net.run(
          ns,
          // The container command, with this Node for `node`.
          [
            process.execPath,
            ...probeCommand([
              '--proxy',
              `${PROXY}:${port}`,
              '--targets',
              join(dir, 'targets.json'),
              '--json',
            ]).slice(1),
          ],
          { env, cwd: home, timeoutMs: 30_000 },
        );
        let report: ProbeReport;
        try {
          report = JSON.parse(result.stdout) as ProbeReport;
        } catch {
          throw new Error(
            `${s.name}: no report (exit ${result.code}): ${result.stderr}${result.stdout}`,
          );
        }
        reports.set(s.name, { report, code: result.code, ms: result.ms, ns });
      });
      suiteMs = Math.round(performance.now() - t0);
    }, 120_000);

    afterAll(() => {
      net.cleanup();
      rmSync(dir, { recursive: true, force: true });
      const times = [...reports].map(([name, r]) => `${name} ${r.ms}/${r.report.duration_ms}`);
      process.stdout.write(
        `probe namespace suite: ${suiteMs} ms; per scenario, process/battery ms: ${times.join(', ')}\n`,
      );
    });

    for (const s of SCENARIOS) {
      it(`${s.name}: ${s.planted} -> ${s.escapes.length === 0 ? 'every check blocked' : `escape for exactly ${s.escapes.length} check(s)`}${s.broken === undefined ? '' : `, ${s.broken.length} broken`}`, () => {
        const run = reports.get(s.name);
        if (run === undefined) throw new Error(`${s.name} did not run`);
        const { report, code } = run;
        expect(unmatched(report, 'escape', s.escapes)).toEqual({ missing: [], extra: [] });
        expect(unmatched(report, 'broken', s.broken ?? [])).toEqual({ missing: [], extra: [] });
        expect(code).toBe(s.exit);
        expect(report.exit_code).toBe(s.exit);
        // Every check of the battery ran (ICMP is skipped only where ping cannot run).
        const names = new Set(report.checks.map((c) => c.name));
        for (const name of [
          'proxy-allowed-connect',
          'proxy-denied-host',
          'proxy-other-port',
          'proxy-ip-literal',
          'proxy-sni-mismatch',
          'proxy-no-tls',
          'base-url',
          'direct-tcp-ipv4',
          'direct-tcp-ipv6',
          'direct-udp',
          'dns-resolver-udp',
          'dns-resolver-tcp',
          'dns-denied-name',
          'dns-canary',
          'metadata',
          'credential-env',
          'credential-files',
          ...(hasPing ? ['icmp'] : []),
        ])
          expect(names, name).toContain(name);
        expect(report.skipped.map((x) => x.name)).toEqual(hasPing ? [] : ['icmp', 'icmp']);
      });
    }

    it('the contained run proves the allowed paths for real: a verified TLS handshake, the injecting listener', () => {
      const report = reports.get('contained')?.report;
      const check = (name: string) => report?.checks.find((c) => c.name === name);
      expect(check('proxy-allowed-connect')?.detail).toMatch(
        /handshake completed with a trusted certificate for allowed\.test/,
      );
      expect(check('base-url')?.detail).toMatch(/upstream answered 200/);
      expect(check('proxy-denied-host')?.detail).toContain(
        `agent-perimeter: denied by policy "${POLICY_NAME}"`,
      );
      expect(check('proxy-sni-mismatch')?.detail).toMatch(
        /closed the tunnel after the ClientHello/,
      );
    });

    it('the canary nonce reaches the leaky resolver, and only from the open-resolver run', () => {
      const canary = (name: string) =>
        reports.get(name)?.report.checks.find((c) => c.name === 'dns-canary')?.target ?? '?';
      const seen = net.output();
      expect(seen).toContain(`"dnsQuery":"${canary('open-resolver')}"`);
      for (const s of SCENARIOS.filter((x) => x.name !== 'open-resolver'))
        expect(seen).not.toContain(canary(s.name));
    });

    it('never echoes a credential value into the report', () => {
      const text = JSON.stringify([...reports.values()].map((r) => r.report));
      expect(text).not.toContain(FAKE_ANTHROPIC_KEY);
      expect(text).not.toContain(FAKE_KEY_ID);
      expect(text).not.toContain('wJalrXUtnFEMI');
    });

    it('the same battery through the CLI command, in --jsonl form, in the contained namespace', async () => {
      const ns = reports.get('contained')?.ns as ProbeNamespace;
      const result = await net.run(
        ns,
        [
          process.execPath,
          resolve('bin/agent-perimeter.js'),
          'probe',
          '--proxy',
          `${PROXY}:${PROXY_PORTS.strict}`,
          '--targets',
          join(dir, 'targets.json'),
          '--jsonl',
        ],
        {
          env: {
            PATH: process.env.PATH ?? '',
            HOME: join(dir, 'home-contained'),
            NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem'),
          },
          cwd: resolve('.'),
          timeoutMs: 30_000,
        },
      );
      const lines = result.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines.filter((l) => l.type === 'check' && l.outcome !== 'blocked')).toEqual([]);
      expect(lines.at(-1)).toMatchObject({ type: 'summary', result: 'blocked', exit_code: 0 });
      // No *_BASE_URL in this environment: the base-URL check says why it did not run.
      expect(lines.find((l) => l.type === 'skipped' && l.name === 'base-url')).toBeDefined();
      expect(result.code).toBe(0);
    });
  },
);
