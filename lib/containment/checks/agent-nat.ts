import { subnetsPhrase } from '../analysis/routes.js';
import type { Scope } from '../analysis/scope.js';
import type { Finding, Subnet } from '../model.js';
import type { Violation } from '../violations.js';

/**
 * Address translation serving a subnet with agents (Cloud NAT): the only thing between the
 * agents and the internet is then the absence of a route, one change away (C4, C17).
 */
export function agentNat({ ctx }: Scope): readonly Violation[] {
  const hits = new Map<string, { finding: Finding; subnet: Subnet; agents: Set<string> }>();
  for (const a of ctx.agents) {
    const subnet = a.subnet === undefined ? undefined : ctx.subnets.get(a.subnet);
    if (subnet === undefined || subnet.trusted === true) continue;
    for (const finding of subnet.nat ?? []) {
      const key = `${finding.resource}\u0000${subnet.id}`;
      const hit = hits.get(key) ?? { finding, subnet, agents: new Set<string>() };
      if (a.role !== 'slot') hit.agents.add(`${a.kind} ${a.resource}`);
      hits.set(key, hit);
    }
  }
  return [...hits.values()].map(({ finding, subnet, agents: names }) => {
    const who = names.size === 0 ? '' : ` (${[...names].sort().join(', ')})`;
    const what = `${finding.how}: it translates the traffic of ${subnetsPhrase([subnet])}${who} to public addresses`;
    return finding.unresolved === true
      ? {
          resource: finding.resource,
          channel: 'cannot-prove' as const,
          explanation: `${what}, or may. Fix: use literal values.`,
        }
      : {
          resource: finding.resource,
          channel: 'route-to-internet' as const,
          explanation: `${what}, so any route to the internet gateway that agents use (one change) takes them out without the proxy (C4, C17). Fix: ${finding.fix ?? 'serve only the proxy subnet.'}`,
        };
  });
}
