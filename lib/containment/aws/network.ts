import { isCidr } from '../addresses.js';
import type { Finding, Route, RouteTarget, Subnet } from '../model.js';
import type { Builder } from './builder.js';
import { endpointServiceName, prefixListFor, registerGatewayPrefixList } from './prefix-lists.js';
import { ROUTE_TARGETS } from './route-targets.js';
import { Opaque, Ref, type Value } from './values.js';

const VPC = 'AWS::EC2::VPC';
const SUBNET = 'AWS::EC2::Subnet';
const ROUTE_TABLE = 'AWS::EC2::RouteTable';
const ACL = 'AWS::EC2::NetworkAcl';

function gatewayTarget(b: Builder, v: Value): RouteTarget {
  const name = b.nameOf(v);
  if (v instanceof Ref) {
    const type = b.type(v.logicalId);
    if (type === 'AWS::EC2::InternetGateway')
      return { kind: 'internet-gateway', label: `internet gateway ${name}` };
    if (type === 'AWS::EC2::VPNGateway')
      return { kind: 'vpn-gateway', label: `virtual private gateway ${name}` };
    return { kind: 'unknown', label: `gateway ${name} (${type ?? 'undefined'})` };
  }
  const text = b.text(v);
  if (text === 'local') return { kind: 'local', label: 'local' };
  if (text?.startsWith('igw-'))
    return { kind: 'internet-gateway', label: `internet gateway ${text}` };
  if (text?.startsWith('vgw-'))
    return { kind: 'vpn-gateway', label: `virtual private gateway ${text}` };
  return {
    kind: 'unknown',
    label: `gateway ${name}${text === undefined ? ` (it ${b.whyUnknown(v)})` : ''}`,
    ...(b.isTrustedValue(v) ? { trusted: true } : {}),
  };
}

function routeTarget(b: Builder, p: Record<string, Value>): RouteTarget {
  if (p.GatewayId !== undefined) return gatewayTarget(b, p.GatewayId);
  for (const { property, kind, word } of ROUTE_TARGETS) {
    const v = p[property];
    if (v === undefined) continue;
    const unknown =
      v instanceof Opaque ||
      (typeof v === 'string' && b.r.hasTokens(v) && !(b.r.decode(v) instanceof Ref));
    return {
      kind,
      label: `${word} ${b.nameOf(v)}${unknown ? ` (it ${b.whyUnknown(v)})` : ''}`,
      ...(b.isTrustedValue(v) ? { trusted: true } : {}),
    };
  }
  return { kind: 'unknown', label: 'a target the verifier does not recognize' };
}

function routeDestination(b: Builder, p: Record<string, Value>): Route['destination'] {
  for (const prop of ['DestinationCidrBlock', 'DestinationIpv6CidrBlock']) {
    const v = p[prop];
    if (v === undefined) continue;
    const text = b.text(v);
    return text !== undefined && isCidr(text)
      ? { cidr: text }
      : { unresolved: `${prop} ${b.whyUnknown(v)}` };
  }
  const pl = p.DestinationPrefixListId;
  if (pl !== undefined) {
    const id = prefixListFor(b, pl);
    return id === undefined
      ? { unresolved: `DestinationPrefixListId ${b.whyUnknown(pl)}` }
      : { prefixList: id };
  }
  return { unresolved: 'no destination' };
}

/** Which route table a value names: a template table, or undefined (recorded as external). */
const tableOf = (b: Builder, v: Value | undefined) =>
  b.idOf(v, [ROUTE_TABLE], 'route table', b.routeTables, { routes: [] });

const aclOf = (b: Builder, v: Value | undefined) =>
  b.idOf(v, [ACL], 'network ACL', b.acls, { entries: [] });

