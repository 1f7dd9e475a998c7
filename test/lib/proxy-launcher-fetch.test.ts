import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROXY_CONFIG_DIGEST_ENV } from '../../lib/contract/proxy-identity.js';
import {
  FETCHING_LAUNCHER_SCRIPT,
  LAUNCHER_EXIT,
  LAUNCHER_SCRIPT,
} from '../../lib/proxy-launcher.js';
import { testLaunchArguments } from '../helpers/launcher.js';
import { sigv4Signature } from '../helpers/sigv4.js';
import { selfSignedCa, serverCertificate } from '../helpers/tls.js';

/*
 * The launcher's S3 config fetch, run for real: bash and openssl against a local HTTPS
 * endpoint (a test CA, certificate for "localhost") that checks the SigV4 signature the way
 * S3 does, and a local credentials endpoint shaped like ECS's. A stand-in for Envoy records
 * the bytes it reads from its --config-path, which must be exactly the object's.
 */

const KEY_ID = 'ASIATESTKEYID';
const SECRET = 'test/secret+key=value';
const TOKEN = 'session/token+with=chars';
const REGION = 'eu-west-1';

const dir = mkdtempSync(join(tmpdir(), 'launcher-fetch-'));
const script = join(dir, 'launch.sh');
writeFileSync(script, FETCHING_LAUNCHER_SCRIPT);
const fakeEnvoy = join(dir, 'envoy');
writeFileSync(
  fakeEnvoy,
  '#!/bin/bash\nwhile [ $# -gt 0 ]; do [ "$1" = --config-path ] && { cat "$2" > "$OUT"; exit 0; }; shift; done\nexit 3\n',
);
chmodSync(fakeEnvoy, 0o755);

let objects: Record<string, string> = {};
let requests: IncomingMessage[] = [];
let s3: Server;
let creds: Server;
let s3Port = 0;
let credsPort = 0;

function verified(req: IncomingMessage): boolean {
  const auth = String(req.headers.authorization ?? '');
  const m =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request, SignedHeaders=([^,]+), Signature=([a-f0-9]{64})$/.exec(
      auth,
    );
  if (m === null || m[1] !== KEY_ID || m[3] !== REGION) return false;
  const names = (m[4] ?? '').split(';');
  const headers = Object.fromEntries(names.map((n) => [n, String(req.headers[n] ?? '')]));
  const { signature, signedHeaders } = sigv4Signature({
    path: req.url ?? '',
    headers,
    amzDate: String(req.headers['x-amz-date']),
    region: REGION,
    service: 's3',
    secretAccessKey: SECRET,
  });
  return (
    signedHeaders === m[4] && signature === m[5] && req.headers['x-amz-security-token'] === TOKEN
  );
}

beforeAll(async () => {
  const ca = selfSignedCa(dir, '/CN=test CA', 2);
  if (ca.code !== 0) throw new Error(ca.stderr);
  serverCertificate(dir, 'localhost', 2);
  s3 = createHttpsServer(
    { key: readFileSync(join(dir, 'srv.key')), cert: readFileSync(join(dir, 'srv.crt')) },
    (req, res) => {
      requests.push(req);
      if (!verified(req)) {
        res.writeHead(403).end('<Error><Code>SignatureDoesNotMatch</Code></Error>');
        return;
      }
      const body = objects[req.url ?? ''];
      if (body === undefined) res.writeHead(404).end('<Error><Code>NoSuchKey</Code></Error>');
      else res.writeHead(200, { 'content-length': Buffer.byteLength(body) }).end(body);
    },
  );
  creds = createHttpServer((req, res) => {
    if (req.url !== '/v2/credentials/abc') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        RoleArn: 'arn:aws:iam::111122223333:role/proxy',
        AccessKeyId: KEY_ID,
        SecretAccessKey: SECRET,
        Token: TOKEN,
        Expiration: '2030-01-01T00:00:00Z',
      }),
    );
  });
  await new Promise<void>((r) => s3.listen(0, '127.0.0.1', r));
  await new Promise<void>((r) => creds.listen(0, '127.0.0.1', r));
  s3Port = (s3.address() as AddressInfo).port;
  credsPort = (creds.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise((r) => s3.close(r));
  await new Promise((r) => creds.close(r));
  rmSync(dir, { recursive: true, force: true });
});

