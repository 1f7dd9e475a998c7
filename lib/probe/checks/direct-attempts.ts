import { blocked, escaped, type Verdict } from '../check.js';
import { describeCode } from '../net/errors.js';
import { dial } from '../net/tcp.js';
import { type UdpOutcome, udpExchange } from '../net/udp.js';
import type { Endpoint } from '../targets.js';

/*
 * How an attempt that bypasses the proxy is judged, for the direct paths (./direct.ts) and the
 * public resolvers (./dns.ts) alike. An answer of any kind from the far end counts as a way
 * out, a TCP reset and an ICMP unreachable included (packets got there and back); only
 * silence or a local "no route" is blocked. A firewall that rejects instead of dropping
 * therefore shows up as an escape: agent-perimeter's layers drop. The words of each verdict
 * are the caller's, so a report says what was reached.
 */

/** Opens a TCP connection to `endpoint` directly (and closes it at once). */
export async function dialDirectly(
  endpoint: Endpoint,
  timeoutMs: number,
  words: { readonly connected: string; readonly reset: string },
): Promise<Verdict> {
  const result = await dial(endpoint.address, endpoint.port, timeoutMs);
  if (result.ok) {
    result.socket.destroy();
    return escaped(words.connected);
  }
  if (result.code === 'ECONNREFUSED') return escaped(words.reset);
  return blocked(describeCode(result.code, timeoutMs));
}

/** Sends one datagram to `endpoint` directly and waits for one back. */
export async function sendDirectly(
  endpoint: Endpoint,
  payload: Buffer,
  timeoutMs: number,
  words: {
    readonly answered: (answer: UdpOutcome & { kind: 'answer' }) => string;
    readonly unreachable: string;
  },
): Promise<Verdict> {
  const result = await udpExchange(
    endpoint.address,
    endpoint.port,
    endpoint.family,
    payload,
    timeoutMs,
  );
  if (result.kind === 'answer') return escaped(words.answered(result));
  if (result.kind === 'silent') return blocked(`no answer within ${timeoutMs} ms`);
  if (result.code === 'ECONNREFUSED') return escaped(words.unreachable);
  return blocked(describeCode(result.code, timeoutMs));
}
