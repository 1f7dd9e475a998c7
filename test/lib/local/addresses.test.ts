import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { JsonObject } from '../../../lib/json.js';
import {
  DEFAULT_ADDRESS_POOL,
  LocalComposeError,
  localListenerAddresses,
  profileNetworks,
} from '../../../lib/local/index.js';
import { loadPolicy, type Policy, policyProfiles, proxyPorts } from '../../../lib/policy/index.js';
import {
  HEALTH_LISTENER,
  renderCheckedProxyConfig,
  validateEnvoyConfig,
} from '../../../proxy/index.js';
import { runCli } from '../../helpers/cli.js';
import { validPolicy } from '../../helpers/policy.js';

/*
 * The local twin's per-profile binding: each profile network has a fixed subnet, the proxy a
 * fixed address on it, and Envoy binds that profile's listeners to that address alone. The
 * files are the ones `agent-perimeter local` writes; the listener check follows Envoy's rule
 * for which listener takes a connection (its address and port, or a wildcard address on the
 * port), so a connection on profile A's address to profile B's port must find none.
 */

/** Two profiles (reviewer, coder): the policy most address-plan cases write. */
const TWO_AGENTS = 'examples/two-agents.yaml';

interface ComposeNetwork {
  readonly internal?: boolean;
  readonly ipam?: { config: { subnet: string; ip_range: string; gateway: string }[] };
}
interface Compose {
  readonly services: Record<string, { networks: unknown }>;
  readonly networks: Record<string, ComposeNetwork>;
}

async function writeLocal(...argv: string[]): Promise<{ compose: Compose; envoy: JsonObject }> {
  const out = mkdtempSync(join(tmpdir(), 'ap-local-addr-'));
  const result = await runCli('local', ...argv, '--out', out);
  expect(result.code, result.stderr).toBe(0);
  return {
    compose: parse(readFileSync(join(out, 'docker-compose.yaml'), 'utf8')) as Compose,
    envoy: parse(readFileSync(join(out, 'envoy.yaml'), 'utf8')) as JsonObject,
  };
}

const listenersOf = (config: JsonObject) =>
  (config.static_resources as { listeners: JsonObject[] }).listeners;

/** Every socket address a listener binds: `address` and `additional_addresses` (none for internal ones). */
function boundAddresses(listener: JsonObject): { address: string; port: number }[] {
  const socket = (a: unknown) =>
    (a as { socket_address?: { address: string; port_value: number } } | undefined)?.socket_address;
  const all = [
    socket(listener.address),
    ...((listener.additional_addresses as { address: unknown }[] | undefined) ?? []).map((a) =>
      socket(a.address),
    ),
  ];
  return all.flatMap((s) => (s === undefined ? [] : [{ address: s.address, port: s.port_value }]));
}

/**
 * The listener Envoy hands a TCP connection to `ip:port`: the one bound to exactly that
 * address, else one bound to the wildcard on that port, else none (the kernel refuses it).
 */
function listenerFor(config: JsonObject, ip: string, port: number): string | undefined {
  const bound = listenersOf(config).flatMap((l) =>
    boundAddresses(l).map((a) => ({ ...a, name: String(l.name) })),
  );
  const onPort = bound.filter((b) => b.port === port);
  return (onPort.find((b) => b.address === ip) ?? onPort.find((b) => b.address === '0.0.0.0'))
    ?.name;
}

/** The proxy's address on each profile network, read from the compose file. */
function proxyAddresses(compose: Compose): Record<string, string> {
  const networks = compose.services.proxy?.networks as Record<string, { ipv4_address?: string }>;
  const out: Record<string, string> = {};
  for (const [network, settings] of Object.entries(networks)) {
    if (settings.ipv4_address !== undefined) {
      out[network.replace(/-perimeter$/, '')] = settings.ipv4_address;
    }
  }
  return out;
}

const ipNumber = (ip: string) => ip.split('.').reduce((a, o) => a * 256 + Number(o), 0);
function inCidr(ip: string, cidr: string): boolean {
  const [base = '', prefix = '32'] = cidr.split('/');
  const span = 2 ** (32 - Number(prefix));
  return Math.floor(ipNumber(ip) / span) === Math.floor(ipNumber(base) / span);
}

const CASES = [
  { name: TWO_AGENTS, argv: ['--policy', TWO_AGENTS] },
  { name: 'the default policy', argv: [] },
] as const;

