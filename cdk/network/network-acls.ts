import type { ISubnet, IVpc, NetworkAcl } from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
import { portRanges } from '../../lib/policy/index.js';
import { acknowledge } from '../nag.js';
import {
  createNetworkAcl,
  NACL_RULES_PER_DIRECTION,
  type NaclEntryPlan,
  planNaclEntries,
} from './nacl.js';
import { Tier, tagTier } from './tags.js';

export interface PerimeterNetworkAclsInput {
  readonly vpc: IVpc;
  readonly agentSubnets: readonly ISubnet[];
  readonly proxySubnets: readonly ISubnet[];
  readonly endpointSubnets: readonly ISubnet[];
  /** Ports agents may reach on the proxy subnets. */
  readonly proxyPorts: readonly number[];
  /**
   * Subnets of existing endpoints (`existingEndpoints.subnetCidrs`): agents reach them on 443;
   * no NACL of the perimeter is associated with them.
   * @default - none
   */
  readonly existingEndpointCidrs?: readonly string[];
}

export interface PerimeterNetworkAcls {
  readonly agent: NetworkAcl;
  readonly endpoint: NetworkAcl;
}

interface NaclPlan {
  egress: NaclEntryPlan[];
  ingress: NaclEntryPlan[];
}

/** The IPv4 CIDRs of `subnets`; fails when one is unknown (an imported VPC without them). */
function subnetCidrs(
  subnets: readonly ISubnet[],
  what: string,
  fail: (message: string) => never,
): string[] {
  return subnets.map((subnet) => {
    try {
      return subnet.ipv4CidrBlock;
    } catch {
      return fail(
        `the ${what} subnet ${subnet.subnetId} has no known IPv4 CIDR, which the network ACLs need. Fix: import the VPC with Vpc.fromLookup, or pass the *SubnetIpv4CidrBlocks to Vpc.fromVpcAttributes.`,
      );
    }
  });
}

/**
 * Plans the agent NACL (to the proxy on its ports, to the endpoints and outside the VPC on 443)
 * and the endpoint NACL (443 from agents and proxy).
 */
function planPerimeterNacls(
  input: PerimeterNetworkAclsInput,
  fail: (message: string) => never,
): { agent: NaclPlan; endpoint: NaclPlan } {
  const agentCidrs = subnetCidrs(input.agentSubnets, 'agent', fail);
  const proxyCidrs = subnetCidrs(input.proxySubnets, 'proxy', fail);
  const endpointCidrs = subnetCidrs(input.endpointSubnets, 'endpoint', fail);
  const https = [{ from: 443, to: 443 }];
  const endpointClients = [
    { cidrs: agentCidrs, ports: https },
    { cidrs: proxyCidrs, ports: https },
  ];
  const agent = planNaclEntries({
    connectsTo: [
      { cidrs: proxyCidrs, ports: portRanges(input.proxyPorts) },
      {
        cidrs: [...new Set([...endpointCidrs, ...(input.existingEndpointCidrs ?? [])])],
        ports: https,
      },
    ],
    acceptsFrom: [],
    outsideVpc: https,
    vpcCidr: input.vpc.vpcCidrBlock,
  });
  const endpoint = planNaclEntries({
    connectsTo: [],
    acceptsFrom: endpointClients,
    vpcCidr: input.vpc.vpcCidrBlock,
  });
  return { agent, endpoint };
}

/** Fails when a plan needs more rules in one direction than a NACL holds by default. */
function checkNaclRuleCount(what: string, plan: NaclPlan, fail: (message: string) => never): void {
  const most = Math.max(plan.egress.length, plan.ingress.length);
  if (most > NACL_RULES_PER_DIRECTION) {
    fail(
      `the ${what} subnets' network ACL needs ${most} rules in one direction, more than the ${NACL_RULES_PER_DIRECTION} a NACL holds by default (one rule per subnet and port range). Fix: use fewer Availability Zones, keep the proxy's listener ports consecutive, or raise the "Rules per network ACL" quota and use fewer zones until it applies.`,
    );
  }
}

/**
 * The NACLs of the agent subnets (`AgentNetworkAcl`) and of dedicated endpoint subnets
 * (`EndpointNetworkAcl`): a second layer under the security groups.
 */
export function createPerimeterNetworkAcls(
  scope: Construct,
  input: PerimeterNetworkAclsInput,
  fail: (message: string) => never,
): PerimeterNetworkAcls {
  const plans = planPerimeterNacls(input, fail);
  checkNaclRuleCount('agent', plans.agent, fail);
  checkNaclRuleCount('endpoint', plans.endpoint, fail);

  const agent = createNetworkAcl(
    scope,
    'AgentNetworkAcl',
    input.vpc,
    input.agentSubnets,
    plans.agent,
  );
  tagTier(agent, Tier.AGENT);
  acknowledge(
    agent,
    'AwsSolutions-VPC3',
    'Deliberate second layer under the security groups (control C4): agent subnets may send only to the proxy subnets on the proxy ports, to the endpoints on 443 and outside the VPC (S3 gateway route only) on 443, so one security group mistake cannot open a path.',
  );
  const endpoint = createNetworkAcl(
    scope,
    'EndpointNetworkAcl',
    input.vpc,
    input.endpointSubnets,
    plans.endpoint,
  );
  tagTier(endpoint, Tier.ENDPOINT);
  acknowledge(
    endpoint,
    'AwsSolutions-VPC3',
    'Deliberate second layer under the endpoint security groups (control C4): the endpoint subnets accept only 443 from the agent and proxy subnets and answer only them.',
  );
  return { agent, endpoint };
}
