import { covers, parseCidr } from '../addresses.js';
import {
  cidrDestinations,
  type Destinations,
  difference,
  NOWHERE,
  unionOf,
} from '../destinations.js';
import {
  allTraffic,
  describeFlows,
  type Flows,
  flowsOf,
  subtractFlows,
  unionFlows,
} from '../flows.js';
import type { AclEntry, NetworkAcl, Subnet } from '../model.js';
import { isUnresolved } from '../model.js';
import { evaluateOrdered, type OrderedRule } from '../ordered.js';
import { localRoutes, routeDestinations } from '../routing.js';
import type { Violation } from '../violations.js';
import type { AllowedSet } from './allowed.js';
import type { Context } from './context.js';
import { ruleName } from './firewall.js';
import { subnetsPhrase, type TableUse } from './routes.js';

/**
 * Where an agent subnet's traffic can go by design: the local network (other subnets; the
 * subnet's own block never crosses its ACL) and the gateway endpoints' prefix lists. Routes
 * that leave the network are reported by the route layer, so the ACL is judged on this.
 */
function intendedSpace(
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

interface Leak {
  entry: AclEntry;
  acl: NetworkAcl;
  flows: Flows;
  subnets: Subnet[];
}

/**
 * The stateless layer: each agent subnet's ACL must not let anything out beyond the allowed
 * set on its own, so that one widened security group still leaves a second wall (C4). Egress
 * is judged alone: one-way UDP or ICMP is enough to leak data, return traffic or not.
 */
export function checkAcls(
  ctx: Context,
  allowed: AllowedSet,
  uses: readonly TableUse[],
): Violation[] {
  const out: Violation[] = [];
  const leaks = new Map<string, Leak>();
  const blind = new Map<string, { entry: AclEntry; acl: NetworkAcl; subnets: Subnet[] }>();
  const { acl: aclWord, group: groupWord, network: networkWord } = ctx.terms;
  for (const use of uses) {
    for (const subnet of use.subnets) {
      if (subnet.trusted === true) continue;
      const network = subnet.network === undefined ? undefined : ctx.networks.get(subnet.network);
      if (subnet.acl === undefined) {
        if (network?.defaultAcl === 'none') continue;
        out.push({
          resource: subnet.resource,
          channel: 'nacl-weakened',
          explanation: `${subnetsPhrase([subnet])} has no ${aclWord} of its own, so it uses the default ${aclWord} of ${networkWord} ${network?.resource ?? '(unknown)'}, which allows all traffic: a widened ${groupWord} would be the only wall (C4). Fix: associate the subnet with the agent ${aclWord}.`,
        });
        continue;
      }
      const acl = ctx.acls.get(subnet.acl);
      if (acl === undefined || (acl.unresolved !== undefined && acl.trusted !== true)) {
        out.push({
          resource: subnet.resource,
          channel: 'cannot-prove',
          explanation: `${subnetsPhrase([subnet])} uses ${aclWord} ${acl?.resource ?? subnet.acl}, which ${acl?.unresolved ?? 'is not in the input'}, so its entries cannot be checked. Fix: associate a ${aclWord} defined in this template, or declare the value trusted.`,
        });
        continue;
      }
      if (acl.trusted === true) continue;
      const { space, lists } = intendedSpace(ctx, subnet, use);
      const rules: OrderedRule<AclEntry>[] = acl.entries
        .filter((e) => e.direction === 'egress')
        .map((entry) => ({
          rule: entry,
          level: entry.ruleNumber,
          action: entry.action,
          flows: entryFlows(entry, lists, network?.cidrs ?? []),
        }));
      const result = evaluateOrdered(rules, allTraffic(space));
      for (const entry of result.unresolved) {
        const key = `${entry.resource}\u0000${entry.ruleNumber}`;
        const prev = blind.get(key);
        if (prev === undefined) blind.set(key, { entry, acl, subnets: [subnet] });
        else prev.subnets.push(subnet);
      }
      const permitted = allowed.flows(use.tableId);
      for (const { rule: entry, flows } of result.decided) {
        const leak = subtractFlows(flows, permitted);
        if (leak.length === 0) continue;
        const key = `${entry.resource}\u0000${entry.location ?? ''}\u0000${entry.ruleNumber}`;
        const prev = leaks.get(key);
        if (prev === undefined) leaks.set(key, { entry, acl, flows: leak, subnets: [subnet] });
        else {
          prev.flows = unionFlows(prev.flows, leak);
          prev.subnets.push(subnet);
        }
      }
    }
  }
  for (const { entry, acl, subnets } of blind.values()) {
    out.push({
      resource: entry.resource,
      channel: 'cannot-prove',
      explanation: `${aclWord} entry ${ruleName(entry)} (rule ${entry.ruleNumber}) of ${acl.resource} on ${subnetsPhrase(subnets)} cannot be checked: ${unresolvedOf(entry)}. Fix: use literal values or ones defined in this template.`,
    });
  }
  for (const { entry, acl, flows, subnets } of leaks.values()) {
    out.push({
      resource: entry.resource,
      channel: 'nacl-weakened',
      explanation: `${aclWord} entry ${ruleName(entry)} (rule ${entry.ruleNumber}, ${entry.action}) of ${acl.resource} lets ${describeFlows(flows, ctx.label, 3)} out of ${subnetsPhrase(subnets)}, beyond ${allowed.describe()}: if a ${groupWord} were widened, nothing else would stop it (C4). Fix: narrow the entry, or add deny entries with lower rule numbers.`,
    });
  }
  return out;
}

function unresolvedOf(entry: AclEntry): string {
  if (isUnresolved(entry.traffic)) return entry.traffic.unresolved;
  return typeof entry.cidr === 'string'
    ? `"${entry.cidr}" is not a CIDR block`
    : entry.cidr.unresolved;
}
