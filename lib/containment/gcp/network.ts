import { covers, isCidr, parseCidr } from '../addresses.js';
import type { Finding, Route, RouteTarget, Tier } from '../model.js';
import type { GcpBuilder } from './builder.js';
import type { NatFact, RouteFact, SubnetFact } from './facts.js';
import { refName, sameRef } from './facts.js';
import { GOOGLE_API_VIPS } from './names.js';

/** Every route of a GCP network applies network-wide (narrowed by tags): one table each. */
export const routeTableOf = (network: string) => `routes:${network}`;

const googleEndpointId = (network: string, vip: keyof typeof GOOGLE_API_VIPS) =>
  `google-apis:${vip}:${network}`;

/** Networks (their blocks are the subnet ranges: GCP's subnet routes) and their subnets. */
export function buildNetworks(b: GcpBuilder, tiers: ReadonlyMap<string, Tier>): void {
  for (const n of b.facts.networks) {
    const subnets = b.facts.subnets.filter((s) => sameRef(s.network, n.ref));
    b.networks.set(n.ref, {
      id: n.ref,
      resource: n.name,
      cidrs: subnets.flatMap(ranges).filter(isCidr),
      mainRouteTable: routeTableOf(n.ref),
      defaultAcl: 'none',
    });
  }
  for (const s of b.facts.subnets) {
    const network = b.networkId(s.network);
    const tier = tiers.get(s.ref);
    const cidrs = ranges(s);
    b.subnets.set(s.ref, {
      id: s.ref,
      resource: s.name,
      ...(network === undefined ? {} : { network }),
      ...(tier === undefined ? {} : { tier }),
      cidrs,
      ...(s.stackType === 'IPV4_ONLY'
        ? {}
        : { ipv6: [{ resource: s.name, how: `stackType is ${s.stackType}` }] }),
      ...(s.ipv6AccessType === 'EXTERNAL'
        ? {
            publicIpOnLaunch: [
              { resource: s.name, how: 'ipv6AccessType is EXTERNAL (internet-routable IPv6)' },
            ],
          }
        : {}),
      ...(s.cidr === undefined || !isCidr(s.cidr)
        ? { unresolved: `has an ipCidrRange that is not known (${s.cidr ?? 'unset'})` }
        : {}),
    });
  }
  for (const nat of b.facts.nats) addNat(b, nat);
}

function ranges(s: SubnetFact): string[] {
  return [...(s.cidr === undefined ? [] : [s.cidr]), ...s.secondaryCidrs];
}

/** Cloud NAT coverage, as a finding on every subnet it translates. */
function addNat(b: GcpBuilder, nat: NatFact): void {
  const all = nat.coverage.startsWith('ALL_SUBNETWORKS');
  const listed = nat.coverage === 'LIST_OF_SUBNETWORKS';
  for (const s of b.facts.subnets) {
    const inScope =
      (nat.network === undefined || sameRef(s.network, nat.network)) &&
      (nat.region === undefined || s.region === undefined || nat.region === s.region);
    if (!inScope) continue;
    let finding: Finding | undefined;
    if (all) {
      finding = {
        resource: nat.name,
        how: `Cloud NAT ${nat.name} serves every subnet of its region (${nat.coverage})`,
        fix: `set sourceSubnetworkIpRangesToNat to LIST_OF_SUBNETWORKS and list only the proxy subnet.`,
      };
    } else if (listed) {
      if (nat.subnetworks.some((x) => sameRef(x.subnetwork, s.ref))) {
        finding = {
          resource: nat.name,
          how: `Cloud NAT ${nat.name} lists subnet ${s.name}`,
          fix: `remove ${s.name} from its subnetworks; only the proxy subnet is translated.`,
        };
      }
    } else {
      finding = {
        resource: nat.name,
        how: `Cloud NAT ${nat.name} serves subnets chosen by a value that is not known (sourceSubnetworkIpRangesToNat)`,
        unresolved: true,
      };
    }
    const subnet = b.subnets.get(s.ref);
    if (finding !== undefined && subnet !== undefined) {
      subnet.nat = [...(subnet.nat ?? []), finding];
    }
  }
}

