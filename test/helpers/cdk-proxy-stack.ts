import { App, type Environment, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import { acknowledge } from '../../cdk/nag.js';
import { ProxyTier, type ProxyTierProps } from '../../cdk/proxy-tier/index.js';
import type { Policy } from '../../lib/policy/index.js';
import { renderCheckedProxyConfig } from '../../proxy/index.js';

/** What the network construct would hand the proxy tier, built minimally for tests. */
export interface ProxyScaffolding {
  readonly stack: Stack;
  readonly vpc: ec2.Vpc;
  readonly securityGroup: ec2.SecurityGroup;
  readonly loadBalancerSecurityGroup: ec2.SecurityGroup;
  readonly logKey: kms.Key;
}

/**
 * TEST SCAFFOLDING: a two-AZ VPC with one isolated subnet group standing in for the proxy
 * subnets, two empty security groups and a rotating KMS key. The real network construct
 * (cdk/network/) owns these in an app; only the proxy tier is under test here.
 */
export function proxyScaffolding(env?: Environment): ProxyScaffolding {
  const app = new App();
  const stack = new Stack(app, 'ProxyTierTest', env === undefined ? {} : { env });
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    maxAzs: 2,
    natGateways: 0,
    subnetConfiguration: [{ name: 'proxy', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
  });
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
  const securityGroup = new ec2.SecurityGroup(stack, 'ProxyTasks', {
    vpc,
    allowAllOutbound: false,
  });
  const loadBalancerSecurityGroup = new ec2.SecurityGroup(stack, 'ProxyLoadBalancer', {
    vpc,
    allowAllOutbound: false,
  });
  const logKey = new kms.Key(stack, 'LogKey', { enableKeyRotation: true });
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
