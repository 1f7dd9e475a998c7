import type * as net from 'node:net';
import { settleOnce } from './settle.js';
import { dial } from './tcp.js';

export interface ProxyAddress {
  readonly host: string;
  readonly port: number;
  readonly text: string;
}

export type ConnectOutcome =
  /** The proxy could not be reached at all. */
  | { readonly kind: 'unreachable'; readonly code: string }
  /** The proxy answered; with a 2xx the tunnel is open on `socket`. */
  | {
      readonly kind: 'response';
      readonly status: number;
      readonly body: string;
      readonly socket?: net.Socket;
    }
  /** The proxy closed the connection, or said nothing, before any response. */
  | { readonly kind: 'no-response'; readonly code: string };

const MAX_HEAD = 16 * 1024;
const MAX_BODY = 2048;

interface ResponseHead {
  readonly status: number;
  /** Content-Length, when the proxy sent one. */
  readonly length: number | undefined;
  readonly bodyStart: number;
}

/**
 * Sends `CONNECT authority` to the forward proxy and reads its answer. On a 2xx the socket is
 * handed back paused, with any bytes after the response head pushed back, ready for whatever
 * the check sends through the tunnel. Never rejects.
 */
export async function proxyConnect(
  proxy: ProxyAddress,
  target: string,
  timeoutMs: number,
): Promise<ConnectOutcome> {
  const dialled = await dial(proxy.host, proxy.port, timeoutMs);
  if (!dialled.ok) return { kind: 'unreachable', code: dialled.code };
  const { socket } = dialled;
  return new Promise((resolve) => {
    let buffer = Buffer.alloc(0);
    let head: ResponseHead | undefined;
    const { finish, deadline } = settleOnce<ConnectOutcome>(resolve, (outcome) => {
      socket.removeListener('data', onData);
      socket.removeListener('close', onClose);
      // An open tunnel is handed back to the check; every other end closes the connection.
      if (outcome.kind !== 'response' || outcome.socket === undefined) socket.destroy();
    });
    // A response that is not 2xx, with as much of its body as came (at most MAX_BODY).
    const answered = (h: ResponseHead): ConnectOutcome => ({
      kind: 'response',
      status: h.status,
      body: buffer.subarray(h.bodyStart, h.bodyStart + MAX_BODY).toString('latin1'),
    });
    const onData = (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (head === undefined) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) {
          if (buffer.length > MAX_HEAD) finish({ kind: 'no-response', code: 'EPROTO' });
          return;
        }
        const text = buffer.subarray(0, end).toString('latin1');
        const status = Number(/^HTTP\/\d(?:\.\d)? (\d{3})/.exec(text)?.[1] ?? Number.NaN);
        if (!Number.isFinite(status)) {
          finish({ kind: 'no-response', code: 'EPROTO' });
          return;
        }
        const length = /\r\ncontent-length:\s*(\d+)/i.exec(text)?.[1];
        head = {
          status,
          length: length === undefined ? undefined : Number(length),
          bodyStart: end + 4,
        };
        if (status >= 200 && status < 300) {
          socket.pause();
          const rest = buffer.subarray(head.bodyStart);
          if (rest.length > 0) socket.unshift(rest);
          finish({ kind: 'response', status, body: '', socket });
          return;
        }
      }
      const have = buffer.length - head.bodyStart;
      if (have >= Math.min(head.length ?? MAX_BODY, MAX_BODY)) finish(answered(head));
    };
    const onClose = () =>
      finish(head === undefined ? { kind: 'no-response', code: 'ECONNRESET' } : answered(head));
    deadline(timeoutMs, () =>
      head === undefined ? { kind: 'no-response', code: 'ETIMEDOUT' } : answered(head),
    );
    socket.on('data', onData);
    socket.on('close', onClose);
    socket.write(
      `CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\nUser-Agent: agent-perimeter-probe\r\n\r\n`,
    );
  });
}

/** The first line of a proxy's refusal body, for reports. */
export function firstLine(body: string): string {
  const line = body.split('\n')[0]?.trim() ?? '';
  return line.length > 160 ? `${line.slice(0, 157)}...` : line;
}
