import {
  formatIpv4,
  type Ipv4Range,
  isNetworkAddress,
  PRIVATE_RANGES,
  parseIpv4Cidr,
  rangeSize,
  within,
} from '../lib/cidr.js';

/*
 * The network plan's view of IPv4 ranges (the arithmetic is lib/cidr.ts): a range must be
 * canonical and private, so that a typo fails before any resource is defined.
 */

export {
  formatIpv4,
  type Ipv4Range,
  overlaps,
  PRIVATE_RANGES,
  rangeSize,
} from '../lib/cidr.js';

/** Parses "10.0.0.0/20"; undefined when it is not a canonical IPv4 CIDR (host bits zero). */
export function parseCidr(cidr: string): Ipv4Range | undefined {
  const range = parseIpv4Cidr(cidr);
  return range !== undefined && isNetworkAddress(range) ? range : undefined;
}

/** The `index`-th address of the range (0 is the network address). */
export function hostAddress(range: Ipv4Range, index: number): string {
  return formatIpv4(range.base + index);
}

/** Every address of a small range (a /30 has four), in order. */
export function addressesOf(cidr: string): string[] {
  const range = parseCidr(cidr);
  if (range === undefined) throw new Error(`not a canonical IPv4 CIDR: ${cidr}`);
  return Array.from({ length: rangeSize(range) }, (_, i) => hostAddress(range, i));
}

/** True when `address` (dotted quad) lies inside `range`. */
export function containsAddress(range: Ipv4Range, address: string): boolean {
  const parsed = parseCidr(`${address}/32`);
  return parsed !== undefined && within(parsed, range);
}

/**
 * True when `range` lies entirely inside one of the RFC 1918 ranges: the only ones a subnet of
 * the perimeter may use.
 */
export function isPrivate(range: Ipv4Range): boolean {
  return PRIVATE_RANGES.some((text) => within(range, parseIpv4Cidr(text) as Ipv4Range));
}
