import { PLAN_PROJECT, PLAN_REGION } from '../../app/gcp-plan-placeholders.js';
import { GCP_AGENT_RUNTIMES } from '../../lib/contract/runtimes.js';
import { UserError } from '../../lib/errors.js';
import { withPeers } from '../../lib/peers.js';
import { type Command, defineCommand } from './command.js';
import { POLICY_OPTION } from './policy-arg.js';

const RUNTIMES: readonly string[] = GCP_AGENT_RUNTIMES;

/** Where the plan goes without --out. */
const DEFAULT_OUT = 'out/gcp-plan.json';

export const planGcpCommand: Command = defineCommand({
  name: 'plan-gcp',
  summary: 'Plan the GCP perimeter offline (Pulumi mocks) and write every resource as JSON.',
  usage: `Usage: agent-perimeter plan-gcp [--policy FILE] [--out FILE] [--project ID] [--region REGION]
                                [--agents ${RUNTIMES.join('|')}]

Runs the Pulumi program of the GCP perimeter (bin/pulumi-program.ts) under Pulumi's mocks,
without the Pulumi CLI or Google credentials, and writes every resource it would create
(type, name, inputs with outputs resolved, parent, dependencies) as JSON, sorted so that
plans diff cleanly. Prints a summary and any warning.

Options:
  --policy FILE      policy file (default: the embedded agent-perimeter.yaml)
  --out FILE         where to write the plan (default: ${DEFAULT_OUT})
  --project ID       GCP project to plan for (default: ${PLAN_PROJECT}, a placeholder)
  --region REGION    GCP region (default: ${PLAN_REGION})
  --agents RUNTIME   how agent profiles run: service (Cloud Run gen1, gVisor; default),
                     job (Cloud Run jobs, gen2), both, or none`,
  options: {
    ...POLICY_OPTION,
    out: { type: 'string', default: DEFAULT_OUT },
    project: { type: 'string' },
    region: { type: 'string' },
    agents: { type: 'string' },
  },
  async run({ values }, io) {
    if (values.agents !== undefined && !RUNTIMES.includes(values.agents)) {
      throw new UserError(
        `agent-perimeter plan-gcp: --agents "${values.agents}" is not one of ${RUNTIMES.join(', ')}.`,
      );
    }
    // Loaded on demand: the Pulumi SDKs take a moment to import and only this command needs them.
    const { writeGcpPlan } = await withPeers(
      ['gcp'],
      'plan-gcp',
      () => import('../../app/gcp-plan.js'),
    );
    const result = await writeGcpPlan({
      outFile: values.out,
      ...(values.policy === undefined ? {} : { policyFile: values.policy }),
      ...(values.project === undefined ? {} : { project: values.project }),
      ...(values.region === undefined ? {} : { region: values.region }),
      ...(values.agents === undefined ? {} : { config: { agentRuntime: values.agents } }),
    });
    io.out([`agent-perimeter plan-gcp: ${result.headline}`, ...result.summary].join('\n'));
    return 0;
  },
});
