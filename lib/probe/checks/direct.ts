import { blocked, escaped, type Planned, type PlannedCheck, type ProbeContext } from '../check.js';
import { dnsId, udpPayload } from '../net/payloads.js';
import { ping } from '../net/ping.js';
import type { Endpoint } from '../targets.js';
import { dialDirectly, sendDirectly } from './direct-attempts.js';

/*
 * Direct paths, without the proxy: what a program that ignores HTTP(S)_PROXY would try. Any
 * answer from the far end is a way out (see ./direct-attempts.ts); so is an ICMP echo reply.
 */

function tcpCheck(ctx: ProbeContext, name: string, endpoint: Endpoint): PlannedCheck {
  return {
    name,
    target: endpoint.text,
    run: () =>
      dialDirectly(endpoint, ctx.targets.timeout_ms, {
        connected: 'connected directly, bypassing the proxy',
        reset:
          'a TCP reset came back: packets reach this address and answers return (a firewall that rejects instead of dropping also does this)',
      }),
  };
}

function udpCheck(ctx: ProbeContext, endpoint: Endpoint): PlannedCheck {
  return {
    name: 'direct-udp',
    target: endpoint.text,
    run: () =>
      sendDirectly(
        endpoint,
        udpPayload(endpoint.port, ctx.targets.denied_name, dnsId()),
        ctx.targets.timeout_ms,
        {
          answered: (answer) => `${answer.bytes} byte(s) came back over UDP`,
          unreachable:
            'an ICMP unreachable came back: datagrams reach this address and answers return',
        },
      ),
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
