import type { CfnTemplate } from '../aws/template.js';
import { type TemplateReport, type VerifyOptions, verifyTemplate } from '../verify.js';
import { DESCRIBE_CALLS } from './files.js';
import { managedPrefixLists, writePrefixLists, writeSecurityGroups } from './groups.js';
import { writeNetworkAcls, writeRouteTables, writeSubnets, writeVpcs } from './network.js';
import { type DescribeSnapshot, readDescribeDir, str } from './read.js';
import { writeDnsFirewall, writeEndpoints, writeLoadBalancers } from './services.js';
import {
  taskDefinitionId,
  writeInterfaces,
  writeServices,
  writeTaskDefinitions,
} from './workloads.js';
import { TemplateWriter } from './writer.js';

export { DESCRIBE_CALLS, type DescribeCall, type DescribeKey } from './files.js';
export { type DescribeSnapshot, readDescribeDir } from './read.js';

/*
 * `agent-perimeter verify --aws-describe DIR`: what is deployed on AWS, read from the JSON of
 * `aws ec2 describe-*`, `aws route53resolver list-*`, `aws elbv2 describe-*` and
 * `aws ecs describe-*`, rewritten as the CloudFormation-shaped view the AWS adapter reads,
 * then proven by the same analysis as a synthesized template. No SDK, no credentials.
 */

/** Everything that other resources may reference by id, declared before any is written. */
function declareIds(w: TemplateWriter, s: DescribeSnapshot): void {
  const ids = (key: Parameters<DescribeSnapshot['items']>[0], field: string) =>
    s.items(key).map((o) => str(o, field));
  w.declare(ids('vpcs', 'VpcId'));
  w.declare(ids('subnets', 'SubnetId'));
  w.declare(ids('routeTables', 'RouteTableId'));
  w.declare(ids('networkAcls', 'NetworkAclId'));
  w.declare(ids('securityGroups', 'GroupId'));
  w.declare(ids('vpcEndpoints', 'VpcEndpointId'));
  w.declare(ids('networkInterfaces', 'NetworkInterfaceId'));
  w.declare(s.byResource('prefixListEntries').keys());
  w.declare(s.valuesByResource('firewallDomains').keys());
  w.declare(s.byResource('firewallRules').keys());
  w.declare(
    s.items('loadBalancers').map((lb) => {
      const name = str(lb, 'LoadBalancerName');
      return name === undefined ? undefined : `elb ${name}`;
    }),
  );
  w.declare(
    [...s.documents('ecsTaskDefinitions').values()].map((doc) => {
      const arn = str(
        doc.taskDefinition as Record<string, unknown> | undefined,
        'taskDefinitionArn',
      );
      return arn === undefined ? undefined : taskDefinitionId(arn);
    }),
  );
}

/** The snapshot as a CloudFormation-shaped template, and the AWS-managed prefix lists it names. */
export function describeToTemplate(s: DescribeSnapshot): {
  readonly template: CfnTemplate;
  readonly managedPrefixLists: Record<string, string>;
} {
  const w = new TemplateWriter();
  declareIds(w, s);
  writeVpcs(w, s);
  writeSubnets(w, s);
  writeRouteTables(w, s);
  writeNetworkAcls(w, s);
  writePrefixLists(w, s);
  writeSecurityGroups(w, s);
  writeEndpoints(w, s);
  writeDnsFirewall(w, s);
  writeLoadBalancers(w, s);
  writeTaskDefinitions(w, s);
  writeServices(w, s);
  writeInterfaces(w, s);
  return { template: w.template(), managedPrefixLists: managedPrefixLists(s) };
}

/** Verifies a snapshot directory (`name` is what messages call it). */
export function verifyAwsDescribe(
  dir: string,
  options: VerifyOptions = {},
  name = dir,
): TemplateReport {
  const { template, managedPrefixLists: managed } = describeToTemplate(readDescribeDir(dir, name));
  // A snapshot holds no task roles' tags or full task definitions: identities are proved on
  // the template (docs/containment.md).
  const report = verifyTemplate(template, name, {
    ...options,
    checkIdentities: false,
    managedPrefixLists: { ...managed, ...options.managedPrefixLists },
  });
  return { ...report, format: 'aws-describe' };
}

/** The AWS CLI commands of a snapshot, in the order the collector runs them. */
export const DESCRIBE_COMMANDS: readonly string[] = Object.values(DESCRIBE_CALLS).map(
  (c) => c.command,
);
