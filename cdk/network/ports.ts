import type { Policy } from '../../lib/policy/index.js';
import { policyInjectListeners } from '../../lib/policy/index.js';

/** An inclusive TCP port range. */
export interface PortRange {
  readonly from: number;
  readonly to: number;
}

function sortedUnique(ports: Iterable<number>): number[] {
  return [...new Set(ports)].sort((a, b) => a - b);
}

/**
 * Ports agents may reach on the proxy load balancer: the HTTP(S)_PROXY listener plus every
 * base-URL (credential-injecting) listener, sorted and without duplicates.
 */
export function proxyPorts(policy: Policy): number[] {
  return sortedUnique([policy.proxy.port, ...policyInjectListeners(policy).map((l) => l.port)]);
}

/** Ports the proxy may open to the internet: the union of `egress[].ports`, sorted. */
export function upstreamPorts(policy: Policy): number[] {
  return sortedUnique(policy.egress.flatMap((rule) => rule.ports));
}

/** Collapses ports into the fewest inclusive ranges: [80, 443, 444, 445] -> 80, 443-445. */
export function portRanges(ports: readonly number[]): PortRange[] {
  const ranges: { from: number; to: number }[] = [];
  for (const port of sortedUnique(ports)) {
    const last = ranges.at(-1);
    if (last !== undefined && port === last.to + 1) last.to = port;
    else ranges.push({ from: port, to: port });
  }
  return ranges;
}

/** "443" or "8081-8083", for rule descriptions. */
export function formatRange(range: PortRange): string {
  return range.from === range.to ? `${range.from}` : `${range.from}-${range.to}`;
}