/** VPCs, their secondary blocks and DHCP options. */
function buildNetworks(b: Builder): void {
  const extra = new Map<string, string[]>();
  for (const id of b.ids('AWS::EC2::VPCCidrBlock')) {
    const p = b.props(id);
    const vpc = b.networkId(p.VpcId);
    if (vpc === undefined) continue;
    for (const prop of ['CidrBlock', 'Ipv6CidrBlock']) {
      const text = b.text(p[prop]);
      if (text !== undefined && isCidr(text)) extra.set(vpc, [...(extra.get(vpc) ?? []), text]);
    }
  }
  const dns = new Map<string, Finding[]>();
  for (const id of b.ids('AWS::EC2::VPCDHCPOptionsAssociation')) {
    const p = b.props(id);
    const vpc = b.networkId(p.VpcId);
    const options = p.DhcpOptionsId;
    if (vpc === undefined || !(options instanceof Ref)) continue;
    const servers = b.list(b.props(options.logicalId).DomainNameServers).map((s) => b.r.display(s));
    const custom = servers.filter((s) => s !== 'AmazonProvidedDNS');
    if (custom.length > 0) {
      dns.set(vpc, [
        ...(dns.get(vpc) ?? []),
        {
          resource: id,
          how: `DHCP options ${options.logicalId} (associated by ${id}) set DNS servers ${custom.join(', ')}`,
        },
      ]);
    }
  }
  for (const id of b.ids(VPC)) {
    const p = b.props(id);
    const cidr = b.text(p.CidrBlock);
    b.networks.set(id, {
      id,
      resource: id,
      cidrs: [...(cidr !== undefined && isCidr(cidr) ? [cidr] : []), ...(extra.get(id) ?? [])],
      mainRouteTable: `main:${id}`,
      defaultAcl: 'allow-all',
      implicitEgress: 'deny',
      ...(dns.has(id) ? { dnsServers: dns.get(id) } : {}),
    });
    // CloudFormation cannot add routes to a VPC's main table (it has no attribute for it),
    // so a main table holds the local routes only, unless changed outside the template.
    b.routeTables.set(`main:${id}`, {
      id: `main:${id}`,
      resource: `${id} (main route table)`,
      network: id,
      routes: [],
    });
  }
}

function buildRoutes(b: Builder): void {
  const routesByTable = new Map<string, Route[]>();
  const add = (table: string | undefined, route: Route) => {
    if (table !== undefined && b.routeTables.has(table) && !table.startsWith('ext:')) {
      routesByTable.set(table, [...(routesByTable.get(table) ?? []), route]);
    } else {
      b.unplacedRoutes.push(route);
    }
  };
  for (const id of b.ids(ROUTE_TABLE)) {
    const p = b.props(id);
    b.routeTables.set(id, { id, resource: id, ...optionalNetwork(b, p.VpcId), routes: [] });
  }
  for (const id of b.ids('AWS::EC2::Route')) {
    const p = b.props(id);
    add(tableOf(b, p.RouteTableId), {
      resource: id,
      destination: routeDestination(b, p),
      target: routeTarget(b, p),
    });
  }
  for (const id of b.ids('AWS::EC2::VPNGatewayRoutePropagation')) {
    const p = b.props(id);
    for (const t of b.list(p.RouteTableIds)) {
      add(tableOf(b, t), {
        resource: id,
        destination: {
          unresolved: `whatever virtual private gateway ${b.nameOf(p.VpnGatewayId)} propagates`,
        },
        target: {
          kind: 'vpn-gateway',
          label: `virtual private gateway ${b.nameOf(p.VpnGatewayId)} (route propagation)`,
        },
      });
    }
  }
  for (const id of b.ids('AWS::EC2::VPCEndpoint')) {
    const p = b.props(id);
    const type = b.text(p.VpcEndpointType) ?? 'Gateway';
    if (type !== 'Gateway') continue;
    const service = endpointServiceName(b, p.ServiceName);
    const prefixList = registerGatewayPrefixList(b, service, id);
    for (const t of b.list(p.RouteTableIds)) {
      add(tableOf(b, t), {
        resource: id,
        destination: { prefixList },
        target: { kind: 'gateway-endpoint', label: `gateway endpoint ${id}`, endpoint: id },
      });
    }
  }
  for (const [id, routes] of routesByTable) {
    const table = b.routeTables.get(id);
    if (table !== undefined) b.routeTables.set(id, { ...table, routes });
  }
}