describe.each(CASES)('agent-perimeter local, $name', ({ name, argv }) => {
  const policy = name === 'the default policy' ? loadPolicy() : loadPolicy(name);
  const written = writeLocal(...argv);

  it('gives each profile network a fixed /24 and the proxy a fixed address outside the agents’ range', async () => {
    const { compose } = await written;
    const addresses = proxyAddresses(compose);
    expect(Object.keys(addresses)).toEqual(policy.agents.map((a) => a.name));
    const subnets = new Set<string>();
    policy.agents.forEach((agent, i) => {
      const network = compose.networks[`${agent.name}-perimeter`];
      expect(network?.internal).toBe(true);
      const [config] = network?.ipam?.config ?? [];
      expect(config).toEqual({
        subnet: `10.213.${i}.0/24`,
        ip_range: `10.213.${i}.128/25`,
        gateway: `10.213.${i}.1`,
      });
      const proxy = addresses[agent.name] as string;
      expect(inCidr(proxy, config?.subnet ?? '')).toBe(true);
      expect(inCidr(proxy, config?.ip_range ?? '')).toBe(false);
      expect(proxy).not.toBe(config?.gateway);
      subnets.add(config?.subnet ?? '');
    });
    expect(subnets.size).toBe(policy.agents.length);
    expect(compose.networks.egress?.ipam).toBeUndefined();
  });

  it('binds each profile’s agent-facing listeners to its proxy address only, and validates against Envoy’s API', async () => {
    const { compose, envoy } = await written;
    expect(validateEnvoyConfig(envoy)).toEqual([]);
    const addresses = proxyAddresses(compose);
    const facing = new Set(proxyPorts(policy).agentFacing);
    for (const profile of policyProfiles(policy)) {
      for (const port of profile.agentFacing) {
        const owners = listenersOf(envoy).filter((l) =>
          boundAddresses(l).some((a) => a.port === port),
        );
        expect(owners).toHaveLength(1);
        expect(boundAddresses(owners[0] as JsonObject)).toEqual([
          { address: addresses[profile.name], port },
        ]);
      }
    }
    // Nothing agent-facing is left on the wildcard; the health listener keeps it.
    const wildcard = listenersOf(envoy).filter((l) =>
      boundAddresses(l).some((a) => a.address === '0.0.0.0'),
    );
    expect(wildcard.map((l) => l.name)).toEqual([HEALTH_LISTENER]);
    expect(facing.has(policy.proxy.health_port)).toBe(false);
  });

  it('finds no listener for a connection on one profile’s address to another profile’s port', async () => {
    const { compose, envoy } = await written;
    const addresses = proxyAddresses(compose);
    const profiles = policyProfiles(policy);
    // The same policy as the clouds render it: every listener on the wildcard.
    const cloud = renderCheckedProxyConfig(policy);
    let crossings = 0;
    for (const a of profiles) {
      const ip = addresses[a.name] as string;
      for (const port of a.agentFacing) expect(listenerFor(envoy, ip, port)).toBeDefined();
      for (const b of profiles.filter((p) => p !== a)) {
        for (const port of b.agentFacing) {
          expect(listenerFor(envoy, ip, port)).toBeUndefined();
          // The check can fail: bound to every address, the other profile's port answers.
          expect(listenerFor(cloud, ip, port)).toBeDefined();
          crossings += 1;
        }
      }
    }
    const expected = profiles.reduce(
      (n, a) => n + profiles.filter((b) => b !== a).reduce((m, b) => m + b.agentFacing.length, 0),
      0,
    );
    expect(crossings).toBe(expected);
    if (name === TWO_AGENTS) expect(crossings).toBeGreaterThan(0);
  });
});

