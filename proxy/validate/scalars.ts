import { describe } from './format.js';
import type { ScalarType } from './schema.js';

/**
 * Proto3 JSON mapping of scalar values, as Envoy's parser (protobuf's JsonStringToMessage)
 * applies it: integers may be JSON numbers or decimal strings, 64-bit ones too; floats also
 * take "NaN"/"Infinity"; bytes are base64; bool and string accept only their JSON type.
 */

/** A parsed scalar: integers as number (32-bit) or bigint (64-bit), bytes as a Buffer. */
export type ScalarValue = number | bigint | string | boolean | Buffer;

export type Parsed<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly message: string };

/** Smallest value, largest value and the words for it, of each integer width. */
type IntRange = readonly [min: bigint, max: bigint, words: string];
const INT32: IntRange = [-(2n ** 31n), 2n ** 31n - 1n, 'a 32-bit integer'];
const UINT32: IntRange = [0n, 2n ** 32n - 1n, 'an unsigned 32-bit integer'];
const INT64: IntRange = [-(2n ** 63n), 2n ** 63n - 1n, 'a 64-bit integer'];
const UINT64: IntRange = [0n, 2n ** 64n - 1n, 'an unsigned 64-bit integer'];

/** The range of each protobuf integer type: the encodings of one width share it. */
const INT_RANGES: Readonly<Record<string, IntRange>> = {
  int32: INT32,
  sint32: INT32,
  sfixed32: INT32,
  uint32: UINT32,
  fixed32: UINT32,
  int64: INT64,
  sint64: INT64,
  sfixed64: INT64,
  uint64: UINT64,
  fixed64: UINT64,
};

const FLOAT_MAX = 3.4028234663852886e38;
const DECIMAL_INT = /^-?\d+$/;
/** protobuf accepts standard and URL-safe base64, padded or not. */
const BASE64 = /^(?:[\w+/-]{4})*(?:[\w+/-]{2}(?:==)?|[\w+/-]{3}=?)?$/;

/**
 * Parses one scalar from its JSON form. `wrapper` names the wrapper message (e.g.
 * google.protobuf.UInt32Value) when the scalar stands for one, so messages can say so.
 */
export function parseScalar(
  type: ScalarType,
  json: unknown,
  wrapper?: string,
): Parsed<ScalarValue> {
  const expected = (what: string, ...details: string[]): Parsed<never> => {
    const notes = [wrapper, ...details].filter((d) => d !== undefined);
    const note = notes.length === 0 ? '' : ` (${notes.join('; ')})`;
    return { ok: false, message: `expected ${what}${note}, got ${describe(json)}` };
  };
  switch (type) {
    case 'bool':
      return typeof json === 'boolean' ? ok(json) : expected('a boolean (true or false)');
    case 'string':
      return typeof json === 'string' ? ok(json) : expected('a string');
    case 'bytes':
      return typeof json === 'string' && BASE64.test(json)
        ? ok(Buffer.from(json, 'base64'))
        : expected('base64-encoded bytes');
    case 'double':
    case 'float': {
      const value = parseFloating(json);
      if (value === undefined) return expected('a number');
      if (type === 'float' && Number.isFinite(value) && Math.abs(value) > FLOAT_MAX) {
        return expected('a 32-bit float', `at most ${FLOAT_MAX} in magnitude`);
      }
      return ok(value);
    }
    default: {
      const range = INT_RANGES[type];
      if (range === undefined) throw new Error(`not an integer type: ${type}`);
      const [min, max, what] = range;
      const wide = is64Bit(type);
      const value = parseInteger(json);
      if (value === undefined) {
        return wide ? expected(what, 'a number or a decimal string') : expected(what);
      }
      if (value < min || value > max) return expected(what, `${min} to ${max}`);
      return ok(wide ? value : Number(value));
    }
  }
}

/** The value of an unset field, for rules that proto3 applies to defaults too. */
export function defaultScalar(type: ScalarType): ScalarValue {
  switch (type) {
    case 'bool':
      return false;
    case 'string':
      return '';
    case 'bytes':
      return Buffer.alloc(0);
    case 'double':
    case 'float':
    case 'int32':
    case 'uint32':
    case 'sint32':
    case 'fixed32':
    case 'sfixed32':
      return 0;
    default:
      return 0n;
  }
}

export function is64Bit(type: ScalarType): boolean {
  return type.endsWith('64') && type !== 'double';
}

function parseInteger(json: unknown): bigint | undefined {
  if (typeof json === 'number' && Number.isInteger(json)) return BigInt(json);
  if (typeof json === 'bigint') return json;
  if (typeof json === 'string' && DECIMAL_INT.test(json)) return BigInt(json);
  return undefined;
}

/** A JSON number, a numeric string, or "NaN" / "Infinity" / "-Infinity". */
function parseFloating(json: unknown): number | undefined {
  if (typeof json === 'number') return json;
  if (json === 'NaN') return Number.NaN;
  if (json === 'Infinity') return Number.POSITIVE_INFINITY;
  if (json === '-Infinity') return Number.NEGATIVE_INFINITY;
  if (typeof json === 'string' && json.trim() !== '' && Number.isFinite(Number(json))) {
    return Number(json);
  }
  return undefined;
}

function ok<T>(value: T): Parsed<T> {
  return { ok: true, value };
}
