import { Token } from 'aws-cdk-lib';
import { GatewayVpcEndpointAwsService } from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
import { nonInternalIpv4Cidrs, type ProxyUpstreams } from '../../lib/policy/index.js';
import { OTHER_PROXY_EGRESS_RULES, type ProxyEgressRule, planProxyEgress } from './proxy-egress.js';
import { type LookupLogs, ManagedPrefixListLookup } from './s3-prefix-list.js';
import { SG_RULES_PER_DIRECTION } from './security-groups.js';

/**
 * The S3 managed prefix list the security groups use: the given id once checked, else a
 * deploy-time lookup (construct id `S3PrefixList`).
 */
export function resolveS3PrefixList(
  scope: Construct,
  given: string | undefined,
  fail: (message: string) => never,
  logs: LookupLogs,
): { id: string; lookup: ManagedPrefixListLookup | undefined } {
  if (given === undefined) {
    const lookup = new ManagedPrefixListLookup(
      scope,
      'S3PrefixList',
      GatewayVpcEndpointAwsService.S3.name,
      logs,
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

/**
 * The proxy's outbound rules to upstreams, within one security group. Fails when they cannot
 * fit; warns (through `warn`) when the public ports had to share one range.
 */
export function planUpstreamRules(
  upstreams: ProxyUpstreams,
  fail: (message: string) => never,
  warn: (message: string) => void,
): readonly ProxyEgressRule[] {
  const budget = SG_RULES_PER_DIRECTION - OTHER_PROXY_EGRESS_RULES;
  const plan = planProxyEgress(upstreams, budget);
  if ('needed' in plan) {
    fail(
      `the policy's egress needs ${plan.needed} outbound rules on the proxy security group (public ports towards ${nonInternalIpv4Cidrs().length} address blocks outside the internal networks, plus one per internal range and port range), more than the ${budget} left in a security group of ${SG_RULES_PER_DIRECTION}. Fix: use fewer internal ranges in \`private\` lists, or fewer distinct port ranges.`,
    );
  }
  if (plan.collapsed) {
    const ports = upstreams.publicPorts.join(', ');
    warn(
      `the proxy security group opens every port from ${upstreams.publicPorts[0]} to ${upstreams.publicPorts.at(-1)} towards public addresses: one rule per listed port (${ports}) would not fit in a security group. Envoy still allows only the listed ports.`,
    );
  }
  return plan.rules;
}
