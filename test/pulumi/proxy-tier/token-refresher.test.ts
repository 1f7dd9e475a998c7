import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  VERTEX_TOKEN_CONTAINER_DIR,
  VERTEX_TOKEN_FILE,
  VERTEX_TOKEN_SECRET,
} from '../../../lib/proxy-contract.js';
import { dockerRunArgs, envoyUnit, proxyCloudInit } from '../../../pulumi/proxy-tier/boot.js';
import {
  MAX_REFRESH_S,
  MIN_REFRESH_S,
  REFRESH_MARGIN_S,
  tokenRefresherScript,
  VERTEX_TOKEN_HOST_DIR,
} from '../../../pulumi/proxy-tier/token-refresher.js';
import { BOOT_OPTIONS } from '../../helpers/proxy-boot.js';
import { runAsync } from '../../helpers/tls.js';

/*
 * The Vertex AI token refresher, run for real (bash, curl) against a fake metadata server on
 * loopback: it must write exactly the SDS resource Envoy reads, atomically, readable only by
 * Envoy's user, never print the token, and keep the last good token when a refresh fails.
 */

let answer: { status: number; body: string } = { status: 200, body: '' };
const requests: { path: string; flavor: string | undefined }[] = [];
let server: Server;
let base = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push({ path: req.url ?? '', flavor: req.headers['metadata-flavor'] as string });
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    res.end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function runOnce(dir: string) {
  const script = join(dir, 'refresh.sh');
  writeFileSync(script, tokenRefresherScript());
  const r = await runAsync('bash', [script, '--once'], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      AGENT_PERIMETER_METADATA: base,
      AGENT_PERIMETER_VERTEX_DIR: join(dir, 'vertex'),
    },
  });
  // The token must appear on neither stream, so the checks read both.
  return { code: r.code, output: r.stdout + r.stderr };
}

const TOKEN = 'ya29.c.b0AXv0zTest-Token_value.123';
const root = process.getuid?.() === 0;

describe.skipIf(!root)('the token refresher (needs root to hand the file to uid 101)', () => {
  it('writes the SDS resource Envoy reads, for uid 101 only, and never prints the token', async () => {
    answer = {
      status: 200,
      body: JSON.stringify({ access_token: TOKEN, expires_in: 3599, token_type: 'Bearer' }),
    };
    const dir = mkdtempSync(join(tmpdir(), 'agent-perimeter-token-'));
    const run = await runOnce(dir);
    expect(run.code, run.output).toBe(0);
    const file = join(dir, 'vertex', VERTEX_TOKEN_FILE);
    const sds = JSON.parse(readFileSync(file, 'utf8')) as {
      resources: {
        '@type': string;
        name: string;
        generic_secret: { secret: { inline_string: string } };
      }[];
    };
    expect(sds.resources).toEqual([
      {
        '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret',
        name: VERTEX_TOKEN_SECRET,
        generic_secret: { secret: { inline_string: `Bearer ${TOKEN}` } },
      },
    ]);
    const stat = statSync(file);
    expect(stat.mode & 0o777).toBe(0o400);
    expect(stat.uid).toBe(101);
    expect(run.output).not.toContain(TOKEN);
    expect(run.output).toContain(
      `next refresh in ${Math.min(3599 - REFRESH_MARGIN_S, MAX_REFRESH_S)} s`,
    );
    expect(requests.at(-1)).toEqual({
      path: '/computeMetadata/v1/instance/service-accounts/default/token',
      flavor: 'Google',
    });
  });

  it('waits at least 30 s when the token is about to expire', async () => {
    answer = { status: 200, body: JSON.stringify({ access_token: TOKEN, expires_in: 90 }) };
    const run = await runOnce(mkdtempSync(join(tmpdir(), 'agent-perimeter-token-')));
    expect(run.code).toBe(0);
    expect(run.output).toContain(`next refresh in ${MIN_REFRESH_S} s`);
  });

  it.each([
    ['a metadata server error', { status: 500, body: 'oops' }],
    [
      'a token a header cannot hold',
      { status: 200, body: '{"access_token":"ya29 x\\"y","expires_in":3599}' },
    ],
    ['no token', { status: 200, body: '{"expires_in":3599}' }],
    ['no expiry', { status: 200, body: `{"access_token":"${TOKEN}"}` }],
  ])('fails on %s and keeps the last good token', async (_what, bad) => {
    answer = { status: 200, body: JSON.stringify({ access_token: TOKEN, expires_in: 3599 }) };
    const dir = mkdtempSync(join(tmpdir(), 'agent-perimeter-token-'));
    expect((await runOnce(dir)).code).toBe(0);
    const file = join(dir, 'vertex', VERTEX_TOKEN_FILE);
    const before = readFileSync(file, 'utf8');
    answer = bad;
    const run = await runOnce(dir);
    expect(run.code).not.toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(run.output).not.toContain(TOKEN);
  });
});

describe('the proxy VM runs it beside Envoy', () => {
  const options = { ...BOOT_OPTIONS, secrets: [], vertexToken: true };

  it('mounts the token directory read-only and writes the first token before Envoy starts', () => {
    expect(dockerRunArgs(options)).toContain(
      `--mount=type=bind,source=${VERTEX_TOKEN_HOST_DIR},target=${VERTEX_TOKEN_CONTAINER_DIR},readonly`,
    );
    expect(envoyUnit(options)).toContain(
      'ExecStartPre=/bin/bash /etc/agent-perimeter/vertex-token.sh --once',
    );
    const init = proxyCloudInit(options);
    expect(init).toContain('systemctl start agent-perimeter-vertex-token.service');
  });

  it('does neither without Vertex AI', () => {
    const plain = { ...options, vertexToken: false };
    expect(dockerRunArgs(plain).join(' ')).not.toContain(VERTEX_TOKEN_HOST_DIR);
    expect(proxyCloudInit(plain)).not.toContain('vertex-token');
  });
});
