import { ROUTE_TARGETS } from '../aws/route-targets.js';
import { type DescribeSnapshot, type Json, object, objects, str, strs } from './read.js';
import type { TemplateWriter } from './writer.js';

/*
 * VPCs, subnets, route tables and network ACLs as they are deployed. Unlike a template, the
 * snapshot says which route table is a VPC's main one and which subnets use it, and lists the
 * default network ACL with its associations: both become explicit associations here.
 */

const ASSOCIATED = new Set(['associated', 'associating']);
/**
 * Route target fields of `describe-route-tables`, named as the `AWS::EC2::Route` properties.
 * The snapshot has no `VpcEndpointId`: it reports a Gateway Load Balancer endpoint as a
 * `GatewayId` starting with "vpce-" (see `routeProperties`).
 */
const DESCRIBED_TARGETS = ROUTE_TARGETS.map((t) => t.property).filter((p) => p !== 'VpcEndpointId');

/** How a template associates a subnet with a route table or a network ACL. */
const SUBNET_ASSOCIATIONS = {
  routeTable: { type: 'AWS::EC2::SubnetRouteTableAssociation', property: 'RouteTableId' },
  networkAcl: { type: 'AWS::EC2::SubnetNetworkAclAssociation', property: 'NetworkAclId' },
} as const;

/** Writes the association of `subnet` with the route table or network ACL `id`. */
function associateSubnet(
  w: TemplateWriter,
  kind: keyof typeof SUBNET_ASSOCIATIONS,
  id: string,
  subnet: string,
  name = `${id}/${subnet}`,
): void {
  const { type, property } = SUBNET_ASSOCIATIONS[kind];
  w.add(name, type, { SubnetId: w.ref(subnet), [property]: w.ref(id) });
}

function blocks(o: Json, key: string, field: string, stateField: string): string[] {
  const associated = objects(o, key).filter((a) =>
    ASSOCIATED.has(str(object(a, stateField), 'State') ?? 'associated'),
  );
  return strs(associated, field);
}

export function writeVpcs(w: TemplateWriter, s: DescribeSnapshot): void {
  const dhcp = new Map(s.items('dhcpOptions').map((d) => [str(d, 'DhcpOptionsId'), d]));
  for (const vpc of s.items('vpcs')) {
    const id = str(vpc, 'VpcId');
    if (id === undefined) continue;
    const v4 = blocks(vpc, 'CidrBlockAssociationSet', 'CidrBlock', 'CidrBlockState');
    const v6 = blocks(vpc, 'Ipv6CidrBlockAssociationSet', 'Ipv6CidrBlock', 'Ipv6CidrBlockState');
    const [first, ...more] =
      v4.length > 0 ? v4 : [str(vpc, 'CidrBlock')].filter((c) => c !== undefined);
    w.add(id, 'AWS::EC2::VPC', { CidrBlock: first, Tags: vpc.Tags });
    [...more.map((c) => ({ CidrBlock: c })), ...v6.map((c) => ({ Ipv6CidrBlock: c }))].forEach(
      (block, i) => {
        w.add(`${id}/cidr-${i + 1}`, 'AWS::EC2::VPCCidrBlock', { VpcId: w.ref(id), ...block });
      },
    );
    const optionsId = str(vpc, 'DhcpOptionsId');
    const options = optionsId === undefined ? undefined : dhcp.get(optionsId);
    if (optionsId === undefined || options === undefined) continue;
    const servers = objects(options, 'DhcpConfigurations')
      .filter((c) => str(c, 'Key') === 'domain-name-servers')
      .flatMap((c) => strs(objects(c, 'Values'), 'Value'));
    if (!w.has(optionsId))
      w.add(optionsId, 'AWS::EC2::DHCPOptions', { DomainNameServers: servers });
    w.add(`${id}/dhcp-options`, 'AWS::EC2::VPCDHCPOptionsAssociation', {
      VpcId: w.ref(id),
      DhcpOptionsId: w.ref(optionsId),
    });
  }
}

export function writeSubnets(w: TemplateWriter, s: DescribeSnapshot): void {
  for (const subnet of s.items('subnets')) {
    const id = str(subnet, 'SubnetId');
    if (id === undefined) continue;
    const [v6] = blocks(
      subnet,
      'Ipv6CidrBlockAssociationSet',
      'Ipv6CidrBlock',
      'Ipv6CidrBlockState',
    );
    w.add(id, 'AWS::EC2::Subnet', {
      VpcId: w.ref(str(subnet, 'VpcId')),
      CidrBlock: str(subnet, 'CidrBlock'),
      Ipv6CidrBlock: v6,
      MapPublicIpOnLaunch: subnet.MapPublicIpOnLaunch,
      MapCustomerOwnedIpOnLaunch: subnet.MapCustomerOwnedIpOnLaunch,
      AssignIpv6AddressOnCreation: subnet.AssignIpv6AddressOnCreation,
      Ipv6Native: subnet.Ipv6Native,
      EnableDns64: subnet.EnableDns64,
      Tags: subnet.Tags,
    });
  }
}

