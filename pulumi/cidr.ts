/*
 * IPv4 CIDR arithmetic for the network plan. Pure and dependency-free; ranges are validated
 * here so that a typo fails before any resource is defined.
 */

/** A parsed IPv4 range: first address as an unsigned 32-bit number, and prefix length. */
export interface Ipv4Range {
  readonly base: number;
  readonly prefix: number;
}

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Parses "10.0.0.0/20"; undefined when it is not a canonical IPv4 CIDR (host bits zero). */
export function parseCidr(cidr: string): Ipv4Range | undefined {
  const m = CIDR.exec(cidr);
  if (m === null) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const base = octets.reduce((acc, o) => acc * 256 + o, 0);
  if (base % 2 ** (32 - prefix) !== 0) return undefined;
  return { base, prefix };
}

/** Number of addresses in the range. */
export function rangeSize(range: Ipv4Range): number {
  return 2 ** (32 - range.prefix);
}

/** Dotted-quad form of an unsigned 32-bit address. */
export function formatIpv4(address: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(address / 2 ** shift) % 256).join('.');
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

/** True when the two ranges share at least one address. */
export function overlaps(a: Ipv4Range, b: Ipv4Range): boolean {
  return a.base < b.base + rangeSize(b) && b.base < a.base + rangeSize(a);
}

/** True when `address` (dotted quad) lies inside `range`. */
export function containsAddress(range: Ipv4Range, address: string): boolean {
  const parsed = parseCidr(`${address}/32`);
  return (
    parsed !== undefined && parsed.base >= range.base && parsed.base < range.base + rangeSize(range)
  );
}

/** RFC 1918 private ranges: the only ones a subnet of the perimeter may use. */
export const PRIVATE_RANGES: readonly string[] = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];

/** True when `range` lies entirely inside one of the RFC 1918 ranges. */
export function isPrivate(range: Ipv4Range): boolean {
  return PRIVATE_RANGES.some((text) => {
    const outer = parseCidr(text) as Ipv4Range;
    return (
      range.base >= outer.base && range.base + rangeSize(range) <= outer.base + rangeSize(outer)
    );
  });
}
