import { Token } from 'aws-cdk-lib';
import { GatewayVpcEndpointAwsService } from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
import { portRanges } from '../../lib/policy/index.js';
import { ManagedPrefixListLookup } from './s3-prefix-list.js';
import { SG_RULES_PER_DIRECTION } from './security-groups.js';

/**
 * The S3 managed prefix list the security groups use: the given id once checked, else a
 * deploy-time lookup (construct id `S3PrefixList`).
 */
export function resolveS3PrefixList(
  scope: Construct,
  given: string | undefined,
  fail: (message: string) => never,
): { id: string; lookup: ManagedPrefixListLookup | undefined } {
  if (given === undefined) {
    const lookup = new ManagedPrefixListLookup(
      scope,
      'S3PrefixList',
      GatewayVpcEndpointAwsService.S3.name,
    );
    return { id: lookup.prefixListId, lookup };
  }
  if (!Token.isUnresolved(given) && !/^pl-[0-9a-f]+$/.test(given)) {
    fail(
      `s3PrefixListId "${given}" is not a prefix list id. Fix: give the id of "com.amazonaws.<region>.s3" (aws ec2 describe-managed-prefix-lists), e.g. "pl-63a5400a", or leave it out to look it up at deploy time.`,
    );
  }
  return { id: given, lookup: undefined };
}

/** Fails when the proxy's outbound rules would not fit into one security group. */
export function checkUpstreamRuleCount(
  upstreamPorts: readonly number[],
  fail: (message: string) => never,
): void {
  const upstreamRuleCount = portRanges(upstreamPorts).length + 3;
  if (upstreamRuleCount > SG_RULES_PER_DIRECTION) {
    fail(
      `the policy's egress ports need ${upstreamRuleCount} outbound rules on the proxy security group, more than the ${SG_RULES_PER_DIRECTION} a security group holds. Fix: use fewer distinct ports (consecutive ports share a rule).`,
    );
  }
}
