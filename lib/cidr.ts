/*
 * IPv4 CIDR arithmetic, pure and dependency-free: the local address plan (lib/local) cuts its
 * profile networks with it, and it is neutral enough for any network plan.
 */

/** A parsed IPv4 range: first address as an unsigned 32-bit number, and prefix length. */
export interface Ipv4Range {
  readonly base: number;
  readonly prefix: number;
}

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/**
 * Parses "10.0.0.0/20" as written, host bits and all (see `isNetworkAddress`); undefined when
 * it is not an IPv4 CIDR.
 */
export function parseIpv4Cidr(cidr: string): Ipv4Range | undefined {
  const m = CIDR.exec(cidr);
  if (m === null) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const base = octets.reduce((acc, o) => acc * 256 + o, 0);
  return { base, prefix };
}

/** Number of addresses in the range. */
export function rangeSize(range: Ipv4Range): number {
  return 2 ** (32 - range.prefix);
}

/** True when the range's host bits are zero, so that it starts at its `base`. */
export function isNetworkAddress(range: Ipv4Range): boolean {
  return range.base % rangeSize(range) === 0;
}

/** The range with its host bits cleared: where "10.0.0.5/24" really starts. */
export function networkOf(range: Ipv4Range): Ipv4Range {
  return { base: range.base - (range.base % rangeSize(range)), prefix: range.prefix };
}

/** Dotted-quad form of an unsigned 32-bit address. */
export function formatIpv4(address: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(address / 2 ** shift) % 256).join('.');
}

/** True when the two ranges share at least one address. */
export function overlaps(a: Ipv4Range, b: Ipv4Range): boolean {
  return a.base < b.base + rangeSize(b) && b.base < a.base + rangeSize(a);
}

/** True when every address of `inner` lies inside `outer`. */
export function within(inner: Ipv4Range, outer: Ipv4Range): boolean {
  return inner.base >= outer.base && inner.base + rangeSize(inner) <= outer.base + rangeSize(outer);
}

/** RFC 1918 private ranges. */
export const PRIVATE_RANGES: readonly string[] = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];

/** True when `range` lies entirely inside one of the RFC 1918 ranges. */
export function isPrivate(range: Ipv4Range): boolean {
  return PRIVATE_RANGES.some((text) => within(range, parseIpv4Cidr(text) as Ipv4Range));
}
