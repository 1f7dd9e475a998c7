import * as dgram from 'node:dgram';
import { errorCode } from './errors.js';
import { settleOnce } from './settle.js';

export type UdpOutcome =
  | { readonly kind: 'answer'; readonly bytes: number; readonly data: Buffer }
  | { readonly kind: 'error'; readonly code: string }
  | { readonly kind: 'silent' };

/**
 * Sends one datagram to `address:port` from a connected socket and waits for one back. On a
 * connected socket an ICMP unreachable from the far side arrives as `ECONNREFUSED`; a local
 * "no route" as `ENETUNREACH`. Never rejects.
 */
export function udpExchange(
  address: string,
  port: number,
  family: 4 | 6,
  payload: Buffer,
  timeoutMs: number,
): Promise<UdpOutcome> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
    const { finish, deadline } = settleOnce<UdpOutcome>(resolve, () => socket.close());
    deadline(timeoutMs, () => ({ kind: 'silent' }));
    socket.on('error', (error) => finish({ kind: 'error', code: errorCode(error) }));
    socket.on('message', (data) => finish({ kind: 'answer', bytes: data.length, data }));
    // Node calls back with the error when the connect itself fails (e.g. no route).
    socket.connect(port, address, (...args: unknown[]) => {
      if (args[0] instanceof Error) {
        finish({ kind: 'error', code: errorCode(args[0]) });
        return;
      }
      socket.send(payload, (error) => {
        if (error) finish({ kind: 'error', code: errorCode(error) });
      });
    });
  });
}
