import {
  type Destinations,
  describeDestinations,
  difference,
  intersectionOf,
  isEmpty,
  sameDestinations,
  unionOf,
} from './destinations.js';
import type { Traffic } from './model.js';

/*
 * A set of flows (protocol x port x destination) as a piecewise-constant function from a flow
 * key to destinations. The key packs the IP protocol number and the port:
 * `protocol * 65536 + port`. ICMP has no ports; its key packs the type and code instead
 * (`type * 256 + code`), which is how security groups and NACLs write ICMP rules. Protocols
 * without ports use their whole block.
 */

export const PROTOCOL = { icmp: 1, tcp: 6, udp: 17, icmpv6: 58 } as const;
const BLOCK = 65536;
export const KEY_MAX = 256 * BLOCK - 1;

export interface Segment {
  readonly from: number;
  readonly to: number;
  readonly to_: Destinations;
}

/** Sorted, non-overlapping segments with non-empty destinations. */
export type Flows = readonly Segment[];

export const NO_FLOWS: Flows = [];

function hasPorts(protocol: number): boolean {
  return protocol === PROTOCOL.tcp || protocol === PROTOCOL.udp;
}

function isIcmp(protocol: number): boolean {
  return protocol === PROTOCOL.icmp || protocol === PROTOCOL.icmpv6;
}

/** Key ranges of some traffic. */
export function trafficKeys(traffic: Traffic): [number, number][] {
  if (traffic.protocol === 'all') return [[0, KEY_MAX]];
  const base = traffic.protocol * BLOCK;
  if (hasPorts(traffic.protocol) && traffic.ports !== undefined) {
    const from = Math.max(0, traffic.ports.from);
    const to = Math.min(BLOCK - 1, traffic.ports.to);
    return from > to ? [] : [[base + from, base + to]];
  }
  if (isIcmp(traffic.protocol) && traffic.icmpType !== undefined && traffic.icmpType >= 0) {
    const type = traffic.icmpType * 256;
    if (traffic.icmpCode === undefined || traffic.icmpCode < 0) {
      return [[base + type, base + type + 255]];
    }
    return [[base + type + traffic.icmpCode, base + type + traffic.icmpCode]];
  }
  return [[base, base + BLOCK - 1]];
}

export function flowsOf(traffic: Traffic, to: Destinations): Flows {
  if (isEmpty(to)) return [];
  return trafficKeys(traffic).map(([from, end]) => ({ from, to: end, to_: to }));
}

export function allTraffic(to: Destinations): Flows {
  return isEmpty(to) ? [] : [{ from: 0, to: KEY_MAX, to_: to }];
}

type Op = (a: Destinations | undefined, b: Destinations | undefined) => Destinations | undefined;

function combine(a: Flows, b: Flows, op: Op): Flows {
  const cuts = new Set<number>();
  for (const s of a) cuts.add(s.from).add(s.to + 1);
  for (const s of b) cuts.add(s.from).add(s.to + 1);
  const points = [...cuts].sort((x, y) => x - y);
  const out: Segment[] = [];
  let i = 0;
  let j = 0;
  for (let k = 0; k + 1 < points.length; k++) {
    const from = points[k] as number;
    const to = (points[k + 1] as number) - 1;
    while (i < a.length && (a[i] as Segment).to < from) i++;
    while (j < b.length && (b[j] as Segment).to < from) j++;
    const sa = a[i];
    const sb = b[j];
    const da = sa !== undefined && sa.from <= from ? sa.to_ : undefined;
    const db = sb !== undefined && sb.from <= from ? sb.to_ : undefined;
    const d = op(da, db);
    if (d === undefined || isEmpty(d)) continue;
    const last = out.at(-1);
    if (last !== undefined && last.to + 1 === from && sameDestinations(last.to_, d)) {
      out[out.length - 1] = { from: last.from, to, to_: d };
    } else {
      out.push({ from, to, to_: d });
    }
  }
  return out;
}

export function unionFlows(a: Flows, b: Flows): Flows {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  return combine(a, b, (x, y) => (x === undefined ? y : y === undefined ? x : unionOf(x, y)));
}

