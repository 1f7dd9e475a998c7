// The "world" the namespace tests probe: run inside the world namespace with
//   node --import tsx world.ts CONFIG.json
// It plays the internet (TCP, UDP, DNS, ICMP comes from the kernel), the allowed and denied
// HTTPS hosts, a metadata endpoint with a credential, two resolvers, and a test proxy that
// behaves like agent-perimeter's Envoy: 403 with the policy body for anything not allowed,
// and inside an allowed tunnel only a TLS ClientHello naming the CONNECT host gets through.
// It prints "ready" once every listener is up, then one JSON line per DNS query it answers.
import * as dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import {
  ALLOWED_HOST,
  ALLOWED_IP,
  DENIED_HOST,
  DENIED_IP,
  FAILING_INJECT_PORT,
  FILTERING_RESOLVER,
  INJECT_PORT,
  LEAKY_RESOLVER,
  METADATA_IP,
  POLICY_NAME,
  PROXY,
  PROXY_PORTS,
  PUBLIC4,
  PUBLIC6,
} from './addresses.js';
import { clientHelloSni } from './client-hello.js';
import { answer, readQuestion } from './dns.js';

export interface WorldConfig {
  readonly caCert: string;
  readonly allowedCert: string;
  readonly allowedKey: string;
  readonly deniedCert: string;
  readonly deniedKey: string;
  /** The credential the base-URL listener injects (a fake, never given to the probe). */
  readonly injectedKey: string;
  /** A fake AWS credential the metadata endpoint hands out. */
  readonly metadataKeyId: string;
}

const config = JSON.parse(readFileSync(process.argv[2] as string, 'utf8')) as WorldConfig;
const ca = readFileSync(config.caCert);
const pending: Promise<void>[] = [];

function listen(server: net.Server, host: string, port: number): void {
  pending.push(
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    }),
  );
}

function bindUdp(
  host: string,
  port: number,
  onMessage: (msg: Buffer, reply: (b: Buffer) => void) => void,
) {
  const socket = dgram.createSocket(net.isIP(host) === 6 ? 'udp6' : 'udp4');
  socket.on('message', (msg, rinfo) =>
    onMessage(msg, (b) => socket.send(b, rinfo.port, rinfo.address)),
  );
  pending.push(
    new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, host, () => resolve());
    }),
  );
}

// --- the internet ---------------------------------------------------------------------------
for (const host of [PUBLIC4, PUBLIC6]) {
  for (const port of [443, 80, 22, 53]) {
    listen(
      net.createServer((socket) => {
        socket.on('error', () => {});
        socket.end(port === 22 ? 'SSH-2.0-world\r\n' : 'hello from the internet\n');
      }),
      host,
      port,
    );
  }
  for (const port of [53, 123, 443]) {
    bindUdp(host, port, (msg, reply) => {
      const q = port === 53 ? readQuestion(msg) : undefined;
      reply(q === undefined ? msg.subarray(0, 48) : answer(q, '192.0.2.99'));
    });
  }
}

// --- the allowed and denied HTTPS hosts -------------------------------------------------------
function httpsHost(name: string, ip: string, cert: string, key: string): void {
  const server = https.createServer(
    { cert: readFileSync(cert), key: readFileSync(key) },
    (req, res) => {
      const authorized = req.headers['x-api-key'] === config.injectedKey;
      res.writeHead(authorized ? 200 : 401, { 'content-type': 'text/plain' });
      res.end(authorized ? `hello from ${name}\n` : 'no credential\n');
    },
  );
  // Like nginx: plain HTTP sent to the TLS port gets an HTTP answer, so a tunnel that lets
  // plain bytes through is visible from the probe's side.
  listen(
    net.createServer((socket) => {
      socket.on('error', () => {});
      socket.once('data', (first: Buffer) => {
        if (first[0] === 0x16) {
          socket.pause();
          socket.unshift(first);
          server.emit('connection', socket);
        } else {
          socket.end(
            'HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\nplain HTTP on the TLS port\n',
          );
        }
      });
    }),
    ip,
    443,
  );
  listen(
    net.createServer((socket) => {
      socket.on('error', () => {});
      socket.end('SSH-2.0-allowed\r\n');
    }),
    ip,
    22,
  );
}
httpsHost(ALLOWED_HOST, ALLOWED_IP, config.allowedCert, config.allowedKey);
httpsHost(DENIED_HOST, DENIED_IP, config.deniedCert, config.deniedKey);

// --- a metadata endpoint with a role and its credentials ------------------------------------
listen(
  http.createServer((req, res) => {
    const base = '/latest/meta-data/iam/security-credentials/';
    if (req.method === 'PUT' && req.url === '/latest/api/token') res.end('world-imds-token');
    else if (req.url === base) res.end('probe-test-role');
    else if (req.url === `${base}probe-test-role`)
      res.end(
        JSON.stringify({
          Code: 'Success',
          AccessKeyId: config.metadataKeyId,
          SecretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
          Token: 'world-session-token',
        }),
      );
    else res.writeHead(404).end('not found\n');
  }),
  METADATA_IP,
  80,
);

