import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { runCli } from './cli.js';

/*
 * Real TLS for the interception tests: a CA and leaves made by the CLI, openssl to read
 * them, and a local HTTPS server presenting a leaf, optionally serving git's smart HTTP
 * through `git http-backend`. Everything listens on 127.0.0.1 only.
 */

/** Runs a program (bounded) and returns its exit code and output. */
export function run(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string } = {},
) {
  const r = spawnSync(command, [...args], {
    encoding: 'utf8',
    timeout: 20_000,
    env: options.env ?? { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent' },
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
    ...(options.input !== undefined ? { input: options.input } : {}),
  });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/**
 * Like `run`, without blocking the event loop: for clients of a server in this process.
 * Bounded by a 20 s kill.
 */
export function runAsync(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, [...args], {
      env: options.env ?? { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent' },
      ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += String(d);
    });
    child.stderr.on('data', (d) => {
      stderr += String(d);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

export const openssl = (...args: string[]) => run('openssl', args);

/** A new P-256 key in `keyFile` for an `openssl req` that writes `out`. */
const p256 = (keyFile: string, out: string) => [
  '-newkey',
  'ec',
  '-pkeyopt',
  'ec_paramgen_curve:P-256',
  '-nodes',
  '-keyout',
  keyFile,
  '-out',
  out,
];

/** A self-signed P-256 CA, `dir`/ca.key and `dir`/ca.crt; `extra` adds `openssl req` options. */
export function selfSignedCa(
  dir: string,
  subject: string,
  days: number,
  extra: readonly string[] = [],
) {
  const caFiles = p256(join(dir, 'ca.key'), join(dir, 'ca.crt'));
  return openssl('req', '-x509', ...caFiles, '-subj', subject, '-days', String(days), ...extra);
}

/**
 * A serverAuth certificate for the DNS name `host`, `dir`/srv.key and `dir`/srv.crt, signed by
 * the CA that {@link selfSignedCa} wrote to `dir`. Throws with openssl's message on failure.
 */
export function serverCertificate(dir: string, host: string, days: number): void {
  const at = (file: string) => join(dir, file);
  writeFileSync(at('srv.ext'), `subjectAltName=DNS:${host}\nextendedKeyUsage=serverAuth\n`);
  const sign = ['-CA', at('ca.crt'), '-CAkey', at('ca.key'), '-CAcreateserial'];
  for (const args of [
    ['req', ...p256(at('srv.key'), at('srv.csr')), '-subj', `/CN=${host}`],
    ['x509', '-req', '-in', at('srv.csr'), ...sign, '-days', String(days)],
  ]) {
    const extra = args[0] === 'x509' ? ['-extfile', at('srv.ext'), '-out', at('srv.crt')] : [];
    const r = openssl(...args, ...extra);
    if (r.code !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
  }
}

/** Which of the programs the TLS tests need are missing (`.ci/run` installs them). */
export function missingTools(): string[] {
  return ['openssl', 'git', 'curl'].filter(
    (t) => run(t, ['--version']).code === -1 && run(t, ['version']).code === -1,
  );
}

/** Writes a policy and makes its CA and leaves with the CLI. */
export async function makePki(dir: string, policy: string, caArgs: readonly string[] = []) {
  mkdirSync(dir, { recursive: true });
  const policyFile = join(dir, 'policy.yaml');
  writeFileSync(policyFile, policy);
  const ca = join(dir, 'ca');
  const leaves = join(dir, 'leaves');
  const created = await runCli('ca', 'create', '--policy', policyFile, '--out', ca, ...caArgs);
  if (created.code !== 0) throw new Error(created.stderr);
  const issued = await runCli('ca', 'issue', '--policy', policyFile, '--ca', ca, '--out', leaves);
  if (issued.code !== 0) throw new Error(issued.stderr);
  return { policyFile, ca, leaves };
}

export interface TestServer {
  readonly port: number;
  /** Requests seen: method, path and the authorization header. */
  readonly seen: { method: string; path: string; authorization?: string }[];
  close(): Promise<void>;
}

/**
 * An HTTPS server on 127.0.0.1 presenting `cert`/`key`. With `gitRoot`, it runs git's smart
 * HTTP through `git http-backend` (CGI); otherwise it answers "ok".
 */
export async function httpsServer(
  cert: string,
  key: string,
  gitRoot?: string,
): Promise<TestServer> {
  const seen: TestServer['seen'] = [];
  const server: Server = createServer({ cert, key }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://x');
    seen.push({
      method: req.method ?? '',
      path: url.pathname,
      ...(req.headers.authorization !== undefined
        ? { authorization: req.headers.authorization }
        : {}),
    });
    if (gitRoot === undefined) {
      res.end('ok');
      return;
    }
    const cgi = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        GIT_PROJECT_ROOT: gitRoot,
        GIT_HTTP_EXPORT_ALL: '1',
        REQUEST_METHOD: req.method ?? 'GET',
        PATH_INFO: url.pathname,
        QUERY_STRING: url.search.slice(1),
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        REMOTE_ADDR: '127.0.0.1',
        ...(req.headers['git-protocol'] !== undefined
          ? { GIT_PROTOCOL: String(req.headers['git-protocol']) }
          : {}),
      },
    });
    req.pipe(cgi.stdin);
    const chunks: Buffer[] = [];
    cgi.stdout.on('data', (c: Buffer) => chunks.push(c));
    cgi.on('close', () => {
      const out = Buffer.concat(chunks);
      // CGI headers end at the first empty line; git writes bare "\n" line ends.
      const crlf = out.indexOf('\r\n\r\n');
      const lf = out.indexOf('\n\n');
      const [end, gap] = crlf !== -1 && (lf === -1 || crlf < lf) ? [crlf, 4] : [lf, 2];
      const head = out.subarray(0, Math.max(end, 0)).toString().split(/\r?\n/);
      let status = 200;
      for (const line of head) {
        const [name = '', ...rest] = line.split(':');
        const value = rest.join(':').trim();
        if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
        else if (name !== '') res.setHeader(name, value);
      }
      res.statusCode = status;
      res.end(out.subarray(end + gap));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
