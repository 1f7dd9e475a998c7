/**
 * IPv4 and IPv6 address ranges as sorted, disjoint, non-adjacent inclusive intervals over
 * bigints. Everything is immutable: operations return new arrays.
 */

export type Family = 'v4' | 'v6';
export type Range = readonly [bigint, bigint];
/** Sorted, disjoint and non-adjacent; `[]` is empty. */
export type Ranges = readonly Range[];

export const V4_MAX = (1n << 32n) - 1n;
export const V6_MAX = (1n << 128n) - 1n;
export const ALL_V4: Ranges = [[0n, V4_MAX]];
export const ALL_V6: Ranges = [[0n, V6_MAX]];

export interface Cidr {
  readonly family: Family;
  readonly start: bigint;
  readonly end: bigint;
  readonly prefix: number;
}

const V4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function parseV4(text: string): bigint | undefined {
  const m = V4.exec(text);
  if (m === null) return undefined;
  let n = 0n;
  for (const octet of m.slice(1)) {
    const v = Number(octet);
    if (v > 255) return undefined;
    n = n * 256n + BigInt(v);
  }
  return n;
}

function parseV6(text: string): bigint | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    const pieces = part.split(':');
    for (const [i, piece] of pieces.entries()) {
      if (piece.includes('.')) {
        if (i !== pieces.length - 1) return undefined;
        const v4 = parseV4(piece);
        if (v4 === undefined) return undefined;
        out.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(piece)) return undefined;
        out.push(Number.parseInt(piece, 16));
      }
    }
    return out;
  };
  const head = groups(halves[0] ?? '');
  const tail = halves.length === 2 ? groups(halves[1] ?? '') : [];
  if (head === undefined || tail === undefined) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  let n = 0n;
  for (const g of [...head, ...new Array<number>(missing).fill(0), ...tail]) {
    n = (n << 16n) | BigInt(g);
  }
  return n;
}

/** Parses `10.0.0.0/16`, `::/0`, `2001:db8::/32` or a bare address (a /32 or /128). */
export function parseCidr(text: string): Cidr | undefined {
  const [address = '', bits, ...rest] = text.trim().split('/');
  if (rest.length > 0) return undefined;
  const family: Family = address.includes(':') ? 'v6' : 'v4';
  const width = family === 'v4' ? 32 : 128;
  const value = family === 'v4' ? parseV4(address) : parseV6(address);
  if (value === undefined) return undefined;
  const prefix = bits === undefined ? width : /^\d{1,3}$/.test(bits) ? Number(bits) : Number.NaN;
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > width) return undefined;
  const size = 1n << BigInt(width - prefix);
  const start = (value / size) * size;
  return { family, start, end: start + size - 1n, prefix };
}

export function isCidr(text: string): boolean {
  return parseCidr(text) !== undefined;
}

function normalize(ranges: Range[]): Range[] {
  ranges.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out: [bigint, bigint][] = [];
  for (const [lo, hi] of ranges) {
    const last = out.at(-1);
    if (last !== undefined && lo <= last[1] + 1n) {
      if (hi > last[1]) last[1] = hi;
    } else {
      out.push([lo, hi]);
    }
  }
  return out;
}

export function rangesOf(...ranges: Range[]): Ranges {
  return normalize([...ranges]);
}

export function union(a: Ranges, b: Ranges): Ranges {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  return normalize([...a, ...b]);
}

function bigMax(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

function bigMin(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

export function intersect(a: Ranges, b: Ranges): Ranges {
  const out: Range[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as Range;
    const y = b[j] as Range;
    const lo = bigMax(x[0], y[0]);
    const hi = bigMin(x[1], y[1]);
    if (lo <= hi) out.push([lo, hi]);
    if (x[1] < y[1]) i++;
    else j++;
  }
  return out;
}

export function subtract(a: Ranges, b: Ranges): Ranges {
  if (a.length === 0 || b.length === 0) return a;
  const out: Range[] = [];
  let j = 0;
  for (const [lo0, hi] of a) {
    let lo = lo0;
    while (j < b.length && (b[j] as Range)[1] < lo) j++;
    let k = j;
    while (k < b.length && lo <= hi) {
      const [blo, bhi] = b[k] as Range;
      if (blo > hi) break;
      if (blo > lo) out.push([lo, blo - 1n]);
      lo = bhi + 1n;
      k++;
    }
    if (lo <= hi) out.push([lo, hi]);
  }
  return out;
}

export function sameRanges(a: Ranges, b: Ranges): boolean {
  if (a.length !== b.length) return false;
  return a.every((r, i) => r[0] === b[i]?.[0] && r[1] === b[i]?.[1]);
}

/** Whether every address of `inner` is in `outer`. */
export function covers(outer: Ranges, inner: Ranges): boolean {
  return subtract(inner, outer).length === 0;
}

function formatV4(n: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 255n)).join('.');
}

function formatV6(n: bigint): string {
  const groups: number[] = [];
  for (let s = 112n; s >= 0n; s -= 16n) groups.push(Number((n >> s) & 0xffffn));
  // Compress the longest run of zero groups (RFC 5952).
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i > 1) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** The fewest CIDR blocks that exactly cover `ranges`, in order. */
export function toCidrs(ranges: Ranges, family: Family): string[] {
  const width = family === 'v4' ? 32n : 128n;
  const out: string[] = [];
  for (const [lo0, hi] of ranges) {
    let lo = lo0;
    while (lo <= hi) {
      let size = 1n;
      let bits = 0n;
      while (bits < width && lo % (size * 2n) === 0n && lo + size * 2n - 1n <= hi) {
        size *= 2n;
        bits++;
      }
      const text = family === 'v4' ? formatV4(lo) : formatV6(lo);
      out.push(`${text}/${width - bits}`);
      lo += size;
    }
  }
  return out;
}

/** `Fn::Cidr`: `count` consecutive blocks of 2^bits addresses from the start of `block`. */
export function splitCidr(block: string, count: number, hostBits: number): string[] | undefined {
  const cidr = parseCidr(block);
  if (cidr === undefined) return undefined;
  const size = 1n << BigInt(hostBits);
  const width = cidr.family === 'v4' ? 32 : 128;
  const out: string[] = [];
  for (let i = 0n; i < BigInt(count); i++) {
    const start = cidr.start + i * size;
    if (start + size - 1n > cidr.end) return undefined;
    const text = cidr.family === 'v4' ? formatV4(start) : formatV6(start);
    out.push(`${text}/${width - hostBits}`);
  }
  return out;
}