// --- resolvers ------------------------------------------------------------------------------
const ALLOWLIST: Readonly<Record<string, string>> = { [ALLOWED_HOST]: ALLOWED_IP };
bindUdp(FILTERING_RESOLVER, 53, (msg, reply) => {
  const q = readQuestion(msg);
  if (q !== undefined) reply(answer(q, ALLOWLIST[q.name]));
});
bindUdp(LEAKY_RESOLVER, 53, (msg, reply) => {
  const q = readQuestion(msg);
  if (q === undefined) return;
  process.stdout.write(`${JSON.stringify({ dnsQuery: q.name, resolver: 'leaky' })}\n`);
  reply(answer(q, ALLOWLIST[q.name] ?? '192.0.2.99'));
});

// --- the test proxy -------------------------------------------------------------------------
const UPSTREAMS: Readonly<Record<string, string>> = {
  [ALLOWED_HOST]: ALLOWED_IP,
  [DENIED_HOST]: DENIED_IP,
};
const PRIVATE =
  /^(10\.|127\.|169\.254\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|::1$|fe80:|f[cd][0-9a-f]{2}:)/i;

function deny(socket: net.Socket, reason: string): void {
  const body = `agent-perimeter: denied by policy "${POLICY_NAME}": ${reason}\n`;
  socket.end(
    `HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

function forwardProxy(mode: { allowlist: boolean; sniCheck: boolean }): net.Server {
  return net.createServer((client) => {
    client.on('error', () => {});
    let head = Buffer.alloc(0);
    const onHead = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      client.removeListener('data', onHead);
      const m = /^CONNECT (\[[0-9a-f:.]+\]|[^\s:]+):(\d+) HTTP\/1\.1/i.exec(
        head.toString('latin1'),
      );
      if (m === null || m[1] === undefined) {
        deny(client, 'only CONNECT is allowed');
        return;
      }
      const host = m[1].replace(/^\[|\]$/g, '').toLowerCase();
      const port = Number(m[2]);
      if (mode.allowlist && (net.isIP(host) !== 0 || host !== ALLOWED_HOST || port !== 443)) {
        deny(client, `${host}:${port} is not in the allowlist`);
        return;
      }
      const address = net.isIP(host) !== 0 ? host : UPSTREAMS[host];
      if (address === undefined) {
        client.end('HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n');
        return;
      }
      client.write('HTTP/1.1 200 Connection established\r\n\r\n');
      if (PRIVATE.test(address)) {
        client.destroy();
        return;
      }
      const rest = head.subarray(end + 4);
      const open = (first: Buffer) => {
        const upstream = net.connect(port, address, () => {
          if (first.length > 0) upstream.write(first);
          client.pipe(upstream).pipe(client);
          client.resume();
        });
        upstream.on('error', () => client.destroy());
        client.on('close', () => upstream.destroy());
      };
      if (!mode.sniCheck) {
        client.pause();
        open(rest);
        return;
      }
      // Like Envoy's internal listener: wait for the ClientHello, compare its SNI.
      let hello = rest;
      const timer = setTimeout(() => client.destroy(), 3000);
      const check = () => {
        const sni = clientHelloSni(hello);
        if (sni === undefined && hello.length < 16384) return;
        clearTimeout(timer);
        client.removeListener('data', onHello);
        if (sni !== host) {
          client.destroy();
          return;
        }
        client.pause();
        open(hello);
      };
      const onHello = (chunk: Buffer) => {
        hello = Buffer.concat([hello, chunk]);
        check();
      };
      client.on('data', onHello);
      if (hello.length > 0) check();
    };
    client.on('data', onHead);
  });
}

listen(forwardProxy({ allowlist: true, sniCheck: true }), PROXY, PROXY_PORTS.strict);
listen(forwardProxy({ allowlist: true, sniCheck: false }), PROXY, PROXY_PORTS.noSniCheck);
listen(forwardProxy({ allowlist: false, sniCheck: true }), PROXY, PROXY_PORTS.open);

// Base-URL listener: plain HTTP in, the key added, verified TLS to the allowed host out.
listen(
  http.createServer((req, res) => {
    const upstream = https.request(
      {
        host: ALLOWED_IP,
        port: 443,
        servername: ALLOWED_HOST,
        ca,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: ALLOWED_HOST, 'x-api-key': config.injectedKey },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(503).end('upstream connect error\n'));
    req.pipe(upstream);
  }),
  PROXY,
  INJECT_PORT,
);
listen(
  http.createServer((_req, res) => res.writeHead(503).end('upstream connect error\n')),
  PROXY,
  FAILING_INJECT_PORT,
);

await Promise.all(pending);
process.stdout.write('ready\n');
