import type { Attachment, Finding, Route, RouteTable, Subnet } from '../model.js';
import { routeApplies } from '../routing.js';
import type { Violation } from '../violations.js';
import type { Context } from './context.js';

/** Route targets that keep traffic inside the perimeter's design. */
const STAYS_INSIDE = new Set(['local', 'gateway-endpoint']);

/** "agent subnet A, B" or "subnet C (where agents have interfaces)". */
export function subnetsPhrase(subnets: readonly Subnet[]): string {
  const names = subnets.map((s) => s.resource).join(', ');
  return subnets.every((s) => s.tier === 'agent')
    ? `agent subnet ${names}`
    : `subnet ${names} (agents run there)`;
}

export function describeRouteDestination(route: Route): string {
  const d = route.destination;
  if ('cidr' in d) return d.cidr;
  if ('prefixList' in d) return `prefix list ${d.prefixList}`;
  return `an unresolved destination (${d.unresolved})`;
}

/** Agent subnets grouped by the route table they use. */
export interface TableUse {
  readonly table: RouteTable | undefined;
  readonly tableId: string | undefined;
  readonly subnets: Subnet[];
  /** Groups of the agents in those subnets (for tag-scoped routes). */
  readonly groups: Set<string>;
}

export function tableUses(ctx: Context, agents: readonly Attachment[]): TableUse[] {
  const uses = new Map<string, TableUse>();
  for (const a of agents) {
    const subnet = a.subnet === undefined ? undefined : ctx.subnets.get(a.subnet);
    if (subnet === undefined || subnet.unresolved !== undefined) continue;
    const tableId = ctx.routeTableOf(subnet);
    const key = tableId ?? `main-unknown:${subnet.network ?? ''}`;
    let use = uses.get(key);
    if (use === undefined) {
      use = {
        table: tableId === undefined ? undefined : ctx.routeTables.get(tableId),
        tableId,
        subnets: [],
        groups: new Set(),
      };
      uses.set(key, use);
    }
    if (!use.subnets.includes(subnet)) use.subnets.push(subnet);
    for (const g of a.groups) use.groups.add(g);
  }
  return [...uses.values()];
}

/**
 * The route layer: an agent subnet keeps only the local route and gateway endpoints. Every
 * other route (default or specific, IPv4 or IPv6) leaves the network or hands traffic to a
 * box that can forward it, so it is reported whatever the security groups say.
 */
export function checkRoutes(ctx: Context, uses: readonly TableUse[]): Violation[] {
  const out: Violation[] = [];
  const { routeTable: tableWord, network: networkWord } = ctx.terms;
  for (const use of uses) {
    const names = use.subnets.map((s) => s.resource).join(', ');
    const where = subnetsPhrase(use.subnets);
    const via = [
      ...new Set(use.subnets.map((s) => s.routeTableVia).filter((x) => x !== undefined)),
    ];
    const first = use.subnets[0];
    if (use.tableId === undefined || use.table === undefined) {
      const network = first?.network === undefined ? undefined : ctx.networks.get(first.network);
      out.push({
        resource: first?.resource ?? names,
        channel: 'cannot-prove',
        explanation: `${where} uses the main ${tableWord} of ${networkWord} ${network?.resource ?? first?.network ?? '(unknown)'}, which is not in the input, so its routes cannot be checked. Fix: associate the subnet with a ${tableWord} defined in this template.`,
      });
      continue;
    }
    const table = use.table;
    if (table.unresolved !== undefined && table.trusted !== true) {
      out.push({
        resource: first?.resource ?? table.resource,
        channel: 'cannot-prove',
        explanation: `${where} uses ${tableWord} ${table.resource}, which ${table.unresolved}, so its routes cannot be checked. Fix: use a ${tableWord} defined in this template, or declare the value trusted once the template that defines it is verified.`,
      });
    }
    for (const route of table.routes) {
      if (!routeApplies(route, [...use.groups])) continue;
      if (STAYS_INSIDE.has(route.target.kind) || route.target.trusted === true) continue;
      out.push({
        resource: route.resource,
        channel: 'route-to-internet',
        explanation: `route ${route.resource} to ${describeRouteDestination(route)} in ${tableWord} ${table.resource} of ${where}${via.length === 0 ? '' : ` (associated by ${via.join(', ')})`} goes to ${route.target.label}: agents get a path out of the ${networkWord} that bypasses the proxy (C17). Fix: remove the route; agent subnets keep only the local route and gateway endpoints.`,
      });
    }
    const network = first?.network === undefined ? undefined : ctx.networks.get(first.network);
    if (network?.mainRouteTable === use.tableId) {
      for (const route of ctx.model.unplacedRoutes) {
        if (STAYS_INSIDE.has(route.target.kind) || route.target.trusted === true) continue;
        out.push({
          resource: route.resource,
          channel: 'cannot-prove',
          explanation: `route ${route.resource} to ${describeRouteDestination(route)} via ${route.target.label} is in a ${tableWord} that cannot be identified, and ${where} uses the main ${tableWord} of ${networkWord} ${network.resource}, which it could be. Fix: reference ${tableWord}s defined in this template, or give the agent subnets their own ${tableWord}.`,
        });
      }
    }
  }
  return out;
}

/** Workloads that reach the internet without the network (a function outside any VPC). */
export function checkDirectInternet(agents: readonly Attachment[]): Violation[] {
  return agents.flatMap((a) =>
    (a.directInternet ?? []).map((f) => ({
      resource: f.resource,
      channel: 'route-to-internet' as const,
      explanation: `${a.kind} ${a.resource} is an agent but ${f.how}, so it reaches the internet directly and no route table, firewall group or proxy applies. Fix: ${f.fix ?? 'attach it to the agent subnets with the agent group.'}`,
    })),
  );
}

/**
 * Address translation serving a subnet with agents (Cloud NAT): the only thing between the
 * agents and the internet is then the absence of a route, one change away (C4, C17).
 */
export function checkNat(ctx: Context, agents: readonly Attachment[]): Violation[] {
  const hits = new Map<string, { finding: Finding; subnet: Subnet; agents: Set<string> }>();
  for (const a of agents) {
    const subnet = a.subnet === undefined ? undefined : ctx.subnets.get(a.subnet);
    if (subnet === undefined || subnet.trusted === true) continue;
    for (const finding of subnet.nat ?? []) {
      const key = `${finding.resource}\u0000${subnet.id}`;
      const hit = hits.get(key) ?? { finding, subnet, agents: new Set<string>() };
      if (a.role !== 'slot') hit.agents.add(`${a.kind} ${a.resource}`);
      hits.set(key, hit);
    }
  }
  return [...hits.values()].map(({ finding, subnet, agents: names }) => {
    const who = names.size === 0 ? '' : ` (${[...names].sort().join(', ')})`;
    const what = `${finding.how}: it translates the traffic of ${subnetsPhrase([subnet])}${who} to public addresses`;
    return finding.unresolved === true
      ? {
          resource: finding.resource,
          channel: 'cannot-prove' as const,
          explanation: `${what}, or may. Fix: use literal values.`,
        }
      : {
          resource: finding.resource,
          channel: 'route-to-internet' as const,
          explanation: `${what}, so any route to the internet gateway that agents use (one change) takes them out without the proxy (C4, C17). Fix: ${finding.fix ?? 'serve only the proxy subnet.'}`,
        };
  });
}
