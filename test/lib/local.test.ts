import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { localCommand } from '../../bin/commands/local.js';
import {
  COMPOSE_FILE,
  ENVOY_FILE,
  LocalComposeError,
  localListenerAddresses,
  renderLocalFiles,
  tmpfsEntry,
} from '../../lib/local/index.js';
import { loadPolicy, type Policy } from '../../lib/policy/index.js';
import { renderCheckedProxyConfig } from '../../proxy/index.js';
import { envoyYaml } from '../../proxy/yaml.js';
import { policyYaml, validPolicy } from '../helpers/policy.js';

interface Service {
  readonly image: string;
  readonly command?: string[];
  readonly entrypoint?: string[];
  readonly user?: string;
  readonly init?: boolean;
  readonly read_only?: boolean;
  readonly cap_drop?: string[];
  readonly cap_add?: string[];
  readonly security_opt?: string[];
  readonly privileged?: boolean;
  readonly tmpfs?: string[];
  readonly mem_limit?: string;
  readonly memswap_limit?: string;
  readonly cpus?: number;
  readonly pids_limit?: number;
  readonly runtime?: string;
  readonly environment?: Record<string, string> | string[];
  readonly networks: string[] | Record<string, { ipv4_address?: string }>;
  readonly ports?: unknown;
  readonly volumes?: { type: string; source: string; target: string; read_only: boolean }[];
  readonly secrets?: { source: string; target: string }[];
  readonly network_mode?: string;
}
interface Compose {
  readonly name: string;
  readonly services: Record<string, Service>;
  readonly networks: Record<string, { internal?: boolean; ipam?: unknown }>;
  readonly secrets?: Record<string, { environment: string }>;
}

/** The Envoy config as `agent-perimeter local` renders it: each profile on its own address. */
const envoyText = (policy: Policy, options: Parameters<typeof renderLocalFiles>[2] = {}) =>
  envoyYaml(
    renderCheckedProxyConfig(policy, { profileAddresses: localListenerAddresses(policy, options) }),
    'test.yaml',
  );

/** A service's networks by name (agents list them, the proxy maps them to its addresses). */
const networkNames = (s: Service) =>
  Array.isArray(s.networks) ? s.networks : Object.keys(s.networks);

function generate(policy: Policy, options: Parameters<typeof renderLocalFiles>[2] = {}) {
  const files = renderLocalFiles(policy, envoyText(policy, options), options);
  const text = files[COMPOSE_FILE] ?? '';
  return { files, text, compose: parse(text) as Compose };
}

const demo = loadPolicy();
const { files, text, compose } = generate(demo, { source: 'agent-perimeter.yaml' });
const agent = compose.services['claude-code'] as Service;
const proxy = compose.services.proxy as Service;

