// The upstreams of the conformance suite, in one process (it runs in a node container, and in
// the fixture test here): an HTTPS server on TLS_PORT that picks the certificate for the SNI
// it is sent, like a CDN front end serving many sites on one address, and answers every request
// with what it saw as JSON; and a plain TCP echo server on ECHO_PORT (for `tls: false`).
//
// Usage: node upstream.mjs CERT_DIR TLS_PORT ECHO_PORT NAME...
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { createServer as createTcpServer } from 'node:net';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';

const [dir, tlsPort, echoPort, ...names] = process.argv.slice(2);
const contexts = new Map(
  names.map((name) => {
    const base = name.replace(/[^a-z0-9]+/g, '_');
    return [
      name,
      createSecureContext({
        cert: readFileSync(join(dir, `${base}.pem`)),
        key: readFileSync(join(dir, `${base}.key`)),
      }),
    ];
  }),
);
const [first] = contexts.values();

const tls = createServer(
  { SNICallback: (servername, callback) => callback(null, contexts.get(servername) ?? first) },
  (req, res) => {
    const body = JSON.stringify({
      sni: req.socket.servername ?? null,
      method: req.method,
      path: req.url,
      headers: req.headers,
    });
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      connection: 'close',
    });
    res.end(body);
  },
);
tls.on('tlsClientError', () => {});
tls.listen(Number(tlsPort), '0.0.0.0', () => {
  const echo = createTcpServer((socket) => {
    socket.on('error', () => {});
    socket.pipe(socket);
  });
  echo.listen(Number(echoPort), '0.0.0.0', () => {
    process.stdout.write(`ready ${tls.address().port} ${echo.address().port}\n`);
  });
});