/**
 * Routes, one table per network, tag-scoped routes applying to their tags' groups. Routes to
 * the Google API VIPs through the default internet gateway stay in Google's network (Private
 * Google Access): they are endpoints, like AWS gateway endpoints. Every other next hop, the
 * internet gateway or a box that can forward (an IP, an instance, a load balancer, a VPN
 * tunnel), leaves the perimeter.
 */
export function buildRoutes(b: GcpBuilder): void {
  const byNetwork = new Map<string, Route[]>();
  for (const r of b.facts.routes) {
    const network = b.networkFact(r.network)?.ref;
    const route = modelRoute(b, r, network);
    if (network === undefined) b.unplacedRoutes.push(route);
    else byNetwork.set(network, [...(byNetwork.get(network) ?? []), route]);
  }
  for (const n of b.facts.networks) {
    const id = routeTableOf(n.ref);
    b.routeTables.set(id, {
      id,
      resource: n.name,
      network: n.ref,
      routes: byNetwork.get(n.ref) ?? [],
    });
    for (const vip of ['restricted', 'private'] as const) {
      b.endpoints.push({
        id: googleEndpointId(n.ref, vip),
        resource: `${vip}.googleapis.com`,
        network: n.ref,
        kind: 'interface',
        service: `${vip}.googleapis.com`,
        routeTables: [id],
        subnets: [],
        groups: [],
        addresses: [GOOGLE_API_VIPS[vip]],
        // What agents may do with the APIs is their identity's IAM (identityGrants); the
        // private VIP also serves APIs VPC Service Controls cannot fence.
        policy:
          vip === 'restricted'
            ? { kind: 'statements', statements: [] }
            : {
                kind: 'full-access',
                how: 'serves every Google API, including those VPC Service Controls cannot restrict, for any project',
                fix: 'route and allow agents to restricted.googleapis.com (199.36.153.4/30) only.',
              },
      });
    }
  }
}

function modelRoute(b: GcpBuilder, r: RouteFact, network: string | undefined): Route {
  const destination = isCidr(r.destRange)
    ? { cidr: r.destRange }
    : { unresolved: `destRange is ${r.destRange === '' ? 'not known' : `"${r.destRange}"`}` };
  return {
    // GCP's own default route is fixed on the network (deleteDefaultRoutesOnCreate).
    resource: r.implicit ? refName(r.network) : r.name,
    destination,
    target: routeTarget(r, network),
    ...(r.tags.length === 0 ? {} : { appliesTo: r.tags.map((t) => b.tagGroup(network, t)) }),
    priority: r.priority,
  };
}

function routeTarget(r: RouteFact, network: string | undefined): RouteTarget {
  const hop = r.nextHop;
  switch (hop.kind) {
    case 'internet-gateway': {
      const vip = googleVip(r.destRange);
      if (vip !== undefined && network !== undefined) {
        return {
          kind: 'gateway-endpoint',
          label: `Private Google Access (${vip}.googleapis.com)`,
          endpoint: googleEndpointId(network, vip),
        };
      }
      return {
        kind: 'internet-gateway',
        label: r.implicit
          ? 'the default internet gateway (the default route GCP creates because the network keeps deleteDefaultRoutesOnCreate false)'
          : `internet gateway ${hop.value}`,
      };
    }
    case 'ip':
      return { kind: 'instance', label: `next-hop address ${hop.value}` };
    case 'instance':
      return { kind: 'instance', label: `instance ${refName(hop.value)}` };
    case 'ilb':
      return { kind: 'network-interface', label: `internal load balancer ${refName(hop.value)}` };
    case 'vpn-tunnel':
      return { kind: 'vpn-gateway', label: `VPN tunnel ${refName(hop.value)}` };
    default:
      return { kind: 'unknown', label: 'a next hop that is not known' };
  }
}

/** The Google API VIP a destination lies within, if any. */
function googleVip(destRange: string): keyof typeof GOOGLE_API_VIPS | undefined {
  const dest = parseCidr(destRange);
  if (dest === undefined) return undefined;
  for (const vip of ['restricted', 'private'] as const) {
    const range = parseCidr(GOOGLE_API_VIPS[vip]);
    if (range !== undefined && range.family === dest.family) {
      if (covers([[range.start, range.end]], [[dest.start, dest.end]])) return vip;
    }
  }
  return undefined;
}
