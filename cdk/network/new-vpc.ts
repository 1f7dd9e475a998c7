import { Stack } from 'aws-cdk-lib';
import { type CfnVPC, IpAddresses, type ISubnet, SubnetType, Vpc } from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
import {
  acknowledge,
  acknowledgeControlTower,
  CONTROL_TOWER_RULES,
  REGULATORY_PACK_NAMES,
} from '../nag.js';
import type { AgentNetworkProps } from './agent-network.js';

/** IPv4 range of a new VPC when `cidr` is not given. */
export const DEFAULT_VPC_CIDR = '10.64.0.0/16';
/** Availability Zones of a new VPC when `maxAzs` is not given. */
export const DEFAULT_MAX_AZS = 2;

const SUBNET_MASKS = { public: 26, proxy: 22, agents: 19, endpoints: 26 } as const;
const SUBNET_GROUPS = {
  public: 'Public',
  proxy: 'Proxy',
  agents: 'Agents',
  endpoints: 'Endpoints',
} as const;

export type NewVpcInput = Pick<
  AgentNetworkProps,
  'maxAzs' | 'cidr' | 'natGateways' | 'restrictDefaultSecurityGroup'
>;

/** A new VPC and its subnets, one group per tier. */
export interface NewVpc {
  readonly vpc: Vpc;
  readonly agents: ISubnet[];
  readonly proxy: ISubnet[];
  readonly endpoints: ISubnet[];
  readonly public: ISubnet[];
}

/** Checks the new-VPC options: zones, NAT gateways and a CIDR large enough for the layout. */
function checkNewVpcInput(
  input: NewVpcInput,
  fail: (message: string) => never,
): { maxAzs: number; natGateways: number; cidr: string } {
  const maxAzs = input.maxAzs ?? DEFAULT_MAX_AZS;
  if (!Number.isInteger(maxAzs) || maxAzs < 2) {
    fail(
      `maxAzs is ${maxAzs}, but the perimeter needs at least 2 Availability Zones so that agents and proxy survive a zone failure. Fix: set maxAzs to 2 or more, or leave it out.`,
    );
  }
  const natGateways = input.natGateways ?? maxAzs;
  if (!Number.isInteger(natGateways) || natGateways < 1 || natGateways > maxAzs) {
    fail(
      `natGateways is ${natGateways}; the proxy tier needs between 1 and maxAzs (${maxAzs}) NAT gateways. Fix: leave it out for one per zone, or set 1 to save cost.`,
    );
  }
  const cidr = input.cidr ?? DEFAULT_VPC_CIDR;
  const prefix = /^\d{1,3}(?:\.\d{1,3}){3}\/(\d{1,2})$/.exec(cidr)?.[1];
  if (prefix === undefined) {
    fail(`cidr "${cidr}" is not an IPv4 CIDR. Fix: use e.g. "${DEFAULT_VPC_CIDR}".`);
  }
  const perZone = Object.values(SUBNET_MASKS).reduce((sum, mask) => sum + 2 ** (32 - mask), 0);
  if (perZone * maxAzs > 2 ** (32 - Number(prefix))) {
    fail(
      `cidr "${cidr}" is too small for ${maxAzs} Availability Zones (each needs ${perZone} addresses). Fix: use a /17 for two zones or a /16 (the default, "${DEFAULT_VPC_CIDR}") for up to six.`,
    );
  }
  return { maxAzs, natGateways, cidr };
}

/**
 * A new VPC (construct id `Vpc`): public subnets for NAT only, then proxy, agent and endpoint
 * subnets.
 */
export function createNewVpc(
  scope: Construct,
  input: NewVpcInput,
  fail: (message: string) => never,
): NewVpc {
  const { maxAzs, natGateways, cidr } = checkNewVpcInput(input, fail);
  const vpc = new Vpc(scope, 'Vpc', {
    ipAddresses: IpAddresses.cidr(cidr),
    maxAzs,
    natGateways,
    natGatewaySubnets: { subnetGroupName: SUBNET_GROUPS.public },
    // The default security group allows everything between its members; strip its rules
    // (a Lambda-backed custom resource; a landing zone may close it by its own controls).
    restrictDefaultSecurityGroup: input.restrictDefaultSecurityGroup ?? true,
    subnetConfiguration: [
      {
        name: SUBNET_GROUPS.public,
        subnetType: SubnetType.PUBLIC,
        cidrMask: SUBNET_MASKS.public,
        // Only NAT gateways live here, and they use Elastic IPs.
        mapPublicIpOnLaunch: false,
      },
      {
        name: SUBNET_GROUPS.proxy,
        subnetType: SubnetType.PRIVATE_WITH_EGRESS,
        cidrMask: SUBNET_MASKS.proxy,
      },
      {
        name: SUBNET_GROUPS.agents,
        subnetType: SubnetType.PRIVATE_ISOLATED,
        cidrMask: SUBNET_MASKS.agents,
      },
      {
        name: SUBNET_GROUPS.endpoints,
        subnetType: SubnetType.PRIVATE_ISOLATED,
        cidrMask: SUBNET_MASKS.endpoints,
      },
    ],
  });
  for (const subnet of vpc.publicSubnets) {
    const route = subnet.node.findChild('DefaultRoute');
    for (const pack of REGULATORY_PACK_NAMES) {
      acknowledge(
        route,
        `${pack}-VPCNoUnrestrictedRouteToIGW`,
        'Public subnet that holds only a NAT gateway of the proxy tier, which needs this default route to the internet gateway. Nothing else runs here (no public IPs on launch), and the agent subnets have no route to it.',
      );
    }
  }
  const restrictProvider = Stack.of(scope).node.tryFindChild(
    'Custom::VpcRestrictDefaultSGCustomResourceProvider',
  );
  if (restrictProvider !== undefined) {
    acknowledgeControlTower(
      restrictProvider,
      CONTROL_TOWER_RULES.lambdaInVpc,
      "CDK's deploy-time custom resource that strips the default security group's rules through the EC2 API; inside this VPC it would need ec2.<region> opened from the perimeter. The landing-zone setting leaves the default group to the landing zone's own control instead.",
    );
  }
  if (input.restrictDefaultSecurityGroup === false) {
    for (const pack of REGULATORY_PACK_NAMES) {
      acknowledge(
        vpc.node.defaultChild as CfnVPC,
        `${pack}-VPCDefaultSecurityGroupClosed`,
        "Landing-zone setting: CDK closes the default security group only through a Lambda-backed custom resource, which a landing zone requiring Lambda functions in a VPC (CT.LAMBDA.PR.3) refuses; the landing zone's own control closes it (AWS Config vpc-default-security-group-closed with remediation, Security Hub EC2.2). No resource of the perimeter uses the default group, and the agent NACL and endpoint security groups do not admit it.",
      );
    }
  }
  const group = (name: string) => vpc.selectSubnets({ subnetGroupName: name }).subnets;
  return {
    vpc,
    agents: group(SUBNET_GROUPS.agents),
    proxy: group(SUBNET_GROUPS.proxy),
    endpoints: group(SUBNET_GROUPS.endpoints),
    public: group(SUBNET_GROUPS.public),
  };
}
