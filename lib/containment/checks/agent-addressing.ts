import { subnetsPhrase } from '../analysis/routes.js';
import type { Scope } from '../analysis/scope.js';
import type { Finding } from '../model.js';
import type { Violation } from '../violations.js';

const PUBLIC =
  'so agents get public addresses, reachable from the internet and usable for egress wherever a route allows';
const IPV6 = 'IPv6 traffic is outside the IPv4 allowlists and ACLs the perimeter is built from';

/**
 * Public and IPv6 addressing of agents. A public address is a way in and (with any route
 * to a gateway) out; IPv6 escapes the IPv4-only ACLs and allowlists. Both are reported even
 * when no route uses them yet: the next route change would.
 */
export function agentAddressing({ ctx }: Scope): readonly Violation[] {
  const out: Violation[] = [];
  const seen = new Set<string>();
  const add = (
    f: Finding,
    channel: 'public-ip' | 'ipv6',
    subject: string,
    consequence: string,
    fix: string,
  ) => {
    const key = `${channel}\u0000${f.resource}\u0000${f.how}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(
      f.unresolved === true
        ? {
            resource: f.resource,
            channel: 'cannot-prove',
            explanation: `${subject}: ${f.how}, so it may be on (${consequence}). Fix: use a literal value, or declare the value trusted.`,
          }
        : {
            resource: f.resource,
            channel,
            explanation: `${subject}: ${f.how}, ${consequence}. Fix: ${f.fix ?? fix}`,
          },
    );
  };
  for (const a of ctx.agents) {
    const subnet = a.subnet === undefined ? undefined : ctx.subnets.get(a.subnet);
    const who = `${a.kind} ${a.resource}${subnet === undefined ? '' : ` in subnet ${subnet.resource}`}`;
    const agentSubnet = subnet === undefined ? '' : subnetsPhrase([subnet]);
    for (const f of subnet?.publicIpOnLaunch ?? []) {
      add(f, 'public-ip', agentSubnet, PUBLIC, 'turn public addressing off for agent subnets.');
    }
    for (const f of a.publicIp ?? []) {
      const holder =
        a.role === 'service'
          ? 'it holds a public address among the agents'
          : 'the agent gets a public address';
      add(
        f,
        'public-ip',
        who,
        `so ${holder}, a way in and out that bypasses the proxy`,
        'remove the public address.',
      );
    }
    for (const f of subnet?.ipv6 ?? []) {
      add(f, 'ipv6', agentSubnet, IPV6, 'keep agent subnets IPv4-only.');
    }
    for (const f of a.ipv6 ?? []) {
      add(f, 'ipv6', who, IPV6, 'give agents IPv4 addresses only.');
    }
  }
  return out;
}
