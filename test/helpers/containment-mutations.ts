import type { Channel } from '../../lib/containment/index.js';
import { PROXY_CONFIG_DIGEST_ENV } from '../../lib/contract/proxy-identity.js';
import { findId, idsOf, props, type TemplateJson, tierOf } from './containment-template.js';

/** One planted escape: how to plant it, and what the verifier must say. */
export interface Mutation {
  readonly name: string;
  /** Changes the template in place; returns the resource the violation must name. */
  readonly plant: (t: TemplateJson) => string;
  readonly channel: Channel;
  /** Verifier options for this case (e.g. trusted imports). */
  readonly options?: {
    trustedImports?: string[];
    proxyPorts?: number[];
    profilePorts?: Record<string, number[]>;
  };
}

/** The proxy container of the proxy task definition, for in-place edits. */
function proxyContainer(t: TemplateJson): Record<string, unknown> {
  const defs = props(t, parts(t).proxyTaskDefinition).ContainerDefinitions as Record<
    string,
    unknown
  >[];
  return defs[0] as Record<string, unknown>;
}

/**
 * Turns the proxy container into the S3 delivery form (a config too large to pass inline): the
 * launcher fetches the object and checks it against `digest`, pinned in its environment.
 */
export function fetchedConfig(t: TemplateJson, digest: string, fetch = true): void {
  const c = proxyContainer(t);
  const command = c.Command as string[];
  const at = command.indexOf('--config-yaml');
  command.splice(at, 2, '--config-path', '/dev/fd/9');
  if (fetch) command.unshift('--config-s3', 'https://b.s3.eu-west-1.amazonaws.com/k.json');
  c.Environment = [{ Name: PROXY_CONFIG_DIGEST_ENV, Value: digest }];
}

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

function add(
  t: TemplateJson,
  id: string,
  Type: string,
  Properties: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): string {
  t.Resources[id] = { Type, Properties, ...extra };
  return id;
}

function route(
  t: TemplateJson,
  id: string,
  table: unknown,
  target: Record<string, unknown>,
  destination: Record<string, unknown> = { DestinationCidrBlock: '0.0.0.0/0' },
): string {
  return add(t, id, 'AWS::EC2::Route', { RouteTableId: table, ...destination, ...target });
}

function agentService(
  t: TemplateJson,
  id: string,
  network: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): string {
  const p = parts(t);
  return add(t, id, 'AWS::ECS::Service', {
    Cluster: ref(p.cluster),
    TaskDefinition: ref(p.proxyTaskDefinition),
    LaunchType: 'FARGATE',
    NetworkConfiguration: { AwsvpcConfiguration: { AssignPublicIp: 'DISABLED', ...network } },
    ...extra,
  });
}

function agentEgress(t: TemplateJson, id: string, rule: Record<string, unknown>): string {
  return add(t, id, 'AWS::EC2::SecurityGroupEgress', {
    GroupId: att(parts(t).agentGroup, 'GroupId'),
    ...rule,
  });
}

function ruleGroupRules(t: TemplateJson): Record<string, unknown>[] {
  return props(t, parts(t).dnsRuleGroup).FirewallRules as Record<string, unknown>[];
}

