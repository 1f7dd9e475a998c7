import type { Attachment, Route, RouteTable, Subnet } from '../model.js';
import type { Context } from './context.js';

/** Route targets that keep traffic inside the perimeter's design. */
export const STAYS_INSIDE = new Set(['local', 'gateway-endpoint']);

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
