import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  LAUNCHER_EXIT,
  LAUNCHER_NAME,
  LAUNCHER_SCRIPT,
  launchArguments,
  stopTimeoutSeconds,
} from '../../lib/proxy-launcher.js';
import { ENVOY_DRAIN_ARGV, launcherOptionsArgv } from '../helpers/launcher-argv.js';

/*
 * The launcher, run for real with bash. The Envoy binary does not exist here, so a small Node
 * program stands in for it (test/fixtures/launcher/fake-envoy.mjs): it answers the admin
 * requests the launcher sends and records when SIGTERM arrives.
 */

const dir = mkdtempSync(join(tmpdir(), 'launcher-'));
const script = join(dir, 'launch.sh');
writeFileSync(script, LAUNCHER_SCRIPT);
const fakeEnvoy = join(import.meta.dirname, '..', 'fixtures', 'launcher', 'fake-envoy.mjs');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  readonly child: ChildProcess;
  readonly done: Promise<{ code: number | null; stderr: string }>;
}

function launch(args: readonly string[], env: Record<string, string> = {}): Run {
  const child = spawn('bash', [script, ...args], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += String(d);
  });
  const done = new Promise<{ code: number | null; stderr: string }>((resolve) =>
    child.on('exit', (code) => resolve({ code, stderr })),
  );
  return { child, done };
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Polls `file` (bounded) until a line contains `text`. */
async function waitFor(file: string, text: string, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    try {
      if (readFileSync(file, 'utf8').includes(text)) return;
    } catch {
      // not written yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`"${text}" never appeared in ${file}`);
}

function events(file: string): { at: number; what: string }[] {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const [at, ...rest] = line.split(' ');
      return { at: Number(at), what: rest.join(' ') };
    });
}

let runs = 0;
const recordFile = () => join(dir, `record-${++runs}`);

describe('on SIGTERM the launcher drains Envoy, then stops it', () => {
  it('fails the health check, drains the listeners, waits the drain time, then sends SIGTERM', async () => {
    const record = recordFile();
    const port = await freePort();
    const run = launch([
      '--drain-seconds',
      '2',
      '--admin',
      `127.0.0.1:${port}`,
      '--',
      'node',
      fakeEnvoy,
      record,
      String(port),
    ]);
    await waitFor(record, 'admin ready');
    const sentAt = Date.now();
    run.child.kill('SIGTERM');
    const { code, stderr } = await run.done;
    expect(code).toBe(0);
    const seen = events(record).map((e) => e.what);
    expect(seen.slice(-3)).toEqual([
      'POST /healthcheck/fail',
      'POST /drain_listeners?graceful',
      'SIGTERM',
    ]);
    const term = events(record).find((e) => e.what === 'SIGTERM')?.at ?? 0;
    // Bounded: at least the drain time, and well inside the container's stop timeout.
    expect(term - sentAt).toBeGreaterThanOrEqual(1900);
    expect(term - sentAt).toBeLessThan((stopTimeoutSeconds(2) - 2) * 1000);
    expect(stderr).toContain('draining for 2 seconds');
  }, 20_000);

  it('stops Envoy at once when no admin interface is configured', async () => {
    const record = recordFile();
    const run = launch(['--drain-seconds', '30', '--', 'node', fakeEnvoy, record, '0']);
    await waitFor(record, 'started');
    const sentAt = Date.now();
    run.child.kill('SIGTERM');
    const { code } = await run.done;
    expect(code).toBe(0);
    expect(events(record).map((e) => e.what)).not.toContain('POST /healthcheck/fail');
    expect((events(record).find((e) => e.what === 'SIGTERM')?.at ?? 0) - sentAt).toBeLessThan(3000);
  }, 20_000);

  it("exits with Envoy's own status when Envoy stops by itself", async () => {
    const record = recordFile();
    const { code } = await launch(['--', 'node', fakeEnvoy, record, '0', '100', '3']).done;
    expect(code).toBe(3);
  }, 20_000);
});

