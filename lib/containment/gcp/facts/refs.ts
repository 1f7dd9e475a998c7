/*
 * References between resources, in canonical form (see the conventions in ./types.ts).
 */

const COMPUTE_PREFIX = /^https:\/\/(www|compute)\.googleapis\.com\/compute\/(v1|beta|alpha)\//;

/** Canonical form of a reference: no API prefix, no `?uniqueId=` query. */
export function canonicalRef(value: string): string {
  return value.replace(COMPUTE_PREFIX, '').replace(/\?.*$/, '');
}

/** True when two references name the same resource (full paths, or last segments). */
export function sameRef(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  const x = canonicalRef(a);
  const y = canonicalRef(b);
  if (x === y) return true;
  if (x.includes('/') && y.includes('/')) return false;
  return x.split('/').pop() === y.split('/').pop();
}

/** The last path segment of a reference (its resource name). */
export function refName(value: string): string {
  return canonicalRef(value).split('/').pop() ?? value;
}
