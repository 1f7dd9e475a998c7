import type { Environment, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { acknowledge } from '../../cdk/nag.js';
import { ProxyTier, type ProxyTierProps } from '../../cdk/proxy-tier/index.js';
import type { Policy } from '../../lib/policy/index.js';
import { renderCheckedProxyConfig } from '../../proxy/index.js';
import { closedSecurityGroup, isolatedStack } from './cdk-isolated-stack.js';

/** What the network construct would hand the proxy tier, built minimally for tests. */
export interface ProxyScaffolding {
  readonly stack: Stack;
  readonly vpc: ec2.Vpc;
  readonly securityGroup: ec2.SecurityGroup;
  readonly loadBalancerSecurityGroup: ec2.SecurityGroup;
  readonly logKey: kms.Key;
}

/**
 * TEST SCAFFOLDING: an isolated stack whose one subnet group stands in for the proxy subnets,
 * with two empty security groups, and the nag findings of a stand-in VPC acknowledged. The real
 * network construct (cdk/network/) owns these in an app; only the proxy tier is under test here.
 */
export function proxyScaffolding(env?: Environment): ProxyScaffolding {
  const { stack, vpc, logKey } = isolatedStack('ProxyTierTest', 'proxy', env);
  const cfnVpc = vpc.node.defaultChild as ec2.CfnVPC;
  const flowLogs =
    'Test scaffolding only: a stand-in VPC for the proxy tier unit test, never deployed. The real network construct enables flow logs.';
  const defaultSg =
    'Test scaffolding only: a stand-in VPC for the proxy tier unit test, never deployed. The real network construct restricts the default security group.';
  acknowledge(cfnVpc, 'AwsSolutions-VPC7', flowLogs);
  for (const pack of ['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321']) {
    acknowledge(cfnVpc, `${pack}-VPCFlowLogsEnabled`, flowLogs);
    acknowledge(cfnVpc, `${pack}-VPCDefaultSecurityGroupClosed`, defaultSg);
  }
  const securityGroup = closedSecurityGroup(stack, 'ProxyTasks', vpc);
  const loadBalancerSecurityGroup = closedSecurityGroup(stack, 'ProxyLoadBalancer', vpc);
  return { stack, vpc, securityGroup, loadBalancerSecurityGroup, logKey };
}

export interface SynthesizedProxyTier extends ProxyScaffolding {
  readonly tier: ProxyTier;
  readonly template: Template;
}

/** Builds the proxy tier for `policy` on fresh scaffolding and synthesizes it once. */
export function synthProxyTier(
  policy: Policy,
  props: Partial<Omit<ProxyTierProps, 'policy'>> = {},
): SynthesizedProxyTier {
  const scaffolding = proxyScaffolding();
  const tier = buildProxyTier(scaffolding, policy, props);
  return { ...scaffolding, tier, template: Template.fromStack(scaffolding.stack) };
}

/** The proxy tier on existing scaffolding, without synthesizing (for constructor errors). */
export function buildProxyTier(
  scaffolding: ProxyScaffolding,
  policy: Policy,
  props: Partial<Omit<ProxyTierProps, 'policy'>> = {},
): ProxyTier {
  return new ProxyTier(scaffolding.stack, 'Proxy', {
    policy,
    vpc: scaffolding.vpc,
    subnets: { subnetGroupName: 'proxy' },
    securityGroup: scaffolding.securityGroup,
    loadBalancerSecurityGroup: scaffolding.loadBalancerSecurityGroup,
    logKey: scaffolding.logKey,
    envoyConfig: renderCheckedProxyConfig(policy),
    ...props,
  });
}
