import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AGENT_NET,
  AGENT_NET6,
  ALLOWED_IP,
  BRIDGE6,
  DENIED_IP,
  FILTERING_RESOLVER,
  LEAKY_RESOLVER,
  METADATA_IP,
  PROXY,
  PUBLIC4,
  PUBLIC6,
} from './probe-world/addresses.js';

/*
 * Network namespaces for the probe tests: one "world" namespace (the test proxy, resolvers,
 * and TEST-NET hosts playing the internet, on a bridge and a loopback) and one probe
 * namespace per scenario, joined to the world's bridge by a veth pair. Only addresses from
 * ./probe-world/addresses.ts are assigned, only inside these namespaces; nothing is routed
 * to the host's network. Everything is removed by `cleanup()`.
 */

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe', timeout: 10_000 });

/** Why namespaces cannot be used here, or undefined when they can. */
export function namespaceProblem(): string | undefined {
  const name = `ap-check-${process.pid}`;
  try {
    ip('netns', 'add', name);
    ip('netns', 'del', name);
    return undefined;
  } catch (error) {
    const text = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return `cannot create network namespaces (${text})`;
  }
}

export interface ProbeNamespaceOptions {
  /** Extra IPv4 routes via the world (the planted path), e.g. `192.0.2.0/24`. */
  readonly routes?: readonly string[];
  /** Give the namespace an IPv6 address and these IPv6 routes via the world. */
  readonly routes6?: readonly string[];
  /** The resolver in the namespace's resolv.conf. @default the filtering resolver */
  readonly resolver?: string;
}

export interface ProbeNamespace {
  readonly name: string;
  readonly address: string;
}

export class TestNetwork {
  readonly world: string;
  private readonly namespaces: string[] = [];
  private readonly netnsDirs: string[] = [];
  private worldProcess: ChildProcess | undefined;
  private worldOutput = '';
  private next = 10;

  constructor(readonly tag = `${process.pid % 100000}`) {
    this.world = `ap-world-${tag}`;
  }

  /** Creates the world namespace: bridge with the proxy and resolver addresses, "internet" hosts. */
  createWorld(): void {
    const w = this.world;
    ip('netns', 'add', w);
    this.namespaces.push(w);
    ip('-n', w, 'link', 'set', 'lo', 'up');
    // A fixed address: a bridge otherwise takes the lowest address of its ports, so each new
    // probe namespace would change it under the feet of the ones already running (stale ARP).
    ip('-n', w, 'link', 'add', 'br0', 'address', '02:00:5e:00:53:01', 'type', 'bridge');
    ip('-n', w, 'link', 'set', 'br0', 'up');
    for (const a of [PROXY, FILTERING_RESOLVER, LEAKY_RESOLVER])
      ip('-n', w, 'addr', 'add', `${a}/24`, 'dev', 'br0');
    ip('-n', w, '-6', 'addr', 'add', `${BRIDGE6}/64`, 'dev', 'br0', 'nodad');
    // The "internet" hosts live on the world's loopback: local to the world, reachable from a
    // probe namespace only through a route via the bridge.
    for (const a of [PUBLIC4, ALLOWED_IP, DENIED_IP, METADATA_IP])
      ip('-n', w, 'addr', 'add', `${a}/32`, 'dev', 'lo');
    ip('-n', w, '-6', 'addr', 'add', `${PUBLIC6}/128`, 'dev', 'lo', 'nodad');
  }

  /** Starts the world's servers (test/helpers/probe-world/world.ts) and waits for "ready". */
  async startWorld(configFile: string): Promise<void> {
    const child = spawn(
      'ip',
      [
        'netns',
        'exec',
        this.world,
        process.execPath,
        '--import',
        'tsx',
        'test/helpers/probe-world/world.ts',
        configFile,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.worldProcess = child;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`world did not start: ${this.worldOutput}`)),
        20_000,
      );
      const onData = (d: Buffer) => {
        this.worldOutput += d.toString();
        if (this.worldOutput.includes('ready\n')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`world exited with ${code}: ${this.worldOutput}`));
      });
    });
  }

  /** What the world printed (DNS queries its leaky resolver answered, one JSON line each). */
  output(): string {
    return this.worldOutput;
  }

  /** A probe namespace on the world's bridge: only the agent subnet, plus the planted routes. */
  addProbeNamespace(options: ProbeNamespaceOptions = {}): ProbeNamespace {
    const n = this.next++;
    const name = `ap-probe-${this.tag}-${n}`;
    const inside = `apv${this.tag.slice(-5)}p${n}`.slice(0, 15);
    const outside = `apv${this.tag.slice(-5)}w${n}`.slice(0, 15);
    // Host .n of the agent subnet (./probe-world/addresses.ts: probe namespaces get .10 and up).
    const address = AGENT_NET.replace('.0/24', `.${n}`);
    ip('netns', 'add', name);
    this.namespaces.push(name);
    ip('-n', name, 'link', 'set', 'lo', 'up');
    ip(
      'link',
      'add',
      inside,
      'netns',
      name,
      'type',
      'veth',
      'peer',
      'name',
      outside,
      'netns',
      this.world,
    );
    ip('-n', this.world, 'link', 'set', outside, 'master', 'br0');
    ip('-n', this.world, 'link', 'set', outside, 'up');
    ip('-n', name, 'link', 'set', inside, 'up');
    ip('-n', name, 'addr', 'add', `${address}/24`, 'dev', inside);
    for (const route of options.routes ?? []) ip('-n', name, 'route', 'add', route, 'via', PROXY);
    if (options.routes6 !== undefined) {
      const prefix = AGENT_NET6.replace('::/64', '::');
      ip('-n', name, '-6', 'addr', 'add', `${prefix}${n}/64`, 'dev', inside, 'nodad');
      for (const route of options.routes6)
        ip('-n', name, '-6', 'route', 'add', route, 'via', BRIDGE6);
    }
    // `ip netns exec` bind-mounts /etc/netns/<name>/resolv.conf over /etc/resolv.conf.
    const dir = join('/etc/netns', name);
    mkdirSync(dir, { recursive: true });
    this.netnsDirs.push(dir);
    writeFileSync(
      join(dir, 'resolv.conf'),
      `nameserver ${options.resolver ?? FILTERING_RESOLVER}\noptions timeout:1 attempts:1\n`,
    );
    return { name, address };
  }

  /** Runs a program inside a namespace; resolves with its exit code and output. */
  run(
    ns: ProbeNamespace,
    argv: readonly string[],
    options: { env: Record<string, string>; cwd: string; timeoutMs: number },
  ): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
    const started = performance.now();
    return new Promise((resolve) => {
      const child = spawn('ip', ['netns', 'exec', ns.name, ...argv], {
        env: options.env,
        cwd: options.cwd,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
      });
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code: code ?? -1, stdout, stderr, ms: Math.round(performance.now() - started) });
      });
    });
  }

  /** Stops the world and deletes every namespace (and with them the veth pairs and bridge). */
  cleanup(): void {
    this.worldProcess?.kill('SIGKILL');
    for (const ns of this.namespaces.reverse()) {
      try {
        ip('netns', 'del', ns);
      } catch {
        // already gone
      }
    }
    for (const dir of this.netnsDirs) rmSync(dir, { recursive: true, force: true });
  }
}
