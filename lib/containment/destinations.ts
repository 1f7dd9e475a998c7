import {
  ALL_V4,
  ALL_V6,
  intersect as intersectRanges,
  parseCidr,
  type Ranges,
  sameRanges,
  subtract as subtractRanges,
  toCidrs,
  union as unionRanges,
} from './addresses.js';

/**
 * A set of destinations: IPv4 and IPv6 ranges plus symbolic atoms for things whose addresses
 * are not written down (a firewall group's members, a managed prefix list, a trusted value).
 * Atoms are `group:<id>`, `prefix-list:<id>` or `trusted:<name>`.
 */
export interface Destinations {
  readonly v4: Ranges;
  readonly v6: Ranges;
  /** Sorted, without duplicates. */
  readonly atoms: readonly string[];
}

export const NOWHERE: Destinations = { v4: [], v6: [], atoms: [] };
export const ANY_ADDRESS: Destinations = { v4: ALL_V4, v6: ALL_V6, atoms: [] };

export function atom(kind: 'group' | 'prefix-list' | 'trusted', id: string): Destinations {
  return { v4: [], v6: [], atoms: [`${kind}:${id}`] };
}

export function cidrDestinations(cidrs: readonly string[]): Destinations | undefined {
  let v4: Ranges = [];
  let v6: Ranges = [];
  for (const text of cidrs) {
    const cidr = parseCidr(text);
    if (cidr === undefined) return undefined;
    if (cidr.family === 'v4') v4 = unionRanges(v4, [[cidr.start, cidr.end]]);
    else v6 = unionRanges(v6, [[cidr.start, cidr.end]]);
  }
  return { v4, v6, atoms: [] };
}

/** The smallest CIDR block holding every address of `ranges`. */
function enclosing(ranges: Ranges, f: 'v4' | 'v6'): Ranges {
  const lo = ranges[0]?.[0] ?? 0n;
  const hi = ranges.at(-1)?.[1] ?? 0n;
  let bits = 0n;
  while (lo >> bits !== hi >> bits) bits++;
  const start = (lo >> bits) << bits;
  const width = f === 'v4' ? 32n : 128n;
  return bits > width ? [] : [[start, start + (1n << bits) - 1n]];
}

/** CIDRs of one family, or "10.0.0.0/8 except ..." when that is shorter. */
function family(ranges: Ranges, all: Ranges, f: 'v4' | 'v6', any: string, limit: number): string[] {
  if (ranges.length === 0) return [];
  if (sameRanges(ranges, all)) return [any];
  const direct = toCidrs(ranges, f);
  const outer = enclosing(ranges, f);
  const missing = toCidrs(subtractRanges(outer, ranges), f);
  if (missing.length + 1 >= direct.length) return direct;
  const shown = missing.slice(0, limit).join(', ');
  const more = missing.length > limit ? ` and ${missing.length - limit} more` : '';
  const base = sameRanges(outer, all) ? any : (toCidrs(outer, f)[0] ?? any);
  return [`${base} except ${shown}${more}`];
}

function mergeAtoms(a: readonly string[], b: readonly string[]): readonly string[] {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  return [...new Set([...a, ...b])].sort();
}

export function isEmpty(d: Destinations): boolean {
  return d.v4.length === 0 && d.v6.length === 0 && d.atoms.length === 0;
}

export function unionOf(a: Destinations, b: Destinations): Destinations {
  return {
    v4: unionRanges(a.v4, b.v4),
    v6: unionRanges(a.v6, b.v6),
    atoms: mergeAtoms(a.atoms, b.atoms),
  };
}

export function intersectionOf(a: Destinations, b: Destinations): Destinations {
  const atoms = b.atoms.length === 0 ? [] : a.atoms.filter((x) => b.atoms.includes(x));
  return { v4: intersectRanges(a.v4, b.v4), v6: intersectRanges(a.v6, b.v6), atoms };
}

export function difference(a: Destinations, b: Destinations): Destinations {
  const atoms = b.atoms.length === 0 ? a.atoms : a.atoms.filter((x) => !b.atoms.includes(x));
  return { v4: subtractRanges(a.v4, b.v4), v6: subtractRanges(a.v6, b.v6), atoms };
}

export function sameDestinations(a: Destinations, b: Destinations): boolean {
  return (
    sameRanges(a.v4, b.v4) &&
    sameRanges(a.v6, b.v6) &&
    a.atoms.length === b.atoms.length &&
    a.atoms.every((x, i) => x === b.atoms[i])
  );
}

/** Human-readable list: CIDRs then atoms (named by `label`), at most `limit` items. */
export function describeDestinations(
  d: Destinations,
  label: (atom: string) => string = (a) => a,
  limit = 6,
): string {
  const items = [
    ...family(d.v4, ALL_V4, 'v4', '0.0.0.0/0', limit),
    ...family(d.v6, ALL_V6, 'v6', '::/0', limit),
    ...d.atoms.map(label),
  ];
  if (items.length <= limit) return items.join(', ');
  return `${items.slice(0, limit).join(', ')} and ${items.length - limit} more`;
}
