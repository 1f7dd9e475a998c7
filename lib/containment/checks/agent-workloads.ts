import type { Scope } from '../analysis/scope.js';
import type { Attachment } from '../model.js';
import type { Violation } from '../violations.js';

/**
 * Everything that runs among the agents must wear the agent group: a workload in an agent
 * subnet with other groups is a neighbour the agents' rules do not describe, and an agent
 * (tagged, or sharing a host with one) outside the agent group follows rules nobody checked.
 * Interfaces of service endpoints are the exception. One violation per workload.
 */
export function agentWorkloads({ ctx }: Scope): readonly Violation[] {
  const out: Violation[] = [];
  const { group: groupWord, declaredAgent } = ctx.terms;
  const byResource = new Map<string, Attachment[]>();
  for (const a of ctx.agents) {
    if (a.role === 'slot' || ctx.hasAgentGroup(a) || a.endpoint !== undefined) continue;
    byResource.set(a.resource, [...(byResource.get(a.resource) ?? []), a]);
  }
  for (const [resource, list] of byResource) {
    const a = list[0] as Attachment;
    const groups = [...new Set(list.flatMap((x) => x.groups))].map((g) => ctx.groups.get(g));
    if (groups.some((g) => g?.trusted === true)) continue;
    const unresolved = groups.filter((g) => g?.unresolved !== undefined);
    if (unresolved.length > 0) {
      out.push({
        resource,
        channel: 'cannot-prove',
        explanation: `${a.kind} ${resource} runs among the agents with ${groupWord} ${unresolved.map((g) => `${g?.resource}, which ${g?.unresolved}`).join('; ')}; so neither its membership in the agent group nor its rules can be checked. Fix: reference the agent ${groupWord} defined in this template.`,
      });
      continue;
    }
    const subnets = list
      .map((x) => (x.subnet === undefined ? undefined : ctx.subnets.get(x.subnet)))
      .filter((s) => s !== undefined);
    const agentSubnets = subnets.filter((s) => s.tier === 'agent').map((s) => s.resource);
    const names = groups.map((g) => g?.resource).filter((n) => n !== undefined);
    const has = names.length === 0 ? `no ${groupWord}` : `${groupWord} ${names.join(', ')}`;
    const why =
      agentSubnets.length > 0
        ? `runs in agent subnet ${agentSubnets.join(', ')} with ${has} and not the agent ${groupWord}: it is another tenant next to the agents, and its own rules decide where it can go`
        : list.some((x) => x.tier === 'agent')
          ? `runs an agent (${declaredAgent}) with ${has} and not the agent ${groupWord}, so its traffic follows rules the perimeter does not control`
          : `shares a host with an agent but has an interface${subnets.length === 0 ? '' : ` in subnet ${subnets.map((s) => s.resource).join(', ')}`} with ${has} and not the agent ${groupWord}`;
    out.push({
      resource,
      channel: 'unprotected-workload',
      explanation: `${a.kind} ${resource} ${why}. Fix: give it the agent ${groupWord} (and only that), or move it out of the agent subnets.`,
    });
  }
  return out;
}
