import type { Scope } from '../analysis/scope.js';
import type { Violation } from '../violations.js';

/** An agent whose subnet the input does not define can have any route, ACL or addressing. */
export function agentSubnetsKnown({ ctx }: Scope): readonly Violation[] {
  return ctx.agents.flatMap((a) => {
    const { subnet } = ctx.placement(a);
    if (subnet?.unresolved === undefined || subnet.trusted === true) return [];
    return [
      {
        resource: a.resource,
        channel: 'cannot-prove' as const,
        explanation: `${a.kind} ${a.resource} runs in subnet ${subnet.resource}, which ${subnet.unresolved}, so its routes, ACL and addressing cannot be checked. Fix: use a subnet defined in this template, or declare the value trusted once the template that defines it is verified.`,
      },
    ];
  });
}
