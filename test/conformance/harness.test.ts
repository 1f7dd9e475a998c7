import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestPki, type TestPki } from './certs.js';
import { connectThrough, rawInside, tlsInside } from './client.js';

/*
 * The conformance suite's own parts, run here for real (openssl, Node TLS, loopback sockets),
 * so the suite that runs the Envoy image in CI fails only on what Envoy does. A few lines of
 * CONNECT stand in for the proxy; they are the harness's test double, not the product's.
 */

const NAMES = ['allowed.test', 'other.test'];
let pki: TestPki;
let upstream: ChildProcess;
let ports: { tls: number; echo: number };
let proxy: Server;
let proxyPort: number;

beforeAll(async () => {
  pki = makeTestPki(mkdtempSync(join(tmpdir(), 'conformance-pki-')), NAMES);
  upstream = spawn('node', [
    join(import.meta.dirname, 'upstream.mjs'),
    pki.dir,
    '0',
    '0',
    ...NAMES,
  ]);
  ports = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('upstream did not start')), 10_000);
    upstream.stdout?.on('data', (d) => {
      const m = /ready (\d+) (\d+)/.exec(String(d));
      if (m) {
        clearTimeout(timer);
        resolve({ tls: Number(m[1]), echo: Number(m[2]) });
      }
    });
  });
  // CONNECT allowed.test:443 -> the TLS upstream, ssh.test:22 -> echo, anything else -> 403.
  proxy = createServer((client) => {
    client.once('data', (chunk) => {
      const authority = String(chunk).split(' ')[1] ?? '';
      const target = { 'allowed.test:443': ports.tls, 'ssh.test:22': ports.echo }[authority];
      if (target === undefined) {
        const body = 'agent-perimeter: denied by policy "conformance": not allowlisted\n';
        client.end(`HTTP/1.1 403 Forbidden\r\ncontent-length: ${body.length}\r\n\r\n${body}`);
        return;
      }
      const up = connect(target, '127.0.0.1', () => {
        client.write('HTTP/1.1 200 OK\r\n\r\n');
        client.pipe(up).pipe(client);
      });
      up.on('error', () => client.destroy());
      client.on('error', () => up.destroy());
    });
  });
  proxyPort = await new Promise((resolve) =>
    proxy.listen(0, '127.0.0.1', () => {
      const address = proxy.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    }),
  );
});

afterAll(() => {
  upstream?.kill();
  proxy?.close();
  if (pki) rmSync(pki.dir, { recursive: true, force: true });
});

describe('conformance harness (its own parts, without Envoy)', () => {
  it('issues leaves that chain to the CA, for exactly their name, for server auth', () => {
    for (const name of NAMES) {
      const leaf = pki.leaves[name]?.cert ?? '';
      expect(execFileSync('openssl', ['verify', '-CAfile', pki.ca, leaf]).toString()).toContain(
        ': OK',
      );
      const text = execFileSync('openssl', ['x509', '-in', leaf, '-noout', '-text']).toString();
      expect(text).toContain(`DNS:${name}`);
      expect(text).toContain('TLS Web Server Authentication');
    }
  });

  it('serves each name with its own certificate on one address, like a CDN front end', async () => {
    for (const sni of NAMES) {
      const reply = await connectThrough(
        { host: '127.0.0.1', port: proxyPort },
        'allowed.test:443',
      );
      expect(reply.status).toBe(200);
      const outcome = await tlsInside(
        reply.socket as NonNullable<typeof reply.socket>,
        sni,
        pki.ca,
      );
      expect(outcome.kind).toBe('handshake');
      const body =
        outcome.kind === 'handshake' ? outcome.response.slice(outcome.response.indexOf('{')) : '';
      expect(JSON.parse(body)).toMatchObject({ sni, method: 'GET', path: '/' });
    }
  });

  it('reads a refusal and its body', async () => {
    const reply = await connectThrough({ host: '127.0.0.1', port: proxyPort }, 'evil.test:443');
    expect(reply).toMatchObject({ status: 403, socket: undefined });
    expect(reply.body).toContain('denied by policy "conformance"');
  });

  it('echoes opaque bytes, and reports a tunnel closed before any TLS answer', async () => {
    const echo = await connectThrough({ host: '127.0.0.1', port: proxyPort }, 'ssh.test:22');
    expect(
      await rawInside(echo.socket as NonNullable<typeof echo.socket>, 'SSH-2.0-probe\r\n'),
    ).toBe('SSH-2.0-probe\r\n');
    const closed = await connectThrough({ host: '127.0.0.1', port: proxyPort }, 'ssh.test:22');
    // The echo server answers a ClientHello with the ClientHello: not TLS, the handshake fails.
    const outcome = await tlsInside(
      closed.socket as NonNullable<typeof closed.socket>,
      'allowed.test',
      pki.ca,
    );
    expect(outcome.kind).toBe('closed');
  });
});
