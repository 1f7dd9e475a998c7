import * as net from 'node:net';
import { errorCode } from './errors.js';

export type Dialled =
  | { readonly ok: true; readonly socket: net.Socket }
  | { readonly ok: false; readonly code: string };

/**
 * Opens a TCP connection; never rejects. A connection that neither opens nor fails within
 * `timeoutMs` is `ETIMEDOUT` (a firewall that drops).
 */
export function dial(host: string, port: number, timeoutMs: number): Promise<Dialled> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ ok: false, code: 'ETIMEDOUT' });
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      socket.on('error', () => {});
      resolve({ ok: true, socket });
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ ok: false, code: errorCode(error) });
    });
  });
}

/** `host:port`, with IPv6 literals in brackets. */
export function authority(host: string, port: number): string {
  return net.isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}
