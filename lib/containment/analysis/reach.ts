import { type Destinations, difference, NOWHERE, unionOf } from '../destinations.js';
import {
  allTraffic,
  destinationsOf,
  type Flows,
  intersectFlows,
  mapFlows,
  restrictFlows,
  unionFlows,
} from '../flows.js';
import type { Attachment } from '../model.js';
import { evaluateOrdered } from '../ordered.js';
import { localRoutes, routeDestinations } from '../routing.js';
import { egressRules } from './acl.js';
import type { Context } from './context.js';

/** Group atoms replaced by the addresses of the groups' members (kept when none is known). */
function expandGroups(ctx: Context, d: Destinations): Destinations {
  let out: Destinations = { ...d, atoms: d.atoms.filter((a) => !a.startsWith('group:')) };
  for (const a of d.atoms) {
    if (!a.startsWith('group:')) continue;
    const members = ctx.membersByGroup.get(a.slice(6)) ?? [];
    let addresses = NOWHERE;
    for (const m of members) {
      if (m.subnet !== undefined) addresses = unionOf(addresses, ctx.subnetAddresses(m.subnet));
    }
    out = unionOf(
      out,
      addresses.v4.length + addresses.v6.length === 0 ? { v4: [], v6: [], atoms: [a] } : addresses,
    );
  }
  return out;
}

/**
 * What an attachment can actually send to: its groups' egress, with group references turned
 * into the members' subnets, that its subnet ACL lets out (traffic within its own subnet does
 * not cross the ACL) and some route carries. One-way reachability: enough to leak data.
 */
export function reachOf(ctx: Context, a: Attachment, egress: Flows): Flows {
  let flows = mapFlows(egress, (d) => expandGroups(ctx, d));
  const subnet = a.subnet === undefined ? undefined : ctx.subnets.get(a.subnet);
  if (subnet === undefined || subnet.unresolved !== undefined) return flows;
  const network = subnet.network === undefined ? undefined : ctx.networks.get(subnet.network);
  const acl = subnet.acl === undefined ? undefined : ctx.acls.get(subnet.acl);
  if (acl !== undefined && acl.unresolved === undefined) {
    const own = ctx.subnetAddresses(subnet.id);
    // Group atoms left are groups without known members: their addresses (and so the ACL's
    // verdict) are unknown, so they are kept as they are.
    const groupsLeft = {
      v4: [],
      v6: [],
      atoms: destinationsOf(flows).atoms.filter((x) => x.startsWith('group:')),
    };
    const inside = restrictFlows(flows, unionOf(own, groupsLeft));
    const crossing = mapFlows(flows, (d) => difference(difference(d, own), groupsLeft));
    const universe = allTraffic(destinationsOf(crossing));
    const lists = destinationsOf(crossing).atoms.filter((x) => x.startsWith('prefix-list:'));
    const result = evaluateOrdered(egressRules(acl, lists, network?.cidrs ?? []), universe);
    flows = unionFlows(inside, intersectFlows(crossing, result.allowed));
  }
  const tableId = ctx.routeTableOf(subnet);
  const table = tableId === undefined ? undefined : ctx.routeTables.get(tableId);
  if (table === undefined || table.unresolved !== undefined) return flows;
  let routable: Destinations = NOWHERE;
  for (const r of routeDestinations([...localRoutes(network), ...table.routes], a.groups)) {
    routable = unionOf(routable, r.to);
  }
  const unplaced = destinationsOf(flows).atoms.filter((x) => x.startsWith('group:'));
  return restrictFlows(flows, unionOf(routable, { v4: [], v6: [], atoms: unplaced }));
}
