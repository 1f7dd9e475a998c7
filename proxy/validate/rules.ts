import { isIP } from 'node:net';
import { describe, listOf } from './format.js';
import { is64Bit, type ScalarValue } from './scalars.js';
import type { EnumInfo, RuleSet, ScalarType } from './schema.js';
import { compareInstants, formatDuration, type Instant, instantFromRule } from './well-known.js';

/**
 * protoc-gen-validate (`(validate.rules)`) checks, with PGV's semantics: what Envoy runs after
 * parsing, failing config load with "...ValidationError...". Each check reports the rule it
 * broke ("value must be >= 1"); the walker adds where and what value.
 */

export type Report = (rule: string) => void;

/** A nested rule object, e.g. `rules.string` or `rules.repeated.items`. */
export function ruleSet(rules: RuleSet | undefined, key: string): RuleSet | undefined {
  const value = rules?.[key];
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as RuleSet)
    : undefined;
}

function flag(rules: RuleSet, key: string): boolean {
  return rules[key] === true;
}

function numberRule(rules: RuleSet, key: string): number | undefined {
  const value = rules[key];
  return typeof value === 'number' ? value : undefined;
}

/** `in`/`not_in`: protobufjs gives a single value for `{not_in: 0}` and an array for `[...]`. */
function listRule(rules: RuleSet, key: string): readonly unknown[] | undefined {
  const value = rules[key];
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value : [value];
}