/** The planted escapes, one per case; each must be reported with its channel on its resource. */
export const MUTATIONS: readonly Mutation[] = [
  // --- routes -------------------------------------------------------------------------------
  {
    name: 'default route to the internet gateway',
    channel: 'route-to-internet',
    plant: (t) =>
      route(t, 'EscapeIgwRoute', ref(parts(t).agentTable), { GatewayId: ref(parts(t).igw) }),
  },
  {
    name: 'default route to a NAT gateway',
    channel: 'route-to-internet',
    plant: (t) =>
      route(t, 'EscapeNatRoute', ref(parts(t).agentTable), { NatGatewayId: ref(parts(t).nat) }),
  },
  {
    name: 'specific route to a transit gateway (literal id)',
    channel: 'route-to-internet',
    plant: (t) =>
      route(
        t,
        'EscapeTgwRoute',
        ref(parts(t).agentTable),
        { TransitGatewayId: 'tgw-0123456789abcdef0' },
        { DestinationCidrBlock: '10.0.0.0/8' },
      ),
  },
  {
    name: 'route to a VPC peering connection',
    channel: 'route-to-internet',
    plant: (t) => {
      add(t, 'EscapePeering', 'AWS::EC2::VPCPeeringConnection', {
        VpcId: ref(parts(t).vpc),
        PeerVpcId: 'vpc-0abc',
        PeerOwnerId: '111122223333',
      });
      return route(
        t,
        'EscapePeeringRoute',
        ref(parts(t).agentTable),
        { VpcPeeringConnectionId: ref('EscapePeering') },
        { DestinationCidrBlock: '172.16.0.0/12' },
      );
    },
  },
  {
    name: 'route to a virtual private gateway',
    channel: 'route-to-internet',
    plant: (t) => {
      add(t, 'EscapeVgw', 'AWS::EC2::VPNGateway', { Type: 'ipsec.1' });
      return route(
        t,
        'EscapeVgwRoute',
        ref(parts(t).agentTable),
        { GatewayId: ref('EscapeVgw') },
        { DestinationCidrBlock: '192.168.0.0/16' },
      );
    },
  },
  {
    name: 'IPv6 default route to an egress-only internet gateway',
    channel: 'route-to-internet',
    plant: (t) => {
      add(t, 'EscapeEigw', 'AWS::EC2::EgressOnlyInternetGateway', { VpcId: ref(parts(t).vpc) });
      return route(
        t,
        'EscapeEigwRoute',
        ref(parts(t).agentTable),
        { EgressOnlyInternetGatewayId: ref('EscapeEigw') },
        { DestinationIpv6CidrBlock: '::/0' },
      );
    },
  },
  {
    name: 'default route to an instance (NAT instance)',
    channel: 'route-to-internet',
    plant: (t) => {
      add(t, 'EscapeNatInstance', 'AWS::EC2::Instance', {
        ImageId: 'ami-0abc',
        SubnetId: ref(parts(t).publicSubnet),
        SourceDestCheck: false,
      });
      return route(t, 'EscapeInstanceRoute', ref(parts(t).agentTable), {
        InstanceId: ref('EscapeNatInstance'),
      });
    },
  },
  {
    name: 'more specific than local: a VPC range to a network interface (middlebox)',
    channel: 'route-to-internet',
    plant: (t) => {
      add(t, 'EscapeEni', 'AWS::EC2::NetworkInterface', { SubnetId: ref(parts(t).publicSubnet) });
      return route(
        t,
        'EscapeEniRoute',
        ref(parts(t).agentTable),
        { NetworkInterfaceId: ref('EscapeEni') },
        { DestinationCidrBlock: '10.64.4.0/24' },
      );
    },
  },
  {
    name: 'a new route table association moves an agent subnet onto the public route table',
    channel: 'route-to-internet',
    plant: (t) => {
      const p = parts(t);
      props(t, p.agentAssociation).RouteTableId = ref(p.publicTable);
      return p.publicDefaultRoute;
    },
  },
  {
    name: 'VPN route propagation into an agent route table',
    channel: 'route-to-internet',
    plant: (t) => {
      add(t, 'EscapeVgw2', 'AWS::EC2::VPNGateway', { Type: 'ipsec.1' });
      return add(t, 'EscapePropagation', 'AWS::EC2::VPNGatewayRoutePropagation', {
        RouteTableIds: [ref(parts(t).agentTable)],
        VpnGatewayId: ref('EscapeVgw2'),
      });
    },
  },
  // --- routes hidden behind intrinsics --------------------------------------------------------
  {
    name: 'route hidden behind Fn::If on a parameter-driven condition',
    channel: 'route-to-internet',
    plant: (t) => {
      t.Parameters = { ...t.Parameters, Stage: { Type: 'String', Default: 'dev' } };
      t.Conditions = { ...t.Conditions, IsProd: { 'Fn::Equals': [ref('Stage'), 'prod'] } };
      return route(t, 'EscapeIfRoute', ref(parts(t).agentTable), {
        GatewayId: { 'Fn::If': ['IsProd', ref(parts(t).igw), { Ref: 'AWS::NoValue' }] },
        NatGatewayId: { 'Fn::If': ['IsProd', { Ref: 'AWS::NoValue' }, ref(parts(t).nat)] },
      });
    },
  },
  {
    name: 'route hidden behind Fn::Select over Fn::Split of Fn::Join',
    channel: 'route-to-internet',
    plant: (t) => {
      const p = parts(t);
      return route(
        t,
        'EscapeSelectRoute',
        { 'Fn::Select': [0, [ref(p.agentTable), ref(p.publicTable)]] },
        {
          GatewayId: {
            'Fn::Select': [
              1,
              { 'Fn::Split': [',', { 'Fn::Join': [',', [ref(p.nat), ref(p.igw)]] }] },
            ],
          },
        },
      );
    },
  },
  {
    name: 'route hidden behind Fn::GetAtt and a conditional resource',
    channel: 'route-to-internet',
    plant: (t) => {
      t.Conditions = {
        ...t.Conditions,
        InOddRegion: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'xx-none-1'] },
      };
      route(t, 'EscapeGetAttRoute', att(parts(t).agentTable, 'RouteTableId'), {
        GatewayId: att(parts(t).igw, 'InternetGatewayId'),
      });
      (t.Resources.EscapeGetAttRoute as { Condition?: string }).Condition = 'InOddRegion';
      return 'EscapeGetAttRoute';
    },
  },
  // --- public addressing ----------------------------------------------------------------------
  {
    name: 'agent subnet maps public IPs on launch',
    channel: 'public-ip',
    plant: (t) => {
      const s = parts(t).agentSubnet;
      props(t, s).MapPublicIpOnLaunch = true;
      return s;
    },
  },
  {
    name: 'ECS service in agent subnets with AssignPublicIp ENABLED',
    channel: 'public-ip',
    plant: (t) => {
      const p = parts(t);
      return agentService(t, 'EscapePublicService', {
        AssignPublicIp: 'ENABLED',
        Subnets: p.agentSubnets.map(ref),
        SecurityGroups: [att(p.agentGroup, 'GroupId')],
      });
    },
  },
  {
    name: 'Elastic IP associated with an agent network interface',
    channel: 'public-ip',
    plant: (t) => {
      const p = parts(t);
      add(t, 'AgentEni', 'AWS::EC2::NetworkInterface', {
        SubnetId: ref(p.agentSubnet),
        GroupSet: [att(p.agentGroup, 'GroupId')],
      });
      add(t, 'EscapeEip', 'AWS::EC2::EIP', { Domain: 'vpc' });
      return add(t, 'EscapeEipAssociation', 'AWS::EC2::EIPAssociation', {
        AllocationId: att('EscapeEip', 'AllocationId'),
        NetworkInterfaceId: ref('AgentEni'),
      });
    },
  },
  {
    name: 'launch template with the agent group asks for a public IP',
    channel: 'public-ip',
    plant: (t) =>
      add(t, 'EscapeLaunchTemplate', 'AWS::EC2::LaunchTemplate', {
        LaunchTemplateData: {
          NetworkInterfaces: [
            {
              DeviceIndex: 0,
              AssociatePublicIpAddress: true,
              Groups: [att(parts(t).agentGroup, 'GroupId')],
            },
          ],
        },
      }),
  },
  {
    name: 'EventBridge-scheduled agent task with a public IP (a type without its own reader)',
    channel: 'public-ip',
    plant: (t) => {
      const p = parts(t);
      return add(t, 'EscapeSchedule', 'AWS::Events::Rule', {
        ScheduleExpression: 'rate(1 hour)',
        Targets: [
          {
            Id: 'agent',
            Arn: att(p.cluster, 'Arn'),
            EcsParameters: {
              TaskDefinitionArn: ref(p.proxyTaskDefinition),
              LaunchType: 'FARGATE',
              NetworkConfiguration: {
                AwsVpcConfiguration: {
                  AssignPublicIp: 'ENABLED',
                  Subnets: p.agentSubnets.map(ref),
                  SecurityGroups: [att(p.agentGroup, 'GroupId')],
                },
              },
            },
          },
        ],
      });
    },
  },
  // --- IPv6 -----------------------------------------------------------------------------------
  {
    name: 'IPv6 block on an agent subnet',
    channel: 'ipv6',
    plant: (t) => {
      const s = parts(t).agentSubnet;
      props(t, s).Ipv6CidrBlock = '2600:1f18:abcd:1200::/64';
      return s;
    },
  },
  {
    name: 'AssignIpv6AddressOnCreation on an agent subnet',
    channel: 'ipv6',
    plant: (t) => {
      const s = parts(t).agentSubnet2;
      props(t, s).AssignIpv6AddressOnCreation = 'true';
      return s;
    },
  },
  {
    name: 'agent network interface with IPv6 addresses',
    channel: 'ipv6',
    plant: (t) => {
      const p = parts(t);
      return add(t, 'EscapeIpv6Eni', 'AWS::EC2::NetworkInterface', {
        SubnetId: ref(p.agentSubnet),
        GroupSet: [att(p.agentGroup, 'GroupId')],
        Ipv6AddressCount: 1,
      });
    },
  },
  // --- security group egress ------------------------------------------------------------------
  {
    name: 'agent group egress -1 to 0.0.0.0/0 (inline)',
    channel: 'sg-egress',
    plant: (t) => {
      const g = parts(t).agentGroup;
      (props(t, g).SecurityGroupEgress as unknown[]).push({
        IpProtocol: '-1',
        CidrIp: '0.0.0.0/0',
      });
      return g;
    },
  },
  {
    name: 'agent group egress tcp 443 to 0.0.0.0/0',
    channel: 'sg-egress',
    plant: (t) =>
      agentEgress(t, 'EscapeHttpsEgress', {
        IpProtocol: 'tcp',
        FromPort: 443,
        ToPort: 443,
        CidrIp: '0.0.0.0/0',
      }),
  },
  {
    name: 'agent group egress to ::/0',
    channel: 'sg-egress',
    plant: (t) =>
      agentEgress(t, 'EscapeIpv6Egress', {
        IpProtocol: 'tcp',
        FromPort: 443,
        ToPort: 443,
        CidrIpv6: '::/0',
      }),
  },
  {
    name: 'agent group egress udp 53 to a public resolver',
    channel: 'sg-egress',
    plant: (t) =>
      agentEgress(t, 'EscapeDnsEgress', {
        IpProtocol: 'udp',
        FromPort: 53,
        ToPort: 53,
        CidrIp: '8.8.8.8/32',
      }),
  },
  {
    name: 'wide port range to the proxy load balancer group',
    channel: 'sg-egress',
    plant: (t) =>
      agentEgress(t, 'EscapeWidePorts', {
        IpProtocol: 'tcp',
        FromPort: 0,
        ToPort: 65535,
        DestinationSecurityGroupId: att(parts(t).loadBalancerGroup, 'GroupId'),
      }),
  },
  {
    name: 'prefix-list egress other than S3',
    channel: 'sg-egress',
    plant: (t) =>
      agentEgress(t, 'EscapePrefixList', {
        IpProtocol: 'tcp',
        FromPort: 443,
        ToPort: 443,
        DestinationPrefixListId: 'pl-0123456789abcdef0',
      }),
  },
  {
    name: 'customer-managed prefix list that holds 0.0.0.0/0',
    channel: 'sg-egress',
    plant: (t) => {
      add(t, 'EscapeList', 'AWS::EC2::PrefixList', {
        AddressFamily: 'IPv4',
        MaxEntries: 1,
        PrefixListName: 'x',
        Entries: [{ Cidr: '0.0.0.0/0' }],
      });
      return agentEgress(t, 'EscapeListEgress', {
        IpProtocol: 'tcp',
        FromPort: 443,
        ToPort: 443,
        DestinationPrefixListId: att('EscapeList', 'PrefixListId'),
      });
    },
  },
  {
    name: 'group reference to an untagged security group',
    channel: 'sg-egress',
    plant: (t) => {
      add(t, 'EscapeOtherGroup', 'AWS::EC2::SecurityGroup', {
        GroupDescription: 'x',
        VpcId: ref(parts(t).vpc),
        SecurityGroupEgress: [
          { IpProtocol: 'icmp', FromPort: 252, ToPort: 86, CidrIp: '255.255.255.255/32' },
        ],
      });
      return agentEgress(t, 'EscapeGroupEgress', {
        IpProtocol: 'tcp',
        FromPort: 443,
        ToPort: 443,
        DestinationSecurityGroupId: att('EscapeOtherGroup', 'GroupId'),
      });
    },
  },
  {
    name: 'CIDR hidden behind Fn::Sub',
    channel: 'sg-egress',
    plant: (t) =>
      agentEgress(t, 'EscapeSubEgress', {
        IpProtocol: 'tcp',
        FromPort: 80,
        ToPort: 80,
        // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax
        CidrIp: { 'Fn::Sub': ['0.0.0.0/${Bits}', { Bits: '0' }] },
      }),
  },
  {
    name: 'second group on an agent with EC2 default allow-all egress',
    channel: 'sg-egress',
    plant: (t) => {
      const p = parts(t);
      add(t, 'EscapeDefaultEgressGroup', 'AWS::EC2::SecurityGroup', {
        GroupDescription: 'no egress rules given',
        VpcId: ref(p.vpc),
      });
      agentService(t, 'TwoGroupService', {
        Subnets: p.agentSubnets.map(ref),
        SecurityGroups: [att(p.agentGroup, 'GroupId'), att('EscapeDefaultEgressGroup', 'GroupId')],
      });
      return 'EscapeDefaultEgressGroup';
    },
  },
  // --- lateral and ingress ---------------------------------------------------------------------
  {
    name: 'agent-to-agent egress (self-reference)',
    channel: 'lateral',
    plant: (t) =>
      agentEgress(t, 'EscapeSelfEgress', {
        IpProtocol: 'tcp',
        FromPort: 0,
        ToPort: 65535,
        DestinationSecurityGroupId: att(parts(t).agentGroup, 'GroupId'),
      }),
  },
  {
    name: 'agent-to-agent ingress (self-reference)',
    channel: 'lateral',
    plant: (t) =>
      add(t, 'EscapeSelfIngress', 'AWS::EC2::SecurityGroupIngress', {
        GroupId: att(parts(t).agentGroup, 'GroupId'),
        IpProtocol: '-1',
        SourceSecurityGroupId: att(parts(t).agentGroup, 'GroupId'),
      }),
  },
  {
    name: 'agent egress to another agent subnet by CIDR',
    channel: 'lateral',
    plant: (t) =>
      agentEgress(t, 'EscapeCidrLateral', {
        IpProtocol: 'tcp',
        FromPort: 22,
        ToPort: 22,
        CidrIp: '10.64.64.0/19',
      }),
  },
  {
    // The demo has one profile; tagged as one of two, its group may not reach the other's port.
    name: "agent egress to another profile's listener",
    channel: 'cross-profile',
    options: {
      proxyPorts: [3128, 8081, 9100],
      profilePorts: { 'claude-code': [3128, 8081], reviewer: [9100] },
    },
    plant: (t) => {
      const group = t.Resources[parts(t).agentGroup];
      const tags = (group?.Properties?.Tags ?? []) as { Key: string; Value: string }[];
      if (group?.Properties !== undefined) {
        group.Properties.Tags = [...tags, { Key: 'agent-perimeter:profile', Value: 'claude-code' }];
      }
      return agentEgress(t, 'EscapeCrossProfile', {
        IpProtocol: 'tcp',
        FromPort: 9100,
        ToPort: 9100,
        DestinationSecurityGroupId: att(parts(t).loadBalancerGroup, 'GroupId'),
      });
    },
  },
  {
    name: 'ingress from anywhere into agents',
    channel: 'sg-ingress',
    plant: (t) =>
      add(t, 'EscapeWorldIngress', 'AWS::EC2::SecurityGroupIngress', {
        GroupId: att(parts(t).agentGroup, 'GroupId'),
        IpProtocol: 'tcp',
        FromPort: 22,
        ToPort: 22,
        CidrIp: '0.0.0.0/0',
      }),
  },
  // --- NACL -----------------------------------------------------------------------------------
  {
    name: 'NACL allow-all outbound before the VPC deny',
    channel: 'nacl-weakened',
    plant: (t) =>
      add(t, 'EscapeNaclEntry', 'AWS::EC2::NetworkAclEntry', {
        NetworkAclId: ref(parts(t).agentAcl),
        RuleNumber: 50,
        Protocol: -1,
        RuleAction: 'allow',
        Egress: true,
        CidrBlock: '0.0.0.0/0',
      }),
  },
  {
    name: 'NACL udp to the whole VPC',
    channel: 'nacl-weakened',
    plant: (t) =>
      add(t, 'EscapeNaclUdp', 'AWS::EC2::NetworkAclEntry', {
        NetworkAclId: ref(parts(t).agentAcl),
        RuleNumber: 99,
        Protocol: 17,
        PortRange: { From: 0, To: 65535 },
        RuleAction: 'allow',
        Egress: 'true',
        CidrBlock: '10.64.0.0/16',
      }),
  },
  {
    name: 'agent subnet loses its NACL association (default NACL allows all)',
    channel: 'nacl-weakened',
    plant: (t) => {
      const p = parts(t);
      const assoc = idsOf(t, 'AWS::EC2::SubnetNetworkAclAssociation').find(
        (id) => (props(t, id).SubnetId as { Ref?: string }).Ref === p.agentSubnet,
      );
      delete t.Resources[assoc as string];
      return p.agentSubnet;
    },
  },
  // --- DNS ------------------------------------------------------------------------------------
  {
    name: 'DNS firewall association removed',
    channel: 'dns-firewall',
    plant: (t) => {
      const p = parts(t);
      delete t.Resources[p.dnsAssociation];
      return p.vpc;
    },
  },
  {
    name: 'DNS firewall BLOCK rule removed',
    channel: 'dns-firewall',
    plant: (t) => {
      const p = parts(t);
      props(t, p.dnsRuleGroup).FirewallRules = ruleGroupRules(t).filter(
        (r) => r.Action !== 'BLOCK',
      );
      return p.dnsRuleGroup;
    },
  },
  {
    name: 'DNS firewall ALLOW "*" rule before the block',
    channel: 'dns-firewall',
    plant: (t) => {
      const p = parts(t);
      add(t, 'EscapeAllowAll', 'AWS::Route53Resolver::FirewallDomainList', { Domains: ['*'] });
      ruleGroupRules(t).push({
        Action: 'ALLOW',
        Priority: 50,
        FirewallDomainListId: att('EscapeAllowAll', 'Id'),
      });
      return p.dnsRuleGroup;
    },
  },
  {
    name: 'DNS firewall fails open',
    channel: 'dns-firewall',
    plant: (t) => {
      // Not in our templates (fail-closed is the default), but a template may carry one.
      t.Resources.PlantedFailOpen = {
        Type: 'AWS::Route53Resolver::FirewallConfig',
        Properties: { ResourceId: { Ref: parts(t).vpc }, FirewallFailOpen: 'ENABLED' },
      };
      return 'PlantedFailOpen';
    },
  },
  {
    name: 'DNS BLOCK "*" only for A queries',
    channel: 'dns-firewall',
    plant: (t) => {
      const p = parts(t);
      for (const r of ruleGroupRules(t)) if (r.Action === 'BLOCK') r.Qtype = 'A';
      return p.dnsRuleGroup;
    },
  },
  {
    name: 'custom DNS servers in DHCP options',
    channel: 'dns-firewall',
    plant: (t) => {
      add(t, 'EscapeDhcp', 'AWS::EC2::DHCPOptions', { DomainNameServers: ['8.8.8.8'] });
      return add(t, 'EscapeDhcpAssociation', 'AWS::EC2::VPCDHCPOptionsAssociation', {
        DhcpOptionsId: ref('EscapeDhcp'),
        VpcId: ref(parts(t).vpc),
      });
    },
  },
  // --- endpoint policies ------------------------------------------------------------------------
  {
    name: 'S3 gateway endpoint policy with "*" resource',
    channel: 'endpoint-policy',
    plant: (t) => {
      const e = parts(t).s3Endpoint;
      props(t, e).PolicyDocument = {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: '*' }],
      };
      return e;
    },
  },
  {
    name: 'S3 gateway endpoint policy allows writes',
    channel: 'endpoint-policy',
    plant: (t) => {
      const e = parts(t).s3Endpoint;
      const doc = props(t, e).PolicyDocument as { Statement: { Action: unknown }[] };
      (doc.Statement[0] as { Action: unknown }).Action = ['s3:GetObject', 's3:PutObject'];
      return e;
    },
  },
  {
    name: 'interface endpoint policy "*" actions on "*"',
    channel: 'endpoint-policy',
    plant: (t) => {
      const e = parts(t).ecrEndpoint;
      props(t, e).PolicyDocument = {
        Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }],
      };
      return e;
    },
  },
  {
    name: 'interface endpoint without a policy (full-access default)',
    channel: 'endpoint-policy',
    plant: (t) => {
      const e = parts(t).logsEndpoint;
      delete props(t, e).PolicyDocument;
      return e;
    },
  },
  {
    name: 'agent egress to the Secrets Manager endpoint group (proxy-only credentials)',
    channel: 'sg-egress',
    plant: (t) =>
      agentEgress(t, 'EscapeToSecrets', {
        IpProtocol: 'tcp',
        FromPort: 443,
        ToPort: 443,
        DestinationSecurityGroupId: att(
          findId(t, 'AWS::EC2::SecurityGroup', /SecretsEndpointSecurityGroup/),
          'GroupId',
        ),
      }),
  },
  {
    name: 'interface endpoint to a third-party PrivateLink service behind the endpoint group',
    channel: 'endpoint-policy',
    plant: (t) => {
      const p = parts(t);
      const subnets = (props(t, p.ecrEndpoint).SubnetIds as unknown[]).slice();
      return add(t, 'EscapePrivateLink', 'AWS::EC2::VPCEndpoint', {
        VpcId: ref(p.vpc),
        VpcEndpointType: 'Interface',
        ServiceName: 'com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0',
        SubnetIds: subnets,
        SecurityGroupIds: [att(p.endpointGroup, 'GroupId')],
        PolicyDocument: {
          Statement: [
            {
              Effect: 'Allow',
              Principal: '*',
              Action: 'execute-api:Invoke',
              Resource: 'arn:aws:execute-api:us-east-1:111122223333:abc/*',
            },
          ],
        },
      });
    },
  },
  // --- workloads -------------------------------------------------------------------------------
  {
    name: 'ECS service in agent subnets without the agent group',
    channel: 'unprotected-workload',
    plant: (t) => {
      const p = parts(t);
      return agentService(t, 'EscapeProxyGroupService', {
        Subnets: p.agentSubnets.map(ref),
        SecurityGroups: [att(p.proxyGroup, 'GroupId')],
      });
    },
  },
  {
    name: 'Lambda function in agent subnets with its own group',
    channel: 'unprotected-workload',
    plant: (t) => {
      const p = parts(t);
      add(t, 'LambdaGroup', 'AWS::EC2::SecurityGroup', {
        GroupDescription: 'fn',
        VpcId: ref(p.vpc),
        SecurityGroupEgress: [
          { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIp: '0.0.0.0/0' },
        ],
      });
      return add(t, 'EscapeFunction', 'AWS::Lambda::Function', {
        Runtime: 'nodejs22.x',
        Handler: 'i.h',
        Role: 'arn:aws:iam::1:role/x',
        Code: { ZipFile: 'x' },
        VpcConfig: {
          SubnetIds: p.agentSubnets.map(ref),
          SecurityGroupIds: [att('LambdaGroup', 'GroupId')],
        },
      });
    },
  },
  {
    name: 'instance with one interface among agents and one in a public subnet',
    channel: 'unprotected-workload',
    plant: (t) => {
      const p = parts(t);
      return add(t, 'EscapeDualHomed', 'AWS::EC2::Instance', {
        ImageId: 'ami-0abc',
        NetworkInterfaces: [
          {
            DeviceIndex: '0',
            SubnetId: ref(p.agentSubnet),
            GroupSet: [att(p.agentGroup, 'GroupId')],
          },
          {
            DeviceIndex: '1',
            SubnetId: ref(p.publicSubnet),
            GroupSet: [att(p.proxyGroup, 'GroupId')],
          },
        ],
      });
    },
  },
  {
    name: 'internet-facing load balancer in agent subnets',
    channel: 'public-ip',
    plant: (t) =>
      add(t, 'EscapeLoadBalancer', 'AWS::ElasticLoadBalancingV2::LoadBalancer', {
        Type: 'network',
        Scheme: 'internet-facing',
        Subnets: parts(t).agentSubnets.map(ref),
      }),
  },
  {
    name: 'agent-tagged Lambda function outside any VPC',
    channel: 'route-to-internet',
    plant: (t) =>
      add(t, 'EscapeNoVpcFunction', 'AWS::Lambda::Function', {
        Runtime: 'nodejs22.x',
        Handler: 'i.h',
        Role: 'arn:aws:iam::1:role/x',
        Code: { ZipFile: 'x' },
        Tags: [{ Key: 'agent-perimeter:tier', Value: 'agent' }],
      }),
  },
  // --- cannot prove -----------------------------------------------------------------------------
  {
    name: 'ECS service with the agent group in an imported subnet',
    channel: 'cannot-prove',
    plant: (t) =>
      agentService(t, 'ImportedSubnetService', {
        Subnets: [{ 'Fn::ImportValue': 'shared-agent-subnet' }],
        SecurityGroups: [att(parts(t).agentGroup, 'GroupId')],
      }),
  },
  {
    name: 'ECS service in agent subnets with a security group from a parameter',
    channel: 'cannot-prove',
    plant: (t) => {
      t.Parameters = {
        ...t.Parameters,
        ExtraGroup: { Type: 'AWS::EC2::SecurityGroup::Id', Default: 'sg-0abc' },
      };
      return agentService(t, 'ParameterGroupService', {
        Subnets: parts(t).agentSubnets.map(ref),
        SecurityGroups: [ref('ExtraGroup')],
      });
    },
  },
  {
    name: 'NACL entry whose CIDR is imported',
    channel: 'cannot-prove',
    plant: (t) =>
      add(t, 'ImportedNaclEntry', 'AWS::EC2::NetworkAclEntry', {
        NetworkAclId: ref(parts(t).agentAcl),
        RuleNumber: 51,
        Protocol: -1,
        RuleAction: 'allow',
        Egress: true,
        CidrBlock: { 'Fn::ImportValue': 'partner-cidr' },
      }),
  },
  {
    name: 'custom resource that receives the agent subnets',
    channel: 'cannot-prove',
    plant: (t) =>
      add(t, 'OpaqueProvisioner', 'Custom::Provisioner', {
        ServiceToken: 'arn:aws:lambda:us-east-1:1:function:x',
        Subnets: { 'Fn::Join': [',', parts(t).agentSubnets.map(ref)] },
      }),
  },
  {
    name: 'agent task definition run with host networking',
    channel: 'cannot-prove',
    plant: (t) => {
      const p = parts(t);
      add(t, 'AgentTaskHost', 'AWS::ECS::TaskDefinition', {
        NetworkMode: 'host',
        ContainerDefinitions: [{ Name: 'a', Image: 'x' }],
        Tags: [{ Key: 'agent-perimeter:tier', Value: 'agent' }],
      });
      return add(t, 'HostNetworkService', 'AWS::ECS::Service', {
        Cluster: ref(p.cluster),
        TaskDefinition: ref('AgentTaskHost'),
        LaunchType: 'EC2',
      });
    },
  },
  {
    name: 'Lambda function in a proxy subnet with the proxy security group',
    channel: 'identity',
    plant: (t) => {
      const p = parts(t);
      return add(t, 'ProxySubnetFunction', 'AWS::Lambda::Function', {
        Runtime: 'nodejs20.x',
        Handler: 'index.handler',
        Role: att(p.otherRole, 'Arn'),
        Code: { ZipFile: 'x' },
        VpcConfig: { SubnetIds: [ref(p.proxySubnet)], SecurityGroupIds: [ref(p.proxyGroup)] },
      });
    },
  },
  {
    name: 'EC2 instance in an endpoint subnet',
    channel: 'identity',
    plant: (t) =>
      add(t, 'EndpointSubnetInstance', 'AWS::EC2::Instance', {
        ImageId: 'ami-12345678',
        SubnetId: ref(parts(t).endpointSubnet),
        SecurityGroupIds: [ref(parts(t).endpointGroup)],
      }),
  },
  {
    name: 'second ECS service registered in the proxy target group from elsewhere',
    channel: 'identity',
    plant: (t) => {
      const p = parts(t);
      add(t, 'ImpostorTask', 'AWS::ECS::TaskDefinition', {
        NetworkMode: 'awsvpc',
        RequiresCompatibilities: ['FARGATE'],
        Cpu: '256',
        Memory: '512',
        ContainerDefinitions: [{ Name: 'envoy', Image: 'someone/relay:1' }],
      });
      add(t, 'ImpostorService', 'AWS::ECS::Service', {
        Cluster: ref(p.cluster),
        TaskDefinition: ref('ImpostorTask'),
        LaunchType: 'FARGATE',
        LoadBalancers: [
          { ContainerName: 'envoy', ContainerPort: 3128, TargetGroupArn: ref(p.proxyTargetGroup) },
        ],
        NetworkConfiguration: {
          AwsvpcConfiguration: { Subnets: [ref(p.publicSubnet)], AssignPublicIp: 'DISABLED' },
        },
      });
      return p.loadBalancer;
    },
  },
  {
    name: 'proxy target group with an address registered by hand',
    channel: 'identity',
    plant: (t) => {
      const p = parts(t);
      props(t, p.proxyTargetGroup).Targets = [{ Id: '10.0.200.9', Port: 3128 }];
      return p.loadBalancer;
    },
  },
  {
    name: 'proxy task runs another image',
    channel: 'identity',
    plant: (t) => {
      proxyContainer(t).Image = 'envoyproxy/envoy:v1.30.0';
      return parts(t).proxyService;
    },
  },
  {
    name: 'proxy task runs another Envoy config',
    channel: 'identity',
    plant: (t) => {
      const command = proxyContainer(t).Command as string[];
      const at = command.indexOf('--config-yaml');
      command[at + 1] = JSON.stringify({ admin: {}, static_resources: {} });
      return parts(t).proxyService;
    },
  },
  {
    name: 'proxy task fetches a config pinned to another digest',
    channel: 'identity',
    plant: (t) => {
      fetchedConfig(t, 'f'.repeat(64));
      return parts(t).proxyService;
    },
  },
  {
    name: 'proxy task pins a config digest nothing checks',
    channel: 'cannot-prove',
    plant: (t) => {
      fetchedConfig(t, 'f'.repeat(64), false);
      return parts(t).proxyService;
    },
  },
  {
    name: 'proxy task runs as another role',
    channel: 'identity',
    plant: (t) => {
      const p = parts(t);
      props(t, p.proxyTaskDefinition).TaskRoleArn = att(p.otherRole, 'Arn');
      return p.proxyService;
    },
  },
  {
    name: 'proxy task image from a parameter',
    channel: 'cannot-prove',
    plant: (t) => {
      t.Parameters = { ...t.Parameters, ProxyImage: { Type: 'String' } };
      proxyContainer(t).Image = ref('ProxyImage');
      return parts(t).proxyService;
    },
  },
];