describe('the compose file for the demo policy', () => {
  it('has the proxy and one service per agent profile', () => {
    expect(Object.keys(compose.services)).toEqual(['proxy', 'claude-code']);
    expect(compose.name).toBe('agent-perimeter-demo');
    expect(files[ENVOY_FILE]).toBe(envoyText(demo));
  });

  it("runs the agent with the guide's hardened flags", () => {
    expect(agent).toMatchObject({
      image: 'public.ecr.aws/docker/library/node:22-slim',
      user: '1000:1000',
      init: true,
      read_only: true,
      cap_drop: ['ALL'],
      security_opt: ['no-new-privileges:true'],
      mem_limit: '2048m',
      memswap_limit: '2048m',
      cpus: 1,
      pids_limit: 512,
    });
    expect(agent.cap_add).toBeUndefined();
    expect(agent.privileged).toBe(false);
    expect(agent.runtime).toBeUndefined();
    // Docker's default seccomp profile applies unless explicitly disabled.
    expect(text).not.toContain('unconfined');
  });

  it('gives the agent only size-bounded tmpfs scratch, noexec and nosuid unless the policy says exec', () => {
    expect(agent.tmpfs).toEqual([
      '/tmp:rw,noexec,nosuid,nodev,size=1024m,mode=1777',
      '/home/agent:rw,exec,nosuid,nodev,size=2048m,uid=1000,gid=1000,mode=0700',
    ]);
    expect(tmpfsEntry({ path: '/work', size_mib: 64 }, '1234:5678')).toBe(
      '/work:rw,noexec,nosuid,nodev,size=64m,uid=1234,gid=5678,mode=0700',
    );
  });

  it('puts the agent on an internal network whose only other member is the proxy', () => {
    expect(compose.networks['claude-code-perimeter']).toMatchObject({ internal: true });
    expect(agent.networks).toEqual(['claude-code-perimeter']);
    const members = Object.entries(compose.services)
      .filter(([, s]) => networkNames(s).includes('claude-code-perimeter'))
      .map(([name]) => name);
    expect(members.sort()).toEqual(['claude-code', 'proxy']);
  });

  it('gives only the proxy a network with a way out, and publishes no ports', () => {
    expect(compose.networks.egress?.internal).toBeUndefined();
    expect(networkNames(proxy)).toEqual(['claude-code-perimeter', 'egress']);
    for (const service of Object.values(compose.services)) {
      expect(service.ports).toBeUndefined();
      expect(service.network_mode).toBeUndefined();
    }
  });

  it('points the agent at the proxy by service name', () => {
    expect(agent.environment).toMatchObject({
      HTTPS_PROXY: 'http://proxy:3128',
      http_proxy: 'http://proxy:3128',
      NO_PROXY: 'localhost,127.0.0.1,::1,proxy',
      ANTHROPIC_BASE_URL: 'http://proxy:8081',
      NODE_USE_ENV_PROXY: '1',
      HOME: '/home/agent',
    });
  });

  it('runs the pinned Envoy image hardened, with the rendered config mounted read-only', () => {
    expect(proxy).toMatchObject({
      image: 'envoyproxy/envoy:v1.36.4',
      entrypoint: ['/bin/bash', '/etc/agent-perimeter/launch.sh'],
      user: '101:101',
      read_only: true,
      cap_drop: ['ALL'],
      security_opt: ['no-new-privileges:true'],
      volumes: [
        {
          type: 'bind',
          source: './envoy.yaml',
          target: '/etc/agent-perimeter/envoy.yaml',
          read_only: true,
        },
        {
          type: 'bind',
          source: './launch.sh',
          target: '/etc/agent-perimeter/launch.sh',
          read_only: true,
        },
      ],
      // docker compose stop waits longer than the launcher drains.
      stop_grace_period: '40s',
    });
    expect(proxy.command).toEqual(
      expect.arrayContaining(['--config-path', '/etc/agent-perimeter/envoy.yaml']),
    );
    expect((proxy.command as string[]).slice(0, 2)).toEqual([
      '--credential-env',
      'AGENT_PERIMETER_SECRET_ANTHROPIC_API_KEY',
    ]);
  });

  it('passes the credential through from the host environment by name only', () => {
    expect(proxy.environment).toEqual(['AGENT_PERIMETER_SECRET_ANTHROPIC_API_KEY']);
    expect(agent.environment).not.toHaveProperty('AGENT_PERIMETER_SECRET_ANTHROPIC_API_KEY');
    expect(text).toContain('export AGENT_PERIMETER_SECRET_ANTHROPIC_API_KEY before');
  });

  it('never writes a secret value, even when one is set in the environment', () => {
    const secret = `sk-ant-api03-${'Q'.repeat(40)}`;
    const before = process.env.AGENT_PERIMETER_SECRET_ANTHROPIC_API_KEY;
    process.env.AGENT_PERIMETER_SECRET_ANTHROPIC_API_KEY = secret;
    try {
      const again = generate(demo);
      expect(again.text).not.toContain(secret);
      expect(again.text).not.toMatch(/sk-ant-|ghp_|AKIA[0-9A-Z]{12}/);
    } finally {
      if (before === undefined) delete process.env.AGENT_PERIMETER_SECRET_ANTHROPIC_API_KEY;
      else process.env.AGENT_PERIMETER_SECRET_ANTHROPIC_API_KEY = before;
    }
  });
});

const TWO_AGENTS = validPolicy(
  policyYaml(
    '  - host: api.anthropic.com\n    inject: { header: x-api-key, secret: anthropic-api-key }',
    `agents:
  - name: coder
    image: node:22
    command: ["sh", "-c", "echo $HOME"]
    runtime: runsc
  - name: reviewer
    image: python:3.12
    cpu: 0.5
    memory_mib: 1024
    pids_limit: 64
    user: "2000:2000"
    scratch: [{ path: /tmp, size_mib: 128 }]
proxy:
  credentials_from: file
`,
  ),
);

