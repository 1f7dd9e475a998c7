/** How issues name paths, values and alternatives. */

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_VALUE_CHARS = 80;
const MAX_LISTED = 12;

/** `parent.key`, or `parent["odd key"]` for keys that are not identifiers (e.g. `@type`). */
export function childPath(parent: string, key: string): string {
  if (!IDENTIFIER.test(key)) return `${parent}[${JSON.stringify(key)}]`;
  return parent === '' ? key : `${parent}.${key}`;
}

export function indexPath(parent: string, index: number): string {
  return `${parent}[${index}]`;
}

/** Map entries are always bracketed: their keys are data (header names, filter names). */
export function mapPath(parent: string, key: string): string {
  return `${parent}[${JSON.stringify(key)}]`;
}

/** A value as it would appear in the config: `5`, `"abc"`, `an object`. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty array' : 'an array';
  switch (typeof value) {
    case 'object':
      return 'an object';
    case 'string': {
      const text = JSON.stringify(value);
      return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS - 4)}..."` : text;
    }
    case 'number':
    case 'boolean':
      return String(value);
    case 'bigint':
      return value.toString();
    case 'undefined':
      return 'undefined';
    default:
      return `a ${typeof value}`;
  }
}

/** `A, B, C` or `A, B, ... (40 more)`. */
export function listOf(values: readonly string[], max = MAX_LISTED): string {
  if (values.length <= max) return values.join(', ');
  return `${values.slice(0, max).join(', ')}, ... (${values.length - max} more)`;
}

/** The candidate closest to `wrong` within edit distance 2 (case-insensitive match first). */
export function closest(wrong: string, candidates: Iterable<string>): string | undefined {
  const lower = wrong.toLowerCase();
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    if (candidate.toLowerCase() === lower) return candidate;
    if (Math.abs(candidate.length - wrong.length) >= bestDistance) continue;
    const distance = levenshtein(wrong, candidate, bestDistance);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

export function didYouMean(suggestion: string | undefined): string {
  return suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`;
}

/** Edit distance, giving up (returning `limit`) once every path costs at least `limit`. */
function levenshtein(a: string, b: string, limit: number): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min(
        (previous[j] ?? i) + 1,
        (current[j - 1] ?? i) + 1,
        (previous[j - 1] ?? i) + cost,
      );
      current.push(value);
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin >= limit) return limit;
    previous = current;
  }
  return previous[b.length] ?? limit;
}
