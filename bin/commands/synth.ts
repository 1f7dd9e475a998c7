import { resolve } from 'node:path';
import { prepareLoaded } from '../../app/prepare.js';
import { messageOf, UserError } from '../../lib/errors.js';
import { withPeers } from '../../lib/peers.js';
import { type Command, defineCommand } from './command.js';
import { POLICY_OPTION, policyFromArgs, printPolicyWarnings } from './policy-arg.js';

/** Where the cloud assembly and the other outputs go without --out. */
const DEFAULT_OUT = 'cdk.out';

export const synthCommand: Command = defineCommand({
  name: 'synth',
  summary: 'Synthesize the AWS stack from the policy, check it, and summarize.',
  usage: `Usage: agent-perimeter synth [--policy FILE] [--out DIR]

Builds the AWS CDK app from the policy (default: the embedded agent-perimeter.yaml), renders
and validates the Envoy config, synthesizes CloudFormation into DIR (default: ${DEFAULT_OUT}) with
the cdk-nag packs (AwsSolutions, NIST 800-53 R5, HIPAA Security, PCI DSS 3.2.1) and CDK's
CloudFormation validation, plans the GCP perimeter offline into DIR/gcp-plan.json (Pulumi
mocks, no CLI or credentials), and prints a summary. Exit 1 when a check fails.`,
  options: { ...POLICY_OPTION, out: { type: 'string', default: DEFAULT_OUT } },
  async run({ values }, io) {
    // Read here first so a bad policy fails as in check-policy, and its warnings come first.
    const { policy, source, file } = policyFromArgs(values.policy, undefined, 'synth');
    printPolicyWarnings(policy, source, io);
    const prepared = prepareLoaded(policy, file);
    // aws-cdk-lib and the Pulumi SDKs take seconds to load: only this command pays for them.
    const { synthesize, formatSynthReport } = await withPeers(
      ['aws', 'control-tower', 'gcp'],
      'synth',
      () => import('../../app/synth.js'),
    );
    let report: Awaited<ReturnType<typeof synthesize>>;
    try {
      report = await synthesize({ outdir: resolve(values.out), prepared });
    } catch (error) {
      if (error instanceof UserError) throw error;
      io.err(`synth failed: ${messageOf(error)}`);
      return 1;
    }
    io.out(formatSynthReport(report).join('\n'));
    return report.ok ? 0 : 1;
  },
});
