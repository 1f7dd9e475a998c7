import { describe } from './format.js';
import type { Parsed } from './scalars.js';
import type { ScalarType } from './schema.js';

/**
 * google.protobuf types whose proto3 JSON form is not an object of their fields, so the walker
 * must special-case them: Duration is `"1.5s"`, UInt32Value is a bare number, Struct is any JSON
 * object, and so on.
 */

export const ANY = 'google.protobuf.Any';
export const DURATION = 'google.protobuf.Duration';
export const TIMESTAMP = 'google.protobuf.Timestamp';
export const STRUCT = 'google.protobuf.Struct';
export const VALUE = 'google.protobuf.Value';
export const LIST_VALUE = 'google.protobuf.ListValue';
export const EMPTY = 'google.protobuf.Empty';
export const FIELD_MASK = 'google.protobuf.FieldMask';
export const NULL_VALUE = 'google.protobuf.NullValue';

/** Wrapper message → the scalar it wraps (its JSON form and its validate.rules type). */
export const WRAPPERS: ReadonlyMap<string, ScalarType> = new Map<string, ScalarType>([
  ['google.protobuf.DoubleValue', 'double'],
  ['google.protobuf.FloatValue', 'float'],
  ['google.protobuf.Int64Value', 'int64'],
  ['google.protobuf.UInt64Value', 'uint64'],
  ['google.protobuf.Int32Value', 'int32'],
  ['google.protobuf.UInt32Value', 'uint32'],
  ['google.protobuf.BoolValue', 'bool'],
  ['google.protobuf.StringValue', 'string'],
  ['google.protobuf.BytesValue', 'bytes'],
]);

/** Types with a special JSON mapping; inside an Any their JSON goes in a `value` member. */
export const SPECIAL_JSON: ReadonlySet<string> = new Set([
  ANY,
  DURATION,
  TIMESTAMP,
  STRUCT,
  VALUE,
  LIST_VALUE,
  FIELD_MASK,
  ...WRAPPERS.keys(),
]);

/** A Duration or Timestamp as seconds + nanos, both with the same sign for durations. */
export interface Instant {
  readonly seconds: bigint;
  readonly nanos: number;
}

/** ±10,000 years, the range protobuf accepts. */
const MAX_DURATION_SECONDS = 315_576_000_000n;
const DURATION_RE = /^(-)?(\d+)(?:\.(\d{1,9}))?s$/;

export function parseDuration(json: unknown): Parsed<Instant> {
  const match = typeof json === 'string' ? DURATION_RE.exec(json) : null;
  if (match === null) {
    return {
      ok: false,
      message: `expected a Duration string like "5s" or "0.25s" (seconds with an "s" suffix), got ${describe(json)}`,
    };
  }
  const sign = match[1] === '-' ? -1 : 1;
  const seconds = BigInt(match[2] ?? '0');
  const nanos = Number((match[3] ?? '').padEnd(9, '0'));
  if (seconds > MAX_DURATION_SECONDS) {
    return {
      ok: false,
      message: `Duration is out of range (at most ±${MAX_DURATION_SECONDS}s), got ${describe(json)}`,
    };
  }
  return { ok: true, value: { seconds: BigInt(sign) * seconds, nanos: sign * nanos } };
}

/** RFC 3339 with a `T` separator, as protobuf's JSON parser requires, years 0001-9999. */
const TIMESTAMP_RE =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/i;

export function parseTimestamp(json: unknown): Parsed<Instant> {
  const match = typeof json === 'string' ? TIMESTAMP_RE.exec(json) : null;
  const bad: Parsed<Instant> = {
    ok: false,
    message: `expected an RFC 3339 Timestamp string like "2024-01-31T12:00:00Z", got ${describe(json)}`,
  };
  if (match === null) return bad;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  date.setUTCFullYear(year); // Date.UTC maps years 0-99 to 1900-1999
  if (
    year < 1 ||
    date.getUTCMonth() !== month - 1 ||
    date.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    return bad;
  }
  const zone = match[8] ?? 'Z';
  const offsetMinutes =
    zone.toUpperCase() === 'Z'
      ? 0
      : (zone.startsWith('-') ? -1 : 1) *
        (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  const seconds = BigInt(Math.floor(date.getTime() / 1000)) - BigInt(offsetMinutes * 60);
  return { ok: true, value: { seconds, nanos: Number((match[7] ?? '').padEnd(9, '0')) } };
}

export function compareInstants(a: Instant, b: Instant): number {
  if (a.seconds !== b.seconds) return a.seconds < b.seconds ? -1 : 1;
  return Math.sign(a.nanos - b.nanos);
}

/** A Duration for messages: `1.5s`, `0s`, `-0.001s`. */
export function formatDuration(d: Instant): string {
  const negative = d.seconds < 0n || d.nanos < 0;
  const seconds = d.seconds < 0n ? -d.seconds : d.seconds;
  const nanos = Math.abs(d.nanos);
  const fraction = nanos === 0 ? '' : `.${String(nanos).padStart(9, '0').replace(/0+$/, '')}`;
  return `${negative ? '-' : ''}${seconds}${fraction}s`;
}

/** A Duration/Timestamp rule bound written as `{seconds: 1, nanos: 5}` in the proto. */
export function instantFromRule(rule: unknown): Instant | undefined {
  if (typeof rule !== 'object' || rule === null) return undefined;
  const { seconds, nanos } = rule as { seconds?: unknown; nanos?: unknown };
  const s = typeof seconds === 'number' || typeof seconds === 'string' ? BigInt(seconds) : 0n;
  const n = typeof nanos === 'number' ? nanos : 0;
  return { seconds: s, nanos: n };
}

/**
 * FieldMask JSON: comma-separated paths of field names, e.g. `"foo.barBaz,qux"`. Only the shape
 * is checked; the names are not resolved against a message.
 */
export function checkFieldMask(json: unknown): string | undefined {
  if (typeof json !== 'string') {
    return `expected a FieldMask string like "foo.barBaz,qux", got ${describe(json)}`;
  }
  if (json === '') return undefined;
  const bad = json.split(',').find((path) => !/^\w+(\.\w+)*$/.test(path));
  return bad === undefined
    ? undefined
    : `invalid FieldMask path ${describe(bad)}: paths are field names joined by "."`;
}
