import { blocked, escaped, type Planned, type PlannedCheck, type ProbeContext } from '../check.js';
import { describeCode } from '../net/errors.js';
import { dnsId, udpPayload } from '../net/payloads.js';
import { ping } from '../net/ping.js';
import { dial } from '../net/tcp.js';
import { udpExchange } from '../net/udp.js';
import type { Endpoint } from '../targets.js';

/*
 * Direct paths, without the proxy: what a program that ignores HTTP(S)_PROXY would try. An
 * answer of any kind from the far end counts as a way out, a TCP reset and an ICMP
 * unreachable included (packets got there and back); only silence or a local "no route" is
 * blocked. A firewall that rejects instead of dropping therefore shows up as an escape:
 * agent-perimeter's layers drop.
 */

function tcpCheck(ctx: ProbeContext, name: string, endpoint: Endpoint): PlannedCheck {
  const timeout = ctx.targets.timeout_ms;
  return {
    name,
    target: endpoint.text,
    run: async () => {
      const result = await dial(endpoint.address, endpoint.port, timeout);
      if (result.ok) {
        result.socket.destroy();
        return escaped('connected directly, bypassing the proxy');
      }
      if (result.code === 'ECONNREFUSED')
        return escaped(
          'a TCP reset came back: packets reach this address and answers return (a firewall that rejects instead of dropping also does this)',
        );
      return blocked(describeCode(result.code, timeout));
    },
  };
}

function udpCheck(ctx: ProbeContext, endpoint: Endpoint): PlannedCheck {
  const timeout = ctx.targets.timeout_ms;
  return {
    name: 'direct-udp',
    target: endpoint.text,
    run: async () => {
      const payload = udpPayload(endpoint.port, ctx.targets.denied_name, dnsId());
      const result = await udpExchange(
        endpoint.address,
        endpoint.port,
        endpoint.family,
        payload,
        timeout,
      );
      if (result.kind === 'answer') return escaped(`${result.bytes} byte(s) came back over UDP`);
      if (result.kind === 'silent') return blocked(`no answer within ${timeout} ms`);
      if (result.code === 'ECONNREFUSED')
        return escaped(
          'an ICMP unreachable came back: datagrams reach this address and answers return',
        );
      return blocked(describeCode(result.code, timeout));
    },
  };
}

/** The distinct hosts of the direct-dial targets, for ICMP. */
function icmpHosts(ctx: ProbeContext): Endpoint[] {
  const seen = new Set<string>();
  return [...ctx.targets.public_ipv4, ...ctx.targets.public_ipv6].filter((e) => {
    if (seen.has(e.address)) return false;
    seen.add(e.address);
    return true;
  });
}

export function directChecks(ctx: ProbeContext): Planned {
  const timeout = ctx.targets.timeout_ms;
  const checks: PlannedCheck[] = [
    ...ctx.targets.public_ipv4.map((e) => tcpCheck(ctx, 'direct-tcp-ipv4', e)),
    ...ctx.targets.public_ipv6.map((e) => tcpCheck(ctx, 'direct-tcp-ipv6', e)),
    ...ctx.targets.udp.map((e) => udpCheck(ctx, e)),
    ...icmpHosts(ctx).map((e) => ({
      name: 'icmp',
      target: e.address,
      run: async () => {
        const result = await ping(e.address, e.family, timeout);
        if (result.kind === 'reply') return escaped('an ICMP echo reply came back');
        if (result.kind === 'no-reply') return blocked(result.why);
        return { skip: result.why };
      },
    })),
  ];
  return { checks, skipped: [] };
}
