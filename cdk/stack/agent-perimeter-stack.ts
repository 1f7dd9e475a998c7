import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { imageRegistryDomains } from '../../lib/image-registry.js';
import type { JsonObject } from '../../lib/json.js';
import type { Policy } from '../../lib/policy/index.js';
import { AgentNetwork, type AgentNetworkProps } from '../network/index.js';
import { ProxyTier } from '../proxy-tier/index.js';

export interface AgentPerimeterStackProps extends StackProps {
  /** The validated policy (the single source of truth). */
  readonly policy: Policy;
  /**
   * The Envoy bootstrap rendered from `policy` and validated against Envoy's API
   * (`renderCheckedProxyConfig` in `proxy/`; `bin/cdk-app.ts` does this).
   */
  readonly envoyConfig: JsonObject;
  /**
   * Overrides for the network, e.g. an existing VPC and its subnets.
   * @default - a new VPC laid out by AgentNetwork
   */
  readonly network?: Omit<AgentNetworkProps, 'policy'>;
}

/**
 * The contained network and the Envoy proxy tier, from one policy. Agents placed in
 * `network.agentSubnets` with `network.agentSecurityGroup` can reach only the proxy.
 */
export class AgentPerimeterStack extends Stack {
  public readonly policy: Policy;
  public readonly network: AgentNetwork;
  public readonly proxy: ProxyTier;

  constructor(scope: Construct, id: string, props: AgentPerimeterStackProps) {
    super(scope, id, {
      description: `agent-perimeter "${props.policy.name}": contained agent network and Envoy egress proxy`,
      ...props,
    });
    this.policy = props.policy;
    const networkProps = props.network ?? {};
    this.network = new AgentNetwork(this, 'Network', {
      ...networkProps,
      policy: props.policy,
      extraDnsDomains: [
        ...imageRegistryDomains(props.policy.proxy.image),
        ...(networkProps.extraDnsDomains ?? []),
      ],
    });
    this.proxy = new ProxyTier(this, 'Proxy', {
      policy: props.policy,
      vpc: this.network.vpc,
      subnets: { subnets: this.network.proxySubnets },
      securityGroup: this.network.proxySecurityGroup,
      loadBalancerSecurityGroup: this.network.loadBalancerSecurityGroup,
      logKey: this.network.logKey,
      envoyConfig: props.envoyConfig,
    });

    new CfnOutput(this, 'ProxyAddress', {
      description: 'DNS name of the internal proxy load balancer',
      value: this.proxy.address,
    });
    new CfnOutput(this, 'AgentEnvironment', {
      description: 'Environment variables for agents (JSON); none is secret',
      value: this.toJsonString(this.proxy.agentEnvironment),
    });
    new CfnOutput(this, 'AgentSubnets', {
      description: 'Subnets to run agents in (no route out)',
      value: this.network.agentSubnets.map((s) => s.subnetId).join(','),
    });
    new CfnOutput(this, 'AgentSecurityGroup', {
      description: 'Security group for agents (egress only to the proxy and endpoints)',
      value: this.network.agentSecurityGroup.securityGroupId,
    });
  }
}