const digest = (text: string) => createHash('sha256').update(text).digest('hex');

function launch(
  key: string,
  env: Record<string, string>,
): Promise<{ code: number | null; stderr: string; child: ChildProcess }> {
  const args = testLaunchArguments({
    config: { s3: { url: `https://localhost:${s3Port}${key}`, region: REGION } },
    credentials: { variables: [] },
    envoy: fakeEnvoy,
  });
  const child = spawn('bash', [script, ...args], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      SSL_CERT_FILE: join(dir, 'ca.crt'),
      AWS_CONTAINER_CREDENTIALS_FULL_URI: `http://127.0.0.1:${credsPort}/v2/credentials/abc`,
      OUT: join(dir, 'out.json'),
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += String(d);
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, child });
    }),
  );
}

describe('the launcher fetching its config from S3', () => {
  it('signs the request like AWS: the published S3 example signature', () => {
    // docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html, "GET Object".
    const { signature } = sigv4Signature({
      path: '/test.txt',
      headers: {
        Host: 'examplebucket.s3.amazonaws.com',
        Range: 'bytes=0-9',
        'x-amz-content-sha256': digest(''),
        'x-amz-date': '20130524T000000Z',
      },
      amzDate: '20130524T000000Z',
      region: 'us-east-1',
      service: 's3',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    });
    expect(signature).toBe('f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41');
  });

  it('hands Envoy exactly the object whose sha256 the task pins, through a pipe', async () => {
    // Large and awkward: over 1 MiB, quotes, '=', dollar signs and no trailing newline.
    const config = JSON.stringify({ pad: 'a="$b" '.repeat(200_000), n: 1 });
    objects = { '/abc123.json': config };
    requests = [];
    const r = await launch('/abc123.json', { [PROXY_CONFIG_DIGEST_ENV]: digest(config) });
    expect(r.stderr).toContain(`sha256 ${digest(config)}`);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(dir, 'out.json'), 'utf8')).toBe(config);
    expect(requests).toHaveLength(1);
    expect(requests[0]?.headers.host).toBe(`localhost:${s3Port}`);
  }, 60_000);

  it('refuses to start when the object is not the pinned one', async () => {
    objects = { '/abc123.json': '{"tampered":true}' };
    const r = await launch('/abc123.json', { [PROXY_CONFIG_DIGEST_ENV]: digest('{"ok":true}') });
    expect(r.code).toBe(LAUNCHER_EXIT.config);
    expect(r.stderr).toContain(
      `has sha256 ${digest('{"tampered":true}')}, not the ${digest('{"ok":true}')} the task definition pins`,
    );
  }, 60_000);

  it('refuses without the pinned digest, a missing object, or an untrusted certificate', async () => {
    objects = {};
    const noDigest = await launch('/abc123.json', {});
    expect(noDigest.code).toBe(LAUNCHER_EXIT.config);
    expect(noDigest.stderr).toContain(`${PROXY_CONFIG_DIGEST_ENV} is not set`);
    const missing = await launch('/abc123.json', { [PROXY_CONFIG_DIGEST_ENV]: digest('x') });
    expect(missing.code).toBe(LAUNCHER_EXIT.config);
    expect(missing.stderr).toContain('404');
    const untrusted = await launch('/abc123.json', {
      [PROXY_CONFIG_DIGEST_ENV]: digest('x'),
      SSL_CERT_FILE: join(dir, 'srv.crt'),
    });
    expect(untrusted.code).toBe(LAUNCHER_EXIT.config);
    expect(untrusted.stderr).toContain('could not be fetched');
  }, 60_000);

  it('leaves the fetch out of the plain launcher, which refuses the option', () => {
    expect(LAUNCHER_SCRIPT).not.toContain('s3_get');
    expect(FETCHING_LAUNCHER_SCRIPT).not.toContain('${');
    const r = spawnSync(
      'bash',
      ['-c', LAUNCHER_SCRIPT, 'l', '--config-s3', 'https://x/y', '--', 'true'],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(LAUNCHER_EXIT.usage);
    expect(r.stderr).toContain('unknown option --config-s3');
  });
});