describe('the launcher refuses to start Envoy with a credential that would break the header', () => {
  const SECRET = 'sk-test-value-that-must-never-be-printed';

  it.each([
    ['a trailing newline', `${SECRET}\n`, 'contains a line break'],
    ['a carriage return', `${SECRET}\r`, 'contains a line break'],
    ['a line break inside', `${SECRET}\nX-Injected: yes`, 'contains a line break'],
    ['a leading space', ` ${SECRET}`, 'has leading or trailing whitespace'],
    ['a trailing tab', `${SECRET}\t`, 'has leading or trailing whitespace'],
    ['nothing at all', '', 'is empty'],
  ])('in an environment variable: %s', async (_what, value, words) => {
    const record = recordFile();
    const run = launch(
      ['--credential-env', 'AGENT_PERIMETER_SECRET_X', '--', 'node', fakeEnvoy, record],
      {
        AGENT_PERIMETER_SECRET_X: value,
      },
    );
    const { code, stderr } = await run.done;
    expect(code).toBe(LAUNCHER_EXIT.config);
    expect(stderr).toContain(
      `${LAUNCHER_NAME}: refusing to start: credential variable AGENT_PERIMETER_SECRET_X ${words}`,
    );
    if (value !== '') expect(stderr).not.toContain(SECRET);
    expect(() => readFileSync(record)).toThrow(); // Envoy never started
  });

  it('when the variable is not set at all', async () => {
    const { code, stderr } = await launch([
      '--credential-env',
      'AGENT_PERIMETER_SECRET_X',
      '--',
      'true',
    ]).done;
    expect(code).toBe(LAUNCHER_EXIT.config);
    expect(stderr).toContain('AGENT_PERIMETER_SECRET_X is not set');
  });

  it('in a file, with a trailing newline', async () => {
    const file = join(dir, 'secret-newline');
    writeFileSync(file, `${SECRET}\n`);
    const { code, stderr } = await launch(['--credential-file', file, '--', 'true']).done;
    expect(code).toBe(LAUNCHER_EXIT.config);
    expect(stderr).toContain(`credential file ${file} contains a line break`);
    expect(stderr).not.toContain(SECRET);
  });

  it('accepts clean values and starts Envoy', async () => {
    const file = join(dir, 'secret-clean');
    writeFileSync(file, SECRET);
    const record = recordFile();
    const run = launch(
      [
        '--credential-env',
        'AGENT_PERIMETER_SECRET_X',
        '--credential-file',
        file,
        '--',
        'node',
        fakeEnvoy,
        record,
        '0',
        '50',
        '0',
      ],
      { AGENT_PERIMETER_SECRET_X: SECRET },
    );
    const { code, stderr } = await run.done;
    expect(code).toBe(0);
    expect(readFileSync(record, 'utf8')).toContain('started');
    expect(stderr).not.toContain(SECRET);
  });
});

describe('the launcher refuses log levels that print injected credentials', () => {
  it.each([
    ['--log-level', 'debug'],
    ['--log-level', 'trace'],
    ['-l', 'debug'],
    ['--log-level=trace'],
    ['--component-log-level', 'http:debug'],
  ])('%s %s', async (...args) => {
    const { code, stderr } = await launch(['--', 'true', ...args.filter((a) => a !== undefined)])
      .done;
    expect(code).toBe(LAUNCHER_EXIT.config);
    expect(stderr).toContain('refusing to start');
  });

  it('starts at info level', async () => {
    expect((await launch(['--', 'true', '--log-level', 'info']).done).code).toBe(0);
  });

  it('rejects an unknown option of its own with a usage error', async () => {
    const { code, stderr } = await launch(['--bogus', '--', 'true']).done;
    expect(code).toBe(LAUNCHER_EXIT.usage);
    expect(stderr).toContain('unknown option --bogus');
  });
});

describe('launch arguments', () => {
  it('hold no dollar-brace expansion, which CloudFormation would read as a parameter', () => {
    expect(LAUNCHER_SCRIPT).not.toContain('${');
  });

  it('put the launcher options first, then Envoy with draining set to the same time', () => {
    expect(
      launchArguments({
        config: { path: '/etc/envoy/agent-perimeter.json' },
        logLevel: 'info',
        concurrency: 0.5,
        drainSeconds: 30,
        admin: true,
        credentials: { variables: ['AGENT_PERIMETER_SECRET_A'] },
      }),
    ).toEqual([
      ...launcherOptionsArgv('AGENT_PERIMETER_SECRET_A'),
      '--config-path',
      '/etc/envoy/agent-perimeter.json',
      '--disable-hot-restart',
      '--log-level',
      'info',
      ...ENVOY_DRAIN_ARGV,
    ]);
    expect(stopTimeoutSeconds(30)).toBe(40);
  });
});