function optionalNetwork(b: Builder, v: Value | undefined): { network?: string } {
  const network = b.networkId(v);
  return network === undefined ? {} : { network };
}

function associations(
  b: Builder,
  type: string,
  property: string,
  of: (v: Value | undefined) => string | undefined,
): Map<string, { target: string; via: string }[]> {
  const out = new Map<string, { target: string; via: string }[]>();
  for (const id of b.ids(type)) {
    const p = b.props(id);
    const subnet = b.subnetId(p.SubnetId);
    const target = of(p[property]);
    if (subnet === undefined || target === undefined) continue;
    out.set(subnet, [...(out.get(subnet) ?? []), { target, via: id }]);
  }
  return out;
}

/** A subnet with several tables (a template that would fail to deploy): their routes merged. */
function mergedTable(b: Builder, tables: readonly string[]): string {
  const id = `merged:${tables.join('+')}`;
  if (!b.routeTables.has(id)) {
    const parts = tables.map((t) => b.routeTables.get(t));
    b.routeTables.set(id, {
      id,
      resource: tables.map((t) => b.routeTables.get(t)?.resource ?? t).join(' + '),
      routes: parts.flatMap((t) => t?.routes ?? []),
      ...(parts.some((t) => t?.unresolved !== undefined)
        ? { unresolved: 'includes a route table not in the template' }
        : {}),
    });
  }
  return id;
}

function buildSubnets(b: Builder): void {
  const tables = associations(b, 'AWS::EC2::SubnetRouteTableAssociation', 'RouteTableId', (v) =>
    tableOf(b, v),
  );
  const acls = associations(b, 'AWS::EC2::SubnetNetworkAclAssociation', 'NetworkAclId', (v) =>
    aclOf(b, v),
  );
  const ipv6 = new Map<string, Finding[]>();
  for (const id of b.ids('AWS::EC2::SubnetCidrBlock')) {
    const p = b.props(id);
    const subnet = b.subnetId(p.SubnetId);
    if (subnet === undefined) continue;
    ipv6.set(subnet, [
      ...(ipv6.get(subnet) ?? []),
      { resource: id, how: `${id} adds an IPv6 block to it` },
    ]);
  }
  for (const id of b.ids(SUBNET)) {
    const p = b.props(id);
    const cidrs = ['CidrBlock', 'Ipv6CidrBlock']
      .map((prop) => b.text(p[prop]))
      .filter((t): t is string => t !== undefined && isCidr(t));
    const v6: Finding[] = [...(ipv6.get(id) ?? [])];
    for (const prop of ['Ipv6CidrBlock', 'Ipv6CidrBlocks', 'Ipv6IpamPoolId', 'Ipv6NetmaskLength']) {
      if (p[prop] !== undefined) v6.push({ resource: id, how: `${prop} gives it IPv6 addresses` });
    }
    v6.push(...b.flagFinding(id, 'AssignIpv6AddressOnCreation', p.AssignIpv6AddressOnCreation));
    v6.push(...b.flagFinding(id, 'Ipv6Native', p.Ipv6Native));
    v6.push(...b.flagFinding(id, 'EnableDns64', p.EnableDns64));
    const table = tables.get(id) ?? [];
    const acl = acls.get(id) ?? [];
    const tier = b.tier(p);
    const subnet: Subnet = {
      id,
      resource: id,
      ...optionalNetwork(b, p.VpcId),
      ...(tier === undefined ? {} : { tier }),
      cidrs,
      ...(table.length === 0
        ? {}
        : {
            routeTable:
              table.length === 1
                ? (table[0]?.target as string)
                : mergedTable(
                    b,
                    table.map((t) => t.target),
                  ),
            routeTableVia: table.map((t) => t.via).join(', '),
          }),
      ...(acl.length === 0 ? {} : { acl: acl[0]?.target as string }),
      publicIpOnLaunch: [
        ...b.flagFinding(id, 'MapPublicIpOnLaunch', p.MapPublicIpOnLaunch),
        ...b.flagFinding(id, 'MapCustomerOwnedIpOnLaunch', p.MapCustomerOwnedIpOnLaunch),
      ],
      ipv6: v6,
    };
    b.subnets.set(id, subnet);
    if (tier === 'agent' && cidrs.length === 0) {
      b.unprovable.push({
        resource: id,
        explanation: `agent subnet ${id} has no IPv4 block the verifier can read (CidrBlock ${b.whyUnknown(p.CidrBlock)}), so traffic between agents cannot be told apart. Fix: give the subnet a literal CidrBlock.`,
      });
    }
  }
}

