import type { Attachment } from '../model.js';
import type { Violation } from '../violations.js';
import type { ContainmentCheck } from './check.js';

/** Workloads that reach the internet without the network (a function outside any VPC). */
function checkDirectInternet(agents: readonly Attachment[]): Violation[] {
  return agents.flatMap((a) =>
    (a.directInternet ?? []).map((f) => ({
      resource: f.resource,
      channel: 'route-to-internet' as const,
      explanation: `${a.kind} ${a.resource} is an agent but ${f.how}, so it reaches the internet directly and no route table, firewall group or proxy applies. Fix: ${f.fix ?? 'attach it to the agent subnets with the agent group.'}`,
    })),
  );
}

export const directInternet: ContainmentCheck = {
  id: 'direct-internet',
  channels: ['route-to-internet'],
  description:
    'No agent workload reaches the internet without the network (a function outside any VPC).',
  check: ({ ctx }) => checkDirectInternet(ctx.agents),
};
