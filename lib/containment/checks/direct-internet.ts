import type { Scope } from '../analysis/scope.js';
import type { Violation } from '../violations.js';

/** Workloads that reach the internet without the network (a function outside any VPC). */
export function directInternet({ ctx }: Scope): readonly Violation[] {
  return ctx.agents.flatMap((a) =>
    (a.directInternet ?? []).map((f) => ({
      resource: f.resource,
      channel: 'route-to-internet' as const,
      explanation: `${a.kind} ${a.resource} is an agent but ${f.how}, so it reaches the internet directly and no route table, firewall group or proxy applies. Fix: ${f.fix ?? 'attach it to the agent subnets with the agent group.'}`,
    })),
  );
}
