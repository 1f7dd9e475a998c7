// Saves what `agent-perimeter verify --aws-describe DIR` reads, with read-only AWS CLI calls:
//   npx tsx scripts/collect-aws-describe.ts DIR [--vpc vpc-...]... [--region R] [--profile P]
// Needs the AWS CLI v2 and credentials allowed to run ec2:Describe*, ec2:GetManagedPrefixListEntries,
// route53resolver:ListFirewall*, elasticloadbalancing:Describe* and ecs:List*/Describe*.
import { parseArgs } from 'node:util';
import { collectAwsDescribe } from '../lib/containment/aws-describe/collect.js';
import { messageOf } from '../lib/errors.js';

const { values, positionals } = parseArgs({
  options: {
    vpc: { type: 'string', multiple: true, default: [] },
    region: { type: 'string' },
    profile: { type: 'string' },
  },
  allowPositionals: true,
});
const [outDir] = positionals;
if (outDir === undefined || positionals.length > 1) {
  process.stderr.write(
    'Usage: npx tsx scripts/collect-aws-describe.ts DIR [--vpc vpc-...]... [--region R] [--profile P]\n',
  );
  process.exit(2);
}
try {
  const files = await collectAwsDescribe({
    outDir,
    vpcIds: values.vpc,
    ...(values.region === undefined ? {} : { region: values.region }),
    ...(values.profile === undefined ? {} : { profile: values.profile }),
    log: (line) => process.stdout.write(`${line}\n`),
  });
  process.stdout.write(
    `wrote ${files.length} files to ${outDir}; now run: npx agent-perimeter verify --aws-describe ${outDir}\n`,
  );
} catch (error) {
  process.stderr.write(`collect-aws-describe: ${messageOf(error)}\n`);
  process.exit(1);
}