/** Endpoint ids of gateway endpoints: their routes come from the endpoint's route tables. */
function gatewayEndpoints(s: DescribeSnapshot): Set<string> {
  const gateways = s.items('vpcEndpoints').filter((e) => str(e, 'VpcEndpointType') === 'Gateway');
  return new Set(strs(gateways, 'VpcEndpointId'));
}

function routeProperties(w: TemplateWriter, table: string, route: Json, gateways: Set<string>) {
  const gateway = str(route, 'GatewayId');
  if (gateway === 'local' || (gateway !== undefined && gateways.has(gateway))) return undefined;
  const target: Record<string, unknown> = {};
  if (gateway?.startsWith('vpce-') === true) target.VpcEndpointId = gateway;
  else if (gateway !== undefined) target.GatewayId = gateway;
  for (const key of DESCRIBED_TARGETS) if (route[key] !== undefined) target[key] = route[key];
  return {
    RouteTableId: w.ref(table),
    DestinationCidrBlock: str(route, 'DestinationCidrBlock'),
    DestinationIpv6CidrBlock: str(route, 'DestinationIpv6CidrBlock'),
    DestinationPrefixListId: str(route, 'DestinationPrefixListId'),
    ...target,
  };
}

export function writeRouteTables(w: TemplateWriter, s: DescribeSnapshot): void {
  const gateways = gatewayEndpoints(s);
  const mainOf = new Map<string, string>();
  const explicit = new Set<string>();
  for (const table of s.items('routeTables')) {
    const id = str(table, 'RouteTableId');
    const vpc = str(table, 'VpcId');
    if (id === undefined) continue;
    w.add(id, 'AWS::EC2::RouteTable', {
      VpcId: w.ref(vpc),
      Tags: table.Tags,
    });
    for (const a of objects(table, 'Associations')) {
      const subnet = str(a, 'SubnetId');
      if (a.Main === true && vpc !== undefined) mainOf.set(vpc, id);
      if (subnet === undefined) continue;
      explicit.add(subnet);
      associateSubnet(w, 'routeTable', id, subnet);
    }
    objects(table, 'Routes').forEach((route, i) => {
      // A blackhole route's target is gone: nothing is sent that way.
      if (str(route, 'State') === 'blackhole') return;
      const props = routeProperties(w, id, route, gateways);
      if (props === undefined) return;
      const destination =
        props.DestinationCidrBlock ??
        props.DestinationIpv6CidrBlock ??
        props.DestinationPrefixListId ??
        `${i}`;
      w.add(`${id}/route ${destination}`, 'AWS::EC2::Route', props);
    });
  }
  // Subnets without an association use their VPC's main route table, which the snapshot names.
  for (const subnet of s.items('subnets')) {
    const id = str(subnet, 'SubnetId');
    const main = mainOf.get(str(subnet, 'VpcId') ?? '');
    if (id === undefined || main === undefined || explicit.has(id)) continue;
    associateSubnet(w, 'routeTable', main, id, `${main}/${id} (main route table)`);
  }
}

export function writeNetworkAcls(w: TemplateWriter, s: DescribeSnapshot): void {
  for (const acl of s.items('networkAcls')) {
    const id = str(acl, 'NetworkAclId');
    if (id === undefined) continue;
    w.add(id, 'AWS::EC2::NetworkAcl', {
      VpcId: w.ref(str(acl, 'VpcId')),
      Tags: acl.Tags,
    });
    for (const e of objects(acl, 'Entries')) {
      const egress = e.Egress === true;
      const icmp = object(e, 'IcmpTypeCode');
      w.add(
        `${id}/${egress ? 'egress' : 'ingress'} ${String(e.RuleNumber)}`,
        'AWS::EC2::NetworkAclEntry',
        {
          NetworkAclId: w.ref(id),
          RuleNumber: e.RuleNumber,
          Protocol: Number(e.Protocol),
          RuleAction: e.RuleAction,
          Egress: egress,
          CidrBlock: str(e, 'CidrBlock'),
          Ipv6CidrBlock: str(e, 'Ipv6CidrBlock'),
          PortRange: e.PortRange,
          Icmp: icmp === undefined ? undefined : { Type: icmp.Type, Code: icmp.Code },
        },
      );
    }
    for (const a of objects(acl, 'Associations')) {
      const subnet = str(a, 'SubnetId');
      if (subnet !== undefined) associateSubnet(w, 'networkAcl', id, subnet);
    }
  }
}