describe('the address plan', () => {
  const two = loadPolicy(TWO_AGENTS);

  it('gives a profile the same subnet with --profile, and the left-out profile loopback listeners', async () => {
    const { compose, envoy } = await writeLocal('--policy', TWO_AGENTS, '--profile', 'coder');
    expect(Object.keys(compose.networks)).toEqual(['coder-perimeter', 'egress']);
    expect(proxyAddresses(compose)).toEqual({ coder: '10.213.1.2' });
    expect(localListenerAddresses(two, { profile: 'coder' })).toEqual({
      reviewer: '127.0.0.1',
      coder: '10.213.1.2',
    });
    expect(validateEnvoyConfig(envoy)).toEqual([]);
    const reviewer = policyProfiles(two).find((p) => p.name === 'reviewer');
    for (const port of reviewer?.agentFacing ?? []) {
      expect(listenerFor(envoy, '10.213.1.2', port)).toBeUndefined();
      expect(listenerFor(envoy, '127.0.0.1', port)).toBeDefined();
    }
  });

  it('cuts the networks from --address-pool', async () => {
    const { compose, envoy } = await writeLocal(
      '--policy',
      TWO_AGENTS,
      '--address-pool',
      '10.99.8.0/23',
    );
    expect(proxyAddresses(compose)).toEqual({ reviewer: '10.99.8.2', coder: '10.99.9.2' });
    expect(compose.networks['coder-perimeter']?.ipam?.config[0]?.subnet).toBe('10.99.9.0/24');
    expect(listenerFor(envoy, '10.99.9.2', 3129)).toBe('forward_proxy_coder');
    expect(listenerFor(envoy, '10.99.9.2', 3128)).toBeUndefined();
  });

  it('binds a model listener profiles share to each of their addresses, and Envoy’s API accepts it', () => {
    const text = readFileSync('examples/bedrock.yaml', 'utf8');
    const doc = parse(text) as { agents: Record<string, unknown>[] };
    doc.agents.push({ ...doc.agents[0], name: 'second' });
    const policy: Policy = validPolicy(stringify(doc));
    const config = renderCheckedProxyConfig(policy, {
      profileAddresses: { 'claude-code': '10.213.0.2', second: '10.213.1.2' },
    });
    expect(validateEnvoyConfig(config)).toEqual([]);
    const model = listenersOf(config).find((l) => l.name === 'model') as JsonObject;
    const port = proxyPorts(policy).model as number;
    expect(boundAddresses(model)).toEqual([
      { address: '10.213.0.2', port },
      { address: '10.213.1.2', port },
    ]);
  });

  it('refuses a render that leaves a profile without an address (a caller bug, not bad input)', () => {
    expect(() =>
      renderCheckedProxyConfig(two, { profileAddresses: { reviewer: '10.213.0.2' } }),
    ).toThrow('no listener address for profile "coder"');
  });

  it('keeps the default pool out of Docker’s default pools', () => {
    expect(() => profileNetworks(two, { addressPool: DEFAULT_ADDRESS_POOL })).not.toThrow();
    expect(() => profileNetworks(two, { addressPool: '172.20.0.0/16' })).toThrow(LocalComposeError);
  });
});

describe('bad --address-pool values', () => {
  const BAD = [
    {
      pool: '10.213.0.0/24',
      says: 'has room for 1 profile network(s) (a /24 each) but policy "two-agents" has 2 agent profiles. Fix: use a pool of at least a /23',
    },
    {
      pool: '172.18.0.0/16',
      says: "overlaps Docker's default address pools (172.17.0.0/16 to 172.31.0.0/16 and 192.168.0.0/16)",
    },
    { pool: '192.168.50.0/24', says: "overlaps Docker's default address pools" },
    { pool: '8.8.0.0/16', says: 'is not private address space' },
    { pool: '10.213.1.0/16', says: 'has host bits set; the range starts at 10.213.0.0/16' },
    { pool: '10.213.0.0/25', says: 'is not an IPv4 range between a /8 and a /24' },
    { pool: 'ten.one/16', says: 'is not an IPv4 range' },
  ];

  it.each(BAD)(
    '$pool: exit 2, names the value and the fix, writes nothing',
    async ({ pool, says }) => {
      const out = join(mkdtempSync(join(tmpdir(), 'ap-local-bad-')), 'out');
      const result = await runCli(
        'local',
        '--policy',
        TWO_AGENTS,
        '--address-pool',
        pool,
        '--out',
        out,
      );
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`agent-perimeter local: --address-pool "${pool}" ${says}`);
      expect(result.stderr).toContain('Fix:');
      expect(result.stderr).not.toMatch(/\n\s+at /);
      expect(existsSync(out)).toBe(false);
    },
  );

  it('counts profiles against the pool even with --profile', () => {
    expect(() =>
      profileNetworks(twoAgents(), { profile: 'coder', addressPool: '10.213.0.0/24' }),
    ).toThrow('has room for 1 profile network(s)');
  });
});

function twoAgents(): Policy {
  return loadPolicy(TWO_AGENTS);
}
