import { findId, idsOf, props, type TemplateJson, tierOf } from './containment-template.js';

export const ref = (id: string) => ({ Ref: id });
export const att = (id: string, attribute: string) => ({ 'Fn::GetAtt': [id, attribute] });

/** The ids of the perimeter's parts in the real template, found by type and tier tag. */
export function parts(t: TemplateJson) {
  const tiered = (type: string, tier: string) =>
    idsOf(t, type)
      .filter((id) => tierOf(t, id) === tier)
      .sort();
  const agentSubnets = tiered('AWS::EC2::Subnet', 'agent');
  const publicSubnets = tiered('AWS::EC2::Subnet', 'public');
  const tableOf = (subnet: string) => {
    const assoc = idsOf(t, 'AWS::EC2::SubnetRouteTableAssociation').find(
      (id) => (props(t, id).SubnetId as { Ref?: string }).Ref === subnet,
    );
    if (assoc === undefined) throw new Error(`no route table association for ${subnet}`);
    return { assoc, table: (props(t, assoc).RouteTableId as { Ref: string }).Ref };
  };
  const [agentSubnet = '', agentSubnet2 = ''] = agentSubnets;
  const [publicSubnet = ''] = publicSubnets;
  return {
    vpc: findId(t, 'AWS::EC2::VPC'),
    agentSubnet,
    agentSubnet2,
    agentSubnets,
    publicSubnet,
    agentTable: tableOf(agentSubnet).table,
    agentAssociation: tableOf(agentSubnet).assoc,
    publicTable: tableOf(publicSubnet).table,
    publicDefaultRoute: idsOf(t, 'AWS::EC2::Route').find(
      (id) => (props(t, id).RouteTableId as { Ref?: string }).Ref === tableOf(publicSubnet).table,
    ) as string,
    agentGroup: tiered('AWS::EC2::SecurityGroup', 'agent')[0] as string,
    loadBalancerGroup: findId(t, 'AWS::EC2::SecurityGroup', /LoadBalancerSecurityGroup/),
    proxyGroup: findId(t, 'AWS::EC2::SecurityGroup', /ProxySecurityGroup/),
    endpointGroup: findId(t, 'AWS::EC2::SecurityGroup', /^NetworkEndpointSecurityGroup/),
    agentAcl: tiered('AWS::EC2::NetworkAcl', 'agent')[0] as string,
    igw: findId(t, 'AWS::EC2::InternetGateway'),
    nat: findId(t, 'AWS::EC2::NatGateway'),
    dnsAssociation: findId(t, 'AWS::Route53Resolver::FirewallRuleGroupAssociation'),
    dnsRuleGroup: findId(t, 'AWS::Route53Resolver::FirewallRuleGroup'),
    s3Endpoint: idsOf(t, 'AWS::EC2::VPCEndpoint').find(
      (id) => (props(t, id).VpcEndpointType ?? 'Gateway') === 'Gateway',
    ) as string,
    ecrEndpoint: findId(t, 'AWS::EC2::VPCEndpoint', /EcrApi/),
    logsEndpoint: findId(t, 'AWS::EC2::VPCEndpoint', /Logs/),
    cluster: findId(t, 'AWS::ECS::Cluster'),
    proxyTaskDefinition: findId(t, 'AWS::ECS::TaskDefinition', /Proxy/),
    proxyService: findId(t, 'AWS::ECS::Service', /Proxy/),
    proxySubnet: tiered('AWS::EC2::Subnet', 'proxy')[0] as string,
    endpointSubnet: tiered('AWS::EC2::Subnet', 'endpoint')[0] as string,
    proxyTargetGroup: findId(t, 'AWS::ElasticLoadBalancingV2::TargetGroup', /3128/),
    loadBalancer: findId(t, 'AWS::ElasticLoadBalancingV2::LoadBalancer'),
    otherRole: findId(t, 'AWS::IAM::Role', /AuditDelivery/),
  };
}