/** Length in Unicode code points: a surrogate pair counts once. */
function codePoints(value: string): number {
  let n = value.length;
  for (let i = 0; i < value.length - 1; i++) {
    const c = value.charCodeAt(i);
    const next = value.charCodeAt(i + 1);
    if (c >= 0xd800 && c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      n--;
      i++;
    }
  }
  return n;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

// ---- scalars ---------------------------------------------------------------------------------

/** Rules of `rules[scalar]` (e.g. `rules.uint32`) on one parsed value. */
export function checkScalarRules(
  scalar: ScalarType,
  value: ScalarValue,
  rules: RuleSet | undefined,
  report: Report,
): void {
  const own = ruleSet(rules, scalar);
  if (own === undefined) return;
  if (scalar === 'string' && typeof value === 'string') checkString(value, own, report);
  else if (scalar === 'bytes' && Buffer.isBuffer(value)) checkBytes(value, own, report);
  else if (scalar === 'bool') {
    if (typeof own.const === 'boolean' && value !== own.const) {
      report(`value must be ${own.const}`);
    }
  } else if (typeof value === 'number' || typeof value === 'bigint') {
    checkNumber(value, own, is64Bit(scalar), report);
  }
}

type Num = number | bigint;

/** One compiled rule: the broken rule's text, or undefined when the value passes. */
type Check<T> = (value: T) => string | undefined;

const compiledChecks = new WeakMap<RuleSet, readonly Check<never>[]>();

/**
 * The checks of one rule object, built once: rule objects belong to fields, so the bounds and
 * messages need not be rebuilt for each of the thousands of values a field can have.
 */
function compiled<T>(rules: RuleSet, build: () => Check<T>[]): readonly Check<T>[] {
  let checks = compiledChecks.get(rules) as readonly Check<T>[] | undefined;
  if (checks === undefined) {
    checks = build();
    compiledChecks.set(rules, checks);
  }
  return checks;
}

function runChecks<T>(checks: readonly Check<T>[], value: T, report: Report): void {
  for (const check of checks) {
    const broken = check(value);
    if (broken !== undefined) report(broken);
  }
}

function checkNumber(value: Num, rules: RuleSet, wide: boolean, report: Report): void {
  if (flag(rules, 'ignore_empty') && (value === 0 || value === 0n)) return;
  const checks = compiled(rules, () => numberChecks(rules, wide));
  runChecks(checks, wide ? BigInt(value) : Number(value), report);
}

function numberChecks(rules: RuleSet, wide: boolean): Check<Num>[] {
  // 64-bit integers compare as bigint so that values above 2^53 stay exact.
  const as = (n: unknown): Num | undefined => {
    if (typeof n !== 'number' && typeof n !== 'bigint' && typeof n !== 'string') return undefined;
    if (!wide) return Number(n);
    try {
      return BigInt(typeof n === 'number' ? Math.trunc(n) : n);
    } catch {
      return undefined;
    }
  };
  const checks: Check<Num>[] = [];
  const constant = as(rules.const);
  if (constant !== undefined) {
    checks.push((v) => (v === constant ? undefined : `value must equal ${constant}`));
  }
  const inList = listRule(rules, 'in')?.map(as);
  if (inList !== undefined) {
    const message = `value must be one of ${listOf(inList.map(String))}`;
    checks.push((v) => (inList.includes(v) ? undefined : message));
  }
  const notIn = listRule(rules, 'not_in')?.map(as);
  if (notIn !== undefined) {
    const message = `value must not be one of ${listOf(notIn.map(String))}`;
    checks.push((v) => (notIn.includes(v) ? message : undefined));
  }
  const range = rangeRule(rules, as, (a, b) => (a < b ? -1 : a > b ? 1 : 0), String);
  if (range !== undefined) checks.push((v) => (range.test(v) ? undefined : range.message));
  return checks;
}

interface Range<T> {
  readonly test: (value: T) => boolean;
  readonly message: string;
}

/**
 * gt/gte/lt/lte as PGV reads them: one bound is a plain comparison; two bounds are a range
 * `[gte, lt)`, or, when the lower bound is above the upper one, everything outside it.
 */
function rangeRule<T>(
  rules: RuleSet,
  as: (rule: unknown) => T | undefined,
  compare: (a: T, b: T) => number,
  show: (bound: T) => string,
): Range<T> | undefined {
  const gt = as(rules.gt);
  const gte = gt === undefined ? as(rules.gte) : undefined;
  const lt = as(rules.lt);
  const lte = lt === undefined ? as(rules.lte) : undefined;
  const lower = gt ?? gte;
  const upper = lt ?? lte;
  const aboveLower = (v: T): boolean =>
    lower === undefined || (gt !== undefined ? compare(v, lower) > 0 : compare(v, lower) >= 0);
  const belowUpper = (v: T): boolean =>
    upper === undefined || (lt !== undefined ? compare(v, upper) < 0 : compare(v, upper) <= 0);
  const lowerText = lower === undefined ? '' : `${gt !== undefined ? '>' : '>='} ${show(lower)}`;
  const upperText = upper === undefined ? '' : `${lt !== undefined ? '<' : '<='} ${show(upper)}`;
  if (lower === undefined && upper === undefined) return undefined;
  if (lower === undefined || upper === undefined) {
    return {
      test: (v) => aboveLower(v) && belowUpper(v),
      message: `value must be ${lowerText}${upperText}`,
    };
  }
  if (compare(lower, upper) <= 0) {
    const open = gt !== undefined ? '(' : '[';
    const close = lt !== undefined ? ')' : ']';
    return {
      test: (v) => aboveLower(v) && belowUpper(v),
      message: `value must be in range ${open}${show(lower)}, ${show(upper)}${close}`,
    };
  }
  return {
    test: (v) => aboveLower(v) || belowUpper(v),
    message: `value must be ${lowerText} or ${upperText}`,
  };
}

// ---- strings ---------------------------------------------------------------------------------

/**
 * PGV's well_known_regex patterns (validate.proto). `+-.` is a range in PGV's class, so `,` is
 * allowed too; kept as is to match Envoy. Values: strict bans control characters except tab,
 * non-strict only NUL, LF and CR (checked by code point, which is what the RE2 classes say).
 */
const HEADER_NAME = /^:?[0-9a-zA-Z!#$%&'*+-.^_|~`]+$/;

function isStrictHeaderValue(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if ((code <= 0x1f && code !== 0x09) || code === 0x7f) return false;
  }
  return true;
}

function isLenientHeader(value: string): boolean {
  return !value.includes('\0') && !value.includes('\n') && !value.includes('\r');
}

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

type LengthRules = readonly [exact: string, min: string, max: string];
/** Length rules of `string` (in characters) and `bytes` (in bytes). */
const LENGTH_RULES: LengthRules = ['len', 'min_len', 'max_len'];
/** The length rules of `string` in UTF-8 bytes. */
const BYTE_LENGTH_RULES: LengthRules = ['len_bytes', 'min_bytes', 'max_bytes'];

/**
 * An exact, minimum and maximum length (the rules named by `keys`), in `unit`s. The length is
 * measured only when one of the rules is set: strings are checked by the thousand in a
 * 1,000-vhost config, and few fields have length rules.
 */
function checkLength(
  rules: RuleSet,
  keys: LengthRules,
  unit: string,
  measure: () => number,
  report: Report,
): void {
  const exact = numberRule(rules, keys[0]);
  const min = numberRule(rules, keys[1]);
  const max = numberRule(rules, keys[2]);
  if (exact === undefined && min === undefined && max === undefined) return;
  const length = measure();
  if (exact !== undefined && length !== exact) {
    report(`value must be exactly ${plural(exact, unit)} long`);
  }
  if (min !== undefined && length < min) report(`value must be at least ${plural(min, unit)} long`);
  if (max !== undefined && length > max) report(`value must be at most ${plural(max, unit)} long`);
}

function checkString(value: string, rules: RuleSet, report: Report): void {
  if (flag(rules, 'ignore_empty') && value === '') return;
  if (typeof rules.const === 'string' && value !== rules.const) {
    report(`value must equal ${describe(rules.const)}`);
  }
  // Lengths in characters are Unicode code points, as PGV counts them.
  checkLength(rules, LENGTH_RULES, 'character', () => codePoints(value), report);
  checkLength(rules, BYTE_LENGTH_RULES, 'byte', () => Buffer.byteLength(value, 'utf8'), report);
  if (typeof rules.pattern === 'string') {
    const re = re2Compatible(rules.pattern);
    if (re !== undefined && !re.test(value)) {
      report(`value must match the pattern ${rules.pattern}`);
    }
  }
  if (typeof rules.prefix === 'string' && !value.startsWith(rules.prefix)) {
    report(`value must start with ${describe(rules.prefix)}`);
  }
  if (typeof rules.suffix === 'string' && !value.endsWith(rules.suffix)) {
    report(`value must end with ${describe(rules.suffix)}`);
  }
  if (typeof rules.contains === 'string' && !value.includes(rules.contains)) {
    report(`value must contain ${describe(rules.contains)}`);
  }
  if (typeof rules.not_contains === 'string' && value.includes(rules.not_contains)) {
    report(`value must not contain ${describe(rules.not_contains)}`);
  }
  const inList = listRule(rules, 'in');
  if (inList !== undefined && !inList.includes(value)) {
    report(`value must be one of ${listOf(inList.map(describe))}`);
  }
  const notIn = listRule(rules, 'not_in');
  if (notIn?.includes(value)) report(`value must not be one of ${listOf(notIn.map(describe))}`);
  checkWellKnownString(value, rules, report);
}

function checkWellKnownString(value: string, rules: RuleSet, report: Report): void {
  const regex = rules.well_known_regex;
  if (regex === 'HTTP_HEADER_NAME' || regex === 1 || regex === 'HTTP_HEADER_VALUE' || regex === 2) {
    const name = regex === 'HTTP_HEADER_NAME' || regex === 1;
    const strict = rules.strict !== false; // `optional bool strict = 25 [default = true]`
    if (!strict) {
      if (!isLenientHeader(value)) report('value must not contain NUL, CR or LF characters');
    } else if (name && !HEADER_NAME.test(value)) {
      report('value must be a valid HTTP header name (RFC 7230 token characters)');
    } else if (!name && !isStrictHeaderValue(value)) {
      report('value must be a valid HTTP header value (no control characters)');
    }
  }
  if (flag(rules, 'ip') && isIP(value) === 0) report('value must be an IP address');
  if (flag(rules, 'ipv4') && isIP(value) !== 4) report('value must be an IPv4 address');
  if (flag(rules, 'ipv6') && isIP(value) !== 6) report('value must be an IPv6 address');
  if (flag(rules, 'hostname') && !isHostname(value)) report('value must be a valid hostname');
  if (flag(rules, 'address') && isIP(value) === 0 && !isHostname(value)) {
    report('value must be a valid hostname or IP address');
  }
  if (flag(rules, 'uuid') && !UUID.test(value)) report('value must be a UUID');
}

/** PGV's hostname check: ≤ 253 chars, labels of 1-63 letters/digits/hyphens, no edge hyphens. */
function isHostname(value: string): boolean {
  const host = value.endsWith('.') ? value.slice(0, -1) : value;
  if (host.length === 0 || host.length > 253) return false;
  return host
    .split('.')
    .every((label) => /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(label));
}

const patterns = new Map<string, RegExp | undefined>();

/**
 * PGV patterns are RE2. The subset used in practice means the same in JS with the `u` flag,
 * which also turns most RE2-only syntax (`\z`, `\C`, `(?P<n>`, `[[:alpha:]]`, `(?i)`) into a
 * compile error instead of a silently different meaning. What does not compile is skipped
 * rather than risk rejecting a valid config.
 */
function re2Compatible(pattern: string): RegExp | undefined {
  if (!patterns.has(pattern)) {
    let re: RegExp | undefined;
    try {
      re = new RegExp(pattern, 'u');
    } catch {
      re = undefined;
    }
    patterns.set(pattern, re);
  }
  return patterns.get(pattern);
}

function checkBytes(value: Buffer, rules: RuleSet, report: Report): void {
  if (flag(rules, 'ignore_empty') && value.length === 0) return;
  checkLength(rules, LENGTH_RULES, 'byte', () => value.length, report);
  if (flag(rules, 'ip') && value.length !== 4 && value.length !== 16) {
    report('value must be a 4- or 16-byte IP address');
  }
  if (flag(rules, 'ipv4') && value.length !== 4) report('value must be a 4-byte IPv4 address');
  if (flag(rules, 'ipv6') && value.length !== 16) report('value must be a 16-byte IPv6 address');
}

// ---- enums, repeated, maps -------------------------------------------------------------------

export function checkEnumRules(
  info: EnumInfo,
  value: number,
  rules: RuleSet | undefined,
  report: Report,
): void {
  const own = ruleSet(rules, 'enum');
  if (own === undefined) return;
  const show = (n: unknown): string => {
    const name = typeof n === 'number' ? info.byNumber.get(n) : undefined;
    return name === undefined ? String(n) : `${name} (${n})`;
  };
  if (typeof own.const === 'number' && value !== own.const) {
    report(`value must be ${show(own.const)}`);
  }
  if (flag(own, 'defined_only') && !info.byNumber.has(value)) {
    report(`value must be one of the values defined in ${info.name}`);
  }
  const inList = listRule(own, 'in');
  if (inList !== undefined && !inList.includes(value)) {
    report(`value must be one of ${listOf(inList.map(show))}`);
  }
  const notIn = listRule(own, 'not_in');
  if (notIn?.includes(value)) report(`value must not be ${listOf(notIn.map(show))}`);
}

/** ", got 3" for a present list, nothing for an unset one (the caller says it is missing). */
function gotCount(count: number | undefined): string {
  return count === undefined ? '' : `, got ${count}`;
}

/**
 * Item count and uniqueness. `count` is undefined for an unset field; `keys` gives comparable
 * forms of the items, for `unique`.
 */
export function checkRepeatedRules(
  count: number | undefined,
  keys: (() => readonly string[]) | undefined,
  rules: RuleSet | undefined,
  report: Report,
): void {
  const own = ruleSet(rules, 'repeated');
  const n = count ?? 0;
  if (own === undefined || (flag(own, 'ignore_empty') && n === 0)) return;
  const min = numberRule(own, 'min_items');
  if (min !== undefined && n < min) {
    report(`must have at least ${plural(min, 'item')}${gotCount(count)}`);
  }
  const max = numberRule(own, 'max_items');
  if (max !== undefined && n > max) {
    report(`must have at most ${plural(max, 'item')}${gotCount(count)}`);
  }
  if (flag(own, 'unique') && keys !== undefined) {
    const seen = new Set<string>();
    for (const key of keys()) {
      if (seen.has(key)) {
        report(`items must be unique, but ${key} appears more than once`);
        break;
      }
      seen.add(key);
    }
  }
}

export function checkMapRules(
  count: number | undefined,
  rules: RuleSet | undefined,
  report: Report,
): void {
  const own = ruleSet(rules, 'map');
  const n = count ?? 0;
  if (own === undefined || (flag(own, 'ignore_empty') && n === 0)) return;
  const entries = (k: number): string => `${k} ${k === 1 ? 'entry' : 'entries'}`;
  const min = numberRule(own, 'min_pairs');
  if (min !== undefined && n < min) report(`must have at least ${entries(min)}${gotCount(count)}`);
  const max = numberRule(own, 'max_pairs');
  if (max !== undefined && n > max) report(`must have at most ${entries(max)}${gotCount(count)}`);
}

/** Whether an unset message field breaks `message.required`, `duration.required`, ... */
export function requiredMessageRule(rules: RuleSet | undefined): boolean {
  return ['message', 'duration', 'timestamp', 'any'].some((key) =>
    flag(ruleSet(rules, key) ?? {}, 'required'),
  );
}

// ---- Duration, Timestamp, Any ----------------------------------------------------------------

/** `rules.duration` or `rules.timestamp` bounds on a parsed value. */
export function checkInstantRules(
  kind: 'duration' | 'timestamp',
  value: Instant,
  rules: RuleSet | undefined,
  report: Report,
): void {
  const own = ruleSet(rules, kind);
  if (own === undefined) return;
  runChecks(
    compiled(own, () => instantChecks(own, kind)),
    value,
    report,
  );
}

function instantChecks(rules: RuleSet, kind: 'duration' | 'timestamp'): Check<Instant>[] {
  const show = (i: Instant): string =>
    kind === 'duration' ? formatDuration(i) : new Date(Number(i.seconds) * 1000).toISOString();
  const same = (a: Instant) => (b: Instant) => compareInstants(a, b) === 0;
  const checks: Check<Instant>[] = [];
  const constant = instantFromRule(rules.const);
  if (constant !== undefined) {
    checks.push((v) => (same(constant)(v) ? undefined : `value must equal ${show(constant)}`));
  }
  const inList = listRule(rules, 'in')?.flatMap((r) => instantFromRule(r) ?? []);
  if (inList !== undefined) {
    const message = `value must be one of ${listOf(inList.map(show))}`;
    checks.push((v) => (inList.some(same(v)) ? undefined : message));
  }
  const notIn = listRule(rules, 'not_in')?.flatMap((r) => instantFromRule(r) ?? []);
  if (notIn !== undefined) {
    const message = `value must not be one of ${listOf(notIn.map(show))}`;
    checks.push((v) => (notIn.some(same(v)) ? message : undefined));
  }
  const range = rangeRule(rules, instantFromRule, compareInstants, show);
  if (range !== undefined) checks.push((v) => (range.test(v) ? undefined : range.message));
  return checks;
}

/** `rules.any.in` / `not_in` on the type URL. */
export function checkAnyRules(typeUrl: string, rules: RuleSet | undefined, report: Report): void {
  const own = ruleSet(rules, 'any');
  if (own === undefined) return;
  const inList = listRule(own, 'in');
  if (inList !== undefined && !inList.includes(typeUrl)) {
    report(`@type must be one of ${listOf(inList.map(describe))}`);
  }
  const notIn = listRule(own, 'not_in');
  if (notIn?.includes(typeUrl)) report(`@type must not be ${listOf(notIn.map(describe))}`);
}