describe('other policies', () => {
  const two = generate(TWO_AGENTS);

  it('gives every agent its own internal network, all shared with the proxy only', () => {
    expect(two.compose.networks).toMatchObject({
      'coder-perimeter': { internal: true },
      'reviewer-perimeter': { internal: true },
      egress: {},
    });
    expect(Object.keys(two.compose.networks)).toEqual([
      'coder-perimeter',
      'reviewer-perimeter',
      'egress',
    ]);
    expect(networkNames(two.compose.services.proxy as Service)).toEqual([
      'coder-perimeter',
      'reviewer-perimeter',
      'egress',
    ]);
    expect(two.compose.services.reviewer?.networks).toEqual(['reviewer-perimeter']);
  });

  it('applies each profile’s limits, user and runtime', () => {
    expect(two.compose.services.reviewer).toMatchObject({
      user: '2000:2000',
      cpus: 0.5,
      mem_limit: '1024m',
      pids_limit: 64,
      tmpfs: ['/tmp:rw,noexec,nosuid,nodev,size=128m,mode=1777'],
    });
    expect(two.compose.services.coder?.runtime).toBe('runsc');
    expect(two.compose.services.reviewer?.runtime).toBeUndefined();
  });

  it('escapes $ so compose passes policy text through unchanged', () => {
    expect(two.compose.services.coder?.command).toEqual(['sh', '-c', 'echo $$HOME']);
  });

  it('mounts file credentials as compose secrets read from the host environment', () => {
    expect(two.compose.secrets).toEqual({
      'anthropic-api-key': { environment: 'AGENT_PERIMETER_SECRET_ANTHROPIC_API_KEY' },
    });
    expect(two.compose.services.proxy?.secrets).toEqual([
      {
        source: 'anthropic-api-key',
        target: '/etc/agent-perimeter/secrets/anthropic-api-key',
      },
    ]);
    expect(two.compose.services.proxy?.environment).toBeUndefined();
  });

  it('runs every agent under gVisor with --runtime runsc, and one profile with --profile', () => {
    const runsc = generate(TWO_AGENTS, { runtime: 'runsc', profile: 'reviewer' });
    expect(Object.keys(runsc.compose.services)).toEqual(['proxy', 'reviewer']);
    expect(runsc.compose.services.reviewer?.runtime).toBe('runsc');
    expect(runsc.compose.services.proxy?.runtime).toBeUndefined();
    expect(Object.keys(runsc.compose.networks)).toEqual(['reviewer-perimeter', 'egress']);
  });

  it('rejects an unknown profile and an unpinned proxy image', () => {
    expect(() => generate(TWO_AGENTS, { profile: 'nope' })).toThrow(
      '--profile "nope" is not an agent profile of policy "test". Fix: use one of "coder", "reviewer".',
    );
    const unpinned = validPolicy(
      policyYaml('  - host: github.com', 'proxy:\n  image: envoyproxy/envoy'),
    );
    expect(() => generate(unpinned)).toThrow(LocalComposeError);
    expect(() => generate(unpinned)).toThrow('proxy.image "envoyproxy/envoy" is not pinned');
  });
});

describe('agent-perimeter local', () => {
  it('writes docker-compose.yaml and envoy.yaml into --out', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-perimeter-local-'));
    let out = '';
    const code = await localCommand.run(['--out', dir, '--runtime', 'runsc'], {
      out: (t) => {
        out += t;
      },
      err: () => {},
    });
    expect(code).toBe(0);
    const written = parse(readFileSync(join(dir, COMPOSE_FILE), 'utf8')) as Compose;
    expect(written.services['claude-code']?.runtime).toBe('runsc');
    expect(readFileSync(join(dir, ENVOY_FILE), 'utf8')).toContain('static_resources');
    expect(out).toContain('export AGENT_PERIMETER_SECRET_ANTHROPIC_API_KEY=...');
    expect(out).toContain(`docker compose -f`);
  });

  it('rejects an unknown runtime', async () => {
    await expect(
      localCommand.run(['--runtime', 'kata'], { out: () => {}, err: () => {} }),
    ).rejects.toThrow('--runtime "kata" is not supported. Fix: use "runc" or "runsc".');
  });

  it('reads --policy', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-perimeter-local-'));
    const file = join(dir, 'policy.yaml');
    writeFileSync(
      file,
      policyYaml('  - host: github.com', 'agents:\n  - name: solo\n    image: x:1'),
    );
    await localCommand.run(['--policy', file, '--out', dir], { out: () => {}, err: () => {} });
    const written = parse(readFileSync(join(dir, COMPOSE_FILE), 'utf8')) as Compose;
    expect(Object.keys(written.services)).toEqual(['proxy', 'solo']);
    expect(written.services.proxy?.environment).toBeUndefined();
  });
});

const hasCompose = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' }).status === 0;
describe.skipIf(!hasCompose)(
  'docker compose accepts the file (skipped: no docker compose here)',
  () => {
    it('validates with `docker compose config`', () => {
      const dir = mkdtempSync(join(tmpdir(), 'agent-perimeter-compose-'));
      for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
      const r = spawnSync(
        'docker',
        ['compose', '-f', join(dir, COMPOSE_FILE), 'config', '--quiet'],
        {
          encoding: 'utf8',
        },
      );
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    });
  },
);

const hasRunsc =
  spawnSync('runsc', ['--rootless', '--network=none', 'do', 'true'], { encoding: 'utf8' })
    .status === 0;
describe.skipIf(!hasRunsc)(
  'gVisor (skipped: runsc is not installed or cannot run rootless here)',
  () => {
    it('runs a command under the gVisor kernel with no network interface but loopback', () => {
      const r = spawnSync(
        'runsc',
        ['--rootless', '--network=none', 'do', 'sh', '-c', 'dmesg; cat /proc/net/dev'],
        { encoding: 'utf8' },
      );
      expect(r.status).toBe(0);
      // gVisor's own kernel (the Sentry) answers syscalls, not the host's.
      expect(r.stdout).toContain('Starting gVisor');
      const interfaces = [...r.stdout.matchAll(/^\s*([a-z0-9]+):/gm)].map((m) => m[1]);
      expect(interfaces).toEqual(['lo']);
    });
  },
);
