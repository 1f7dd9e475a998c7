import { relative } from 'node:path';
import { preparePolicy } from '../../app/prepare.js';
import { verifyAwsDescribe } from '../../lib/containment/aws-describe/index.js';
import {
  combine,
  formatReport,
  TemplateError,
  type VerifyOptions,
  verifyTemplateFiles,
} from '../../lib/containment/index.js';
import { CHANNEL_NAMES } from '../../lib/containment/violations.js';
import { UserError } from '../../lib/errors.js';
import { proxyPorts, withProfilePorts } from '../../lib/policy/index.js';
import { type Command, defineCommand } from './command.js';

/** `ID=SERVICE` pairs of `--prefix-list`, e.g. `pl-63a5400a=s3`. */
function prefixLists(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const value of values) {
    const m = /^(pl-[0-9a-f]+)=([a-z0-9.-]+)$/.exec(value);
    if (m === null) {
      throw new UserError(
        `agent-perimeter verify: --prefix-list "${value}" is not ID=SERVICE. Fix: e.g. --prefix-list pl-63a5400a=s3 (aws ec2 describe-managed-prefix-lists).`,
      );
    }
    out[m[1] as string] = m[2] as string;
  }
  return out;
}

/** What `--policy` fixes: the agent-facing ports, and the proxy image and config to expect. */
function fromPolicy(
  file: string,
): Pick<VerifyOptions, 'proxyPorts' | 'profilePorts' | 'expectedProxy'> {
  const { policy, expectedProxy } = preparePolicy(file);
  return {
    proxyPorts: [...proxyPorts(policy).agentFacing],
    ...withProfilePorts(policy),
    expectedProxy,
  };
}

export const verifyCommand: Command = defineCommand({
  name: 'verify',
  summary:
    'Prove agents reach only the proxy tier and endpoints, on AWS or GCP (exit 0 contained, 1 not).',
  usage: `Usage: agent-perimeter verify [FILE...] [--aws-describe DIR]... [--json]
                              [--trust-import NAME]... [--trust-parameter NAME]...
                              [--policy FILE] [--prefix-list ID=SERVICE]...

Reads synthesized CloudFormation templates (cdk.out/<stack>.template.json), GCP plans
(cdk.out/gcp-plan.json, \`agent-perimeter plan-gcp\`), the output of \`pulumi stack export\`
and AWS describe snapshots (--aws-describe; both are what is deployed; a snapshot holds the
JSON of the \`aws ec2 describe-*\`, \`route53resolver list-*\`, \`elbv2\` and \`ecs describe-*\`
calls that scripts/collect-aws-describe.ts saves), and proves that every agent attachment
(agent-tagged subnets and security groups, Cloud Run agents, the agent network tag, and
anything placed among them) can reach nothing but the proxy tier on its ports and the
endpoints (VPC endpoints, restricted.googleapis.com) on 443. Every other way out is printed,
one line each:

  VIOLATION <resource>: <channel>: <explanation>

Channels: ${CHANNEL_NAMES.join(', ')}.
See docs/containment.md.

Options:
  --aws-describe DIR      a describe snapshot of a deployed VPC (see above); repeatable
  --json                  print the report as JSON
  --trust-import NAME     assume Fn::ImportValue NAME (or a literal id NAME) opens no path,
                          e.g. once the exporting stack is verified; repeatable
  --trust-parameter NAME  assume parameter NAME (or a pseudo parameter such as AWS::Region)
                          opens no path, whatever its value: conditions on it are checked
                          both ways while that fits, else one way; repeatable
  --policy FILE           take the proxy's agent-facing ports from this policy instead of
                          the proxy load balancer's listeners (or forwarding rule ports),
                          and prove the proxy runs this policy's image and Envoy config
  --prefix-list ID=SVC    a literal prefix list id is the AWS-managed list of a service,
                          e.g. pl-63a5400a=s3; repeatable

Exit 0 when contained, 1 when a violation is found, 2 when a file cannot be read.`,
  options: {
    json: { type: 'boolean', default: false },
    'trust-import': { type: 'string', multiple: true, default: [] },
    'trust-parameter': { type: 'string', multiple: true, default: [] },
    // Not POLICY_OPTION: here a policy is only what to expect, and there is no default one.
    policy: { type: 'string' },
    'prefix-list': { type: 'string', multiple: true, default: [] },
    'aws-describe': { type: 'string', multiple: true, default: [] },
  },
  // The templates, plans and stack exports to verify.
  positionals: Number.POSITIVE_INFINITY,
  async run({ values, positionals }, io) {
    const snapshots = values['aws-describe'];
    if (positionals.length === 0 && snapshots.length === 0) {
      throw new UserError(
        'agent-perimeter verify: no template given. Fix: pass one or more files, e.g. `agent-perimeter verify cdk.out/AgentPerimeter-demo.template.json cdk.out/gcp-plan.json` (run `npm run synth` first), or a describe snapshot with --aws-describe DIR.',
      );
    }
    const options: VerifyOptions = {
      trustedImports: values['trust-import'],
      trustedParameters: values['trust-parameter'],
      managedPrefixLists: prefixLists(values['prefix-list']),
      ...(values.policy === undefined ? {} : fromPolicy(values.policy)),
    };
    const names = positionals.map((p) => relative(process.cwd(), p) || p);
    let report: ReturnType<typeof verifyTemplateFiles>;
    try {
      const files = verifyTemplateFiles(positionals, options, names);
      const deployed = snapshots.map((dir) =>
        verifyAwsDescribe(dir, options, relative(process.cwd(), dir) || dir),
      );
      report = combine([...files.templates, ...deployed]);
    } catch (error) {
      if (error instanceof TemplateError) throw new UserError(error.message, 2);
      throw error;
    }
    if (values.json) io.out(JSON.stringify(report, null, 2));
    else io.out(formatReport(report).join('\n'));
    return report.contained ? 0 : 1;
  },
});
