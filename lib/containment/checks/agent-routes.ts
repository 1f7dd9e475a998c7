import { describeRouteDestination, STAYS_INSIDE, subnetsPhrase } from '../analysis/routes.js';
import type { Scope } from '../analysis/scope.js';
import { routeApplies } from '../routing.js';
import type { Violation } from '../violations.js';

/**
 * The route layer: an agent subnet keeps only the local route and gateway endpoints. Every
 * other route (default or specific, IPv4 or IPv6) leaves the network or hands traffic to a
 * box that can forward it, so it is reported whatever the security groups say.
 */
export function agentRoutes({ ctx, uses }: Scope): readonly Violation[] {
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