function buildAcls(b: Builder): void {
  const entries = new Map<string, NonNullable<ReturnType<typeof aclEntry>>[]>();
  for (const id of b.ids('AWS::EC2::NetworkAclEntry')) {
    const p = b.props(id);
    const acl = b.target(p.NetworkAclId, [ACL], 'network ACL');
    if (acl === undefined || !('id' in acl)) continue;
    entries.set(acl.id, [...(entries.get(acl.id) ?? []), aclEntry(b, id, p)]);
  }
  for (const id of b.ids(ACL)) {
    const p = b.props(id);
    b.acls.set(id, {
      id,
      resource: id,
      ...optionalNetwork(b, p.VpcId),
      entries: entries.get(id) ?? [],
    });
  }
}

function aclEntry(b: Builder, id: string, p: Record<string, Value>) {
  const egress = b.flag(p.Egress) === true;
  const action = /^deny$/i.test(b.text(p.RuleAction) ?? '') ? 'deny' : 'allow';
  const cidrValue = p.CidrBlock ?? p.Ipv6CidrBlock;
  const cidrText = b.text(cidrValue);
  const cidr =
    cidrText !== undefined && isCidr(cidrText)
      ? cidrText
      : { unresolved: `its CIDR block ${b.whyUnknown(cidrValue)}` };
  const protocol = b.number(p.Protocol);
  const range = p.PortRange;
  const icmp = p.Icmp;
  let traffic: ReturnType<typeof naclTraffic>;
  if (protocol === undefined) traffic = { unresolved: `its Protocol ${b.whyUnknown(p.Protocol)}` };
  else traffic = naclTraffic(b, protocol, range, icmp);
  return {
    resource: id,
    direction: egress ? ('egress' as const) : ('ingress' as const),
    ruleNumber: b.number(p.RuleNumber) ?? 0,
    action: action as 'allow' | 'deny',
    traffic,
    cidr,
  };
}

function naclTraffic(
  b: Builder,
  protocol: number,
  range: Value | undefined,
  icmp: Value | undefined,
) {
  if (protocol === -1) return { protocol: 'all' as const };
  const rec = (v: Value | undefined) =>
    v !== null &&
    typeof v === 'object' &&
    !Array.isArray(v) &&
    !(v instanceof Ref) &&
    !(v instanceof Opaque)
      ? (v as Record<string, Value>)
      : undefined;
  if (protocol === 6 || protocol === 17) {
    const r = rec(range);
    if (r === undefined) return { protocol };
    const from = b.number(r.From);
    const to = b.number(r.To);
    if (from === undefined || to === undefined)
      return { unresolved: `its PortRange ${b.whyUnknown(r.From ?? r.To)}` };
    return { protocol, ports: { from, to } };
  }
  if (protocol === 1 || protocol === 58) {
    const r = rec(icmp);
    const type = b.number(r?.Type);
    const code = b.number(r?.Code);
    return {
      protocol,
      ...(type === undefined ? {} : { icmpType: type }),
      ...(code === undefined ? {} : { icmpCode: code }),
    };
  }
  return { protocol };
}

/** VPCs, route tables (with gateway endpoint routes), NACLs and subnets. */
export function buildNetwork(b: Builder): void {
  buildNetworks(b);
  buildRoutes(b);
  buildAcls(b);
  buildSubnets(b);
}
