import { parseCidr, type Ranges, subtract, union } from './addresses.js';
import { atom, type Destinations, isEmpty } from './destinations.js';
import type { Network, Route } from './model.js';

/** Where one route sends traffic after longest-prefix match. */
export interface RoutedDestinations {
  readonly route: Route;
  /** The destinations this route wins (more specific routes removed). */
  readonly to: Destinations;
}

/** The implicit routes of a network: its blocks stay local. */
export function localRoutes(network: Network | undefined): Route[] {
  if (network === undefined) return [];
  return network.cidrs.map((cidr) => ({
    resource: network.resource,
    destination: { cidr },
    target: { kind: 'local', label: `local (${network.resource})` },
  }));
}

/** Whether a route applies to an attachment in `groups` (untagged routes apply to all). */
export function routeApplies(route: Route, groups: readonly string[]): boolean {
  return route.appliesTo === undefined || route.appliesTo.some((g) => groups.includes(g));
}

/**
 * Longest-prefix match over a route table: for each route, the destinations it actually
 * wins. Equally specific routes are ordered by priority (lower first). Prefix-list routes win
 * their list's addresses (which are not written down, so they stay a symbolic atom). Routes
 * with an unresolved destination are left out; the caller reports them.
 */
export function routeDestinations(
  routes: readonly Route[],
  groups: readonly string[] = [],
): RoutedDestinations[] {
  const parsed = routes
    .filter((r) => routeApplies(r, groups))
    .map((route) => {
      const d = route.destination;
      if ('cidr' in d) {
        const cidr = parseCidr(d.cidr);
        return cidr === undefined ? undefined : { route, cidr };
      }
      return undefined;
    })
    .filter((x) => x !== undefined)
    .sort(
      (a, b) =>
        b.cidr.prefix - a.cidr.prefix || (a.route.priority ?? 1000) - (b.route.priority ?? 1000),
    );
  let covered4: Ranges = [];
  let covered6: Ranges = [];
  const out: RoutedDestinations[] = [];
  for (const { route, cidr } of parsed) {
    const range: Ranges = [[cidr.start, cidr.end]];
    if (cidr.family === 'v4') {
      const won = subtract(range, covered4);
      covered4 = union(covered4, range);
      out.push({ route, to: { v4: won, v6: [], atoms: [] } });
    } else {
      const won = subtract(range, covered6);
      covered6 = union(covered6, range);
      out.push({ route, to: { v4: [], v6: won, atoms: [] } });
    }
  }
  for (const route of routes) {
    if (!routeApplies(route, groups)) continue;
    if ('prefixList' in route.destination) {
      out.push({ route, to: atom('prefix-list', route.destination.prefixList) });
    }
  }
  return out.filter((r) => !isEmpty(r.to));
}
