import { SubnetType, Vpc, type VpcAttributes } from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
import type { AgentNetworkProps } from '../../cdk/network/index.js';

/**
 * A landing zone's VPC as the tests import it: two zones, private subnets with a NAT route for
 * the proxy, isolated 'Agents' and 'Endpoints' groups. Ids and ranges are invented.
 */
export const LANDING_ZONE_VPC: VpcAttributes = {
  vpcId: 'vpc-0123456789abcdef0',
  vpcCidrBlock: '10.1.0.0/16',
  availabilityZones: ['eu-west-1a', 'eu-west-1b'],
  privateSubnetIds: ['subnet-proxy1', 'subnet-proxy2'],
  privateSubnetIpv4CidrBlocks: ['10.1.0.0/24', '10.1.1.0/24'],
  privateSubnetRouteTableIds: ['rtb-proxy1', 'rtb-proxy2'],
  isolatedSubnetIds: ['subnet-agent1', 'subnet-agent2', 'subnet-endpoint1', 'subnet-endpoint2'],
  isolatedSubnetNames: ['Agents', 'Endpoints'],
  isolatedSubnetIpv4CidrBlocks: ['10.1.8.0/21', '10.1.16.0/21', '10.1.32.0/28', '10.1.32.16/28'],
  isolatedSubnetRouteTableIds: ['rtb-agent1', 'rtb-agent2', 'rtb-endpoint1', 'rtb-endpoint2'],
};

/** The network props that place a perimeter in that VPC, imported into `scope` as 'Imported'. */
export function inLandingZoneVpc(
  scope: Construct,
): Required<
  Pick<
    AgentNetworkProps,
    'vpc' | 'agentSubnets' | 'proxySubnets' | 'endpointSubnets' | 'acceptVpcWideDnsFirewall'
  >
> {
  return {
    vpc: Vpc.fromVpcAttributes(scope, 'Imported', LANDING_ZONE_VPC),
    agentSubnets: { subnetGroupName: 'Agents' },
    proxySubnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS },
    endpointSubnets: { subnetGroupName: 'Endpoints' },
    acceptVpcWideDnsFirewall: true,
  };
}