export function intersectFlows(a: Flows, b: Flows): Flows {
  if (a.length === 0 || b.length === 0) return [];
  return combine(a, b, (x, y) =>
    x === undefined || y === undefined ? undefined : intersectionOf(x, y),
  );
}

export function subtractFlows(a: Flows, b: Flows): Flows {
  if (a.length === 0 || b.length === 0) return a;
  return combine(a, b, (x, y) =>
    x === undefined ? undefined : y === undefined ? x : difference(x, y),
  );
}

/** Keeps only the destinations in `to`, for every protocol and port. */
export function restrictFlows(a: Flows, to: Destinations): Flows {
  return intersectFlows(a, allTraffic(to));
}

/** Replaces the destinations of every segment (e.g. group atoms by member addresses). */
export function mapFlows(a: Flows, fn: (d: Destinations) => Destinations): Flows {
  let out: Flows = [];
  for (const s of a) {
    const d = fn(s.to_);
    if (!isEmpty(d)) out = unionFlows(out, [{ from: s.from, to: s.to, to_: d }]);
  }
  return out;
}

export function isNoFlow(a: Flows): boolean {
  return a.length === 0;
}

/** Every destination some flow goes to. */
export function destinationsOf(a: Flows): Destinations {
  return a.reduce<Destinations>((d, s) => unionOf(d, s.to_), { v4: [], v6: [], atoms: [] });
}

const NAMES: Record<number, string> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 58: 'icmpv6' };

function protocolName(p: number): string {
  return NAMES[p] ?? `protocol ${p}`;
}

/** "tcp 443", "udp 0-65535", "icmp", "all traffic" for a union of key ranges. */
export function describeKeys(keys: readonly (readonly [number, number])[]): string {
  if (keys.length === 1 && keys[0]?.[0] === 0 && keys[0]?.[1] === KEY_MAX) return 'all traffic';
  const byProtocol = new Map<number, [number, number][]>();
  for (const [from, to] of keys) {
    for (let p = Math.floor(from / BLOCK); p <= Math.floor(to / BLOCK); p++) {
      const lo = Math.max(from, p * BLOCK) - p * BLOCK;
      const hi = Math.min(to, p * BLOCK + BLOCK - 1) - p * BLOCK;
      const list = byProtocol.get(p) ?? [];
      list.push([lo, hi]);
      byProtocol.set(p, list);
    }
  }
  const whole = (list: [number, number][]) =>
    list.length === 1 && list[0]?.[0] === 0 && list[0]?.[1] === BLOCK - 1;
  const parts: string[] = [];
  let others = 0;
  for (const [p, list] of byProtocol) {
    if (hasPorts(p)) {
      const ports = list.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(',');
      parts.push(`${protocolName(p)} ${whole(list) ? 'all ports' : ports}`);
    } else if (isIcmp(p) && !whole(list)) {
      const types = list.map(([a, b]) =>
        a === b ? `${a >> 8}/${a & 255}` : a >> 8 === b >> 8 ? `${a >> 8}` : `${a >> 8}-${b >> 8}`,
      );
      parts.push(`${protocolName(p)} type ${types.join(',')}`);
    } else if (p in NAMES) {
      parts.push(protocolName(p));
    } else {
      others++;
    }
  }
  if (others > 3) parts.push(`${others} other protocols`);
  else {
    for (const p of byProtocol.keys()) {
      if (!(p in NAMES) && !hasPorts(p)) parts.push(protocolName(p));
    }
  }
  return parts.join(', ');
}

/** One line per destination set: "tcp 443 to 0.0.0.0/0". */
export function describeFlows(a: Flows, label?: (atom: string) => string, limit = 4): string {
  const groups: { to_: Destinations; keys: [number, number][] }[] = [];
  for (const s of a) {
    const g = groups.find((x) => sameDestinations(x.to_, s.to_));
    if (g === undefined) groups.push({ to_: s.to_, keys: [[s.from, s.to]] });
    else g.keys.push([s.from, s.to]);
  }
  const lines = groups.map(
    (g) => `${describeKeys(g.keys)} to ${describeDestinations(g.to_, label)}`,
  );
  if (lines.length <= limit) return lines.join('; ');
  return `${lines.slice(0, limit).join('; ')}; and ${lines.length - limit} more`;
}
