import { covers, parseCidr } from '../addresses.js';
import {
  cidrDestinations,
  type Destinations,
  difference,
  NOWHERE,
  unionOf,
} from '../destinations.js';
import { type Flows, flowsOf } from '../flows.js';
import type { AclEntry, NetworkAcl, Subnet } from '../model.js';
import { isUnresolved } from '../model.js';
import type { OrderedRule } from '../ordered.js';
import { localRoutes, routeDestinations } from '../routing.js';
import type { Context } from './context.js';
import type { TableUse } from './routes.js';

/**
 * Where an agent subnet's traffic can go by design: the local network (other subnets; the
 * subnet's own block never crosses its ACL) and the gateway endpoints' prefix lists. Routes
 * that leave the network are reported by the route layer, so the ACL is judged on this.
 */
export function intendedSpace(
  ctx: Context,
  subnet: Subnet,
  use: TableUse,
): { space: Destinations; lists: string[] } {
  const network = subnet.network === undefined ? undefined : ctx.networks.get(subnet.network);
  const routes = [...localRoutes(network), ...(use.table?.routes ?? [])];
  let space = NOWHERE;
  const lists: string[] = [];
  for (const r of routeDestinations(routes, [...use.groups])) {
    if (r.route.target.kind === 'local') space = unionOf(space, r.to);
    if (r.route.target.kind === 'gateway-endpoint') {
      space = unionOf(space, r.to);
      lists.push(...r.to.atoms);
    }
  }
  return { space: difference(space, ctx.subnetAddresses(subnet.id)), lists };
}

/**
 * An entry's match. Prefix lists have no written-down addresses: a /0 entry matches them; an
 * allow entry for a block outside the network may (so it counts, to fail closed); a deny
 * entry for anything narrower than /0 is not counted on.
 */
export function entryFlows(
  entry: AclEntry,
  lists: readonly string[],
  networkCidrs: readonly string[],
): Flows | undefined {
  if (isUnresolved(entry.traffic) || typeof entry.cidr !== 'string') return undefined;
  const cidr = parseCidr(entry.cidr);
  const to = cidrDestinations([entry.cidr]);
  if (cidr === undefined || to === undefined) return undefined;
  const inside =
    cidrDestinations(networkCidrs.filter((c) => parseCidr(c) !== undefined)) ?? NOWHERE;
  const within = covers(cidr.family === 'v4' ? inside.v4 : inside.v6, [[cidr.start, cidr.end]]);
  const matchesLists = cidr.prefix === 0 || (entry.action === 'allow' && !within);
  return flowsOf(entry.traffic, matchesLists ? { ...to, atoms: [...lists].sort() } : to);
}

/** A subnet ACL's egress entries as ordered rules (lower rule numbers first). */
export function egressRules(
  acl: NetworkAcl,
  lists: readonly string[],
  networkCidrs: readonly string[],
): OrderedRule<AclEntry>[] {
  return acl.entries
    .filter((e) => e.direction === 'egress')
    .map((entry) => ({
      rule: entry,
      level: entry.ruleNumber,
      action: entry.action,
      flows: entryFlows(entry, lists, networkCidrs),
    }));
}
