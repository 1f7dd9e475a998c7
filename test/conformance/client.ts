import { readFileSync } from 'node:fs';
import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';

/*
 * What an agent does, over real sockets: CONNECT through the proxy, then speak TLS (or not)
 * inside the tunnel. Every wait is bounded.
 */

export interface ConnectReply {
  readonly status: number;
  /** The response's body, for refusals (the proxy closes after it). */
  readonly body: string;
  /** The open tunnel after a 200. */
  readonly socket: Socket | undefined;
}

const TIMEOUT_MS = 10_000;

/** Sends `CONNECT authority` to the proxy at host:port and reads its answer. */
export function connectThrough(
  proxy: { host: string; port: number },
  authority: string,
): Promise<ConnectReply> {
  return new Promise((resolve, reject) => {
    const socket = connectTcp(proxy.port, proxy.host);
    let data = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer to CONNECT ${authority} within ${TIMEOUT_MS} ms`));
    }, TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      const end = data.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = data.subarray(0, end).toString('latin1');
      const status = Number(head.split(' ')[1]);
      if (status === 200) {
        clearTimeout(timer);
        socket.off('data', onData);
        resolve({ status, body: '', socket });
        return;
      }
      const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? '0');
      if (data.length >= end + 4 + length) {
        clearTimeout(timer);
        socket.destroy();
        resolve({
          status,
          body: data.subarray(end + 4, end + 4 + length).toString('utf8'),
          socket: undefined,
        });
      }
    };
    socket.on('data', onData);
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`);
  });
}

export type TlsOutcome =
  | { readonly kind: 'handshake'; readonly response: string }
  | { readonly kind: 'closed'; readonly reason: string };

/**
 * Starts TLS inside an open tunnel with `servername` as SNI ('' sends none), trusting only
 * `caFile`; on success sends one GET and returns the response.
 */
export function tlsInside(socket: Socket, servername: string, caFile: string): Promise<TlsOutcome> {
  return new Promise((resolve) => {
    const tls = connectTls({
      socket,
      servername,
      ca: readFileSync(caFile),
      // Verified against the SNI we chose, so a wrong certificate also fails.
      checkServerIdentity: () => undefined,
      rejectUnauthorized: true,
    });
    const timer = setTimeout(() => {
      tls.destroy();
      resolve({ kind: 'closed', reason: 'timeout' });
    }, TIMEOUT_MS);
    let response = '';
    tls.on('secureConnect', () => {
      tls.write(`GET / HTTP/1.1\r\nHost: ${servername || 'none'}\r\nConnection: close\r\n\r\n`);
    });
    tls.on('data', (chunk) => {
      response += String(chunk);
    });
    tls.on('end', () => {
      clearTimeout(timer);
      resolve({ kind: 'handshake', response });
    });
    tls.on('error', (error) => {
      clearTimeout(timer);
      resolve(
        response === ''
          ? { kind: 'closed', reason: error.message }
          : { kind: 'handshake', response },
      );
    });
  });
}

/** Sends `bytes` in the tunnel and returns what comes back before it closes (bounded). */
export function rawInside(socket: Socket, bytes: string): Promise<string> {
  return new Promise((resolve) => {
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(received);
    }, 3000);
    socket.on('data', (chunk) => {
      received += String(chunk);
      if (received.length >= bytes.length) {
        clearTimeout(timer);
        socket.destroy();
        resolve(received);
      }
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(received);
    });
    socket.on('error', () => {});
    socket.write(bytes);
  });
}
