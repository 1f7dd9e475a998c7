import protobuf from 'protobufjs';
import { childPath, closest, describe, didYouMean, indexPath, listOf, mapPath } from './format.js';
import type { ProtoRegistry } from './protos.js';
import {
  checkAnyRules,
  checkEnumRules,
  checkInstantRules,
  checkMapRules,
  checkRepeatedRules,
  checkScalarRules,
  type Report,
  requiredMessageRule,
  ruleSet,
} from './rules.js';
import { defaultScalar, parseScalar } from './scalars.js';
import {
  type EnumInfo,
  enumInfo,
  type FieldInfo,
  type MessageInfo,
  messageInfo,
  type OneofInfo,
  type RuleSet,
  type ScalarType,
  typeName,
  type ValueKind,
} from './schema.js';
import {
  ANY,
  checkFieldMask,
  DURATION,
  FIELD_MASK,
  LIST_VALUE,
  NULL_VALUE,
  parseDuration,
  parseTimestamp,
  SPECIAL_JSON,
  STRUCT,
  TIMESTAMP,
  VALUE,
  WRAPPERS,
} from './well-known.js';

/** One problem in an Envoy config: where (`a.b[0].c`) and what. */
export interface EnvoyIssue {
  readonly path: string;
  readonly message: string;
}

/** Envoy unpacks these into the message named by `type_url` (extension configs as Structs). */
const TYPED_STRUCTS: ReadonlySet<string> = new Set([
  'xds.type.v3.TypedStruct',
  'udpa.type.v1.TypedStruct',
]);

type JsonObject = Readonly<Record<string, unknown>>;

/** Only google.protobuf.Value (and NullValue) can hold a JSON null; elsewhere it means "unset". */
function acceptsNull(kind: ValueKind): boolean {
  if (kind.kind === 'unchecked') return true;
  const name = kind.kind === 'scalar' ? '' : typeName(kind.type);
  return name === VALUE || name === NULL_VALUE;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const unsetCache = new WeakMap<MessageInfo, ReadonlyArray<readonly [FieldInfo, string]>>();

/**
 * Fields of `info` that fail their rules when unset, with the issue to report: PGV checks proto3
 * defaults too (an unset `stat_prefix` breaks `min_len: 1`). It depends only on the type, so it
 * is worked out once per type.
 */
function unsetProblems(info: MessageInfo): ReadonlyArray<readonly [FieldInfo, string]> {
  let problems = unsetCache.get(info);
  if (problems === undefined) {
    problems = info.ruled.flatMap((field) => {
      const problem = unsetProblem(field);
      return problem === undefined ? [] : [[field, problem] as const];
    });
    unsetCache.set(info, problems);
  }
  return problems;
}

function unsetProblem(field: FieldInfo): string | undefined {
  const rules: string[] = [];
  const report: Report = (rule) => rules.push(rule);
  const { value } = field;
  if (field.mapKey !== undefined) checkMapRules(undefined, field.rules, report);
  else if (field.repeated) checkRepeatedRules(undefined, undefined, field.rules, report);
  else if (value.kind === 'message' || value.kind === 'unchecked') {
    // message.required, duration.required, ...: nothing more to say than "missing".
    return requiredMessageRule(field.rules) ? `missing required field "${field.name}"` : undefined;
  } else if (field.hasPresence) {
    return undefined; // `optional` scalars are checked only when set
  } else if (value.kind === 'enum') {
    checkEnumRules(enumInfo(value.type), 0, field.rules, report);
  } else {
    checkScalarRules(value.scalar, defaultScalar(value.scalar), field.rules, report);
  }
  if (rules.length === 0) return undefined;
  return `missing required field "${field.name}" (${rules.join('; ')})`;
}

/**
 * Walks a JSON value alongside a protobuf type, the way Envoy's proto3 JSON parser and then
 * protoc-gen-validate would, collecting every problem instead of stopping at the first.
 */
export class Walker {
  readonly issues: EnvoyIssue[] = [];

  constructor(private readonly registry: ProtoRegistry) {}

  message(json: unknown, type: protobuf.Type, path: string, rules: RuleSet | undefined): void {
    const name = messageInfo(type).name;
    const wrapped = WRAPPERS.get(name);
    if (wrapped !== undefined) {
      // PGV applies e.g. `(validate.rules).uint32` of a UInt32Value field to the wrapped value.
      this.scalar(wrapped, json, path, rules, name);
    } else if (name === DURATION || name === TIMESTAMP) {
      const parsed = name === DURATION ? parseDuration(json) : parseTimestamp(json);
      if (!parsed.ok) {
        this.issue(path, parsed.message);
      } else if (rules !== undefined) {
        const kind = name === DURATION ? 'duration' : 'timestamp';
        checkInstantRules(kind, parsed.value, rules, this.got(path, json));
      }
    } else if (name === ANY) {
      this.any(json, path, rules);
    } else if (name === STRUCT) {
      if (!isObject(json)) {
        this.issue(path, `expected an object (${STRUCT}), got ${describe(json)}`);
      } else {
        for (const [key, value] of Object.entries(json)) this.json(value, mapPath(path, key));
      }
    } else if (name === LIST_VALUE) {
      if (!Array.isArray(json)) {
        this.issue(path, `expected an array (${LIST_VALUE}), got ${describe(json)}`);
      } else {
        for (const [i, value] of json.entries()) this.json(value, indexPath(path, i));
      }
    } else if (name === VALUE) {
      this.json(json, path);
    } else if (name === FIELD_MASK) {
      const problem = checkFieldMask(json);
      if (problem !== undefined) this.issue(path, problem);
    } else {
      this.fields(json, messageInfo(type), path);
      if (TYPED_STRUCTS.has(name) && isObject(json)) this.typedStruct(json, path);
    }
  }

  private fields(json: unknown, info: MessageInfo, path: string, skipKey?: string): void {
    if (!isObject(json)) {
      this.issue(path, `expected an object (${info.name}), got ${describe(json)}`);
      return;
    }
    // Parallel arrays rather than a Map: messages set a handful of fields, and this runs for
    // every object in the config.
    const setFields: FieldInfo[] = [];
    const setKeys: string[] = [];
    for (const key in json) {
      if (key === skipKey || !Object.hasOwn(json, key)) continue;
      const value = json[key];
      const field = info.byKey.get(key);
      if (field === undefined) {
        const hint = didYouMean(closest(key, info.byKey.keys()));
        this.issue(childPath(path, key), `unknown field "${key}" in ${info.name}${hint}`);
        continue;
      }
      const fieldPath = path === '' ? key : `${path}.${key}`; // field names are identifiers
      const earlier = setFields.indexOf(field);
      if (earlier >= 0) {
        const first = setKeys[earlier];
        this.issue(fieldPath, `field "${field.name}" is set twice, as "${first}" and "${key}"`);
        continue;
      }
      if (value === null || value === undefined) continue; // proto3 JSON: null means "not set"
      setFields.push(field);
      setKeys.push(key);
      this.field(field, value, fieldPath, info);
    }
    for (const oneof of info.oneofs) this.oneof(oneof, info, setFields, setKeys, path);
    for (const [field, problem] of unsetProblems(info)) {
      if (!setFields.includes(field)) this.issue(childPath(path, field.name), problem);
    }
  }

  private oneof(
    oneof: OneofInfo,
    info: MessageInfo,
    setFields: readonly FieldInfo[],
    setKeys: readonly string[],
    path: string,
  ): void {
    const set: string[] = [];
    for (const [i, field] of setFields.entries()) {
      if (field.oneof === oneof.name) set.push(`"${setKeys[i]}"`);
    }
    if (set.length > 1) {
      this.issue(
        path,
        `${set.join(' and ')} are both set, but only one field of oneof "${oneof.name}" in ${info.name} may be set`,
      );
    } else if (set.length === 0 && oneof.required) {
      const names = listOf(oneof.fields.map((f) => `"${f.name}"`));
      this.issue(
        path,
        `one of ${names} must be set (oneof "${oneof.name}" in ${info.name} is required)`,
      );
    }
  }

  private field(field: FieldInfo, json: unknown, path: string, parent: MessageInfo): void {
    if (field.deprecated !== undefined && !this.isDefault(field, json)) {
      const { since, disallowed } = field.deprecated;
      const when = since === undefined ? '' : ` since v${since}`;
      const fatal = disallowed
        ? '; Envoy rejects it unless re-enabled with a runtime override'
        : '';
      this.issue(path, `field "${field.name}" of ${parent.name} is deprecated${when}${fatal}`);
    }
    if (field.mapKey !== undefined) this.map(field, json, path);
    else if (field.repeated) this.repeated(field, json, path);
    else this.value(field.value, json, path, field.rules);
  }

  private repeated(field: FieldInfo, json: unknown, path: string): void {
    if (!Array.isArray(json)) {
      this.issue(
        path,
        `expected an array for repeated field "${field.name}", got ${describe(json)}`,
      );
      return;
    }
    const itemRules = ruleSet(ruleSet(field.rules, 'repeated'), 'items');
    for (const [i, item] of json.entries()) {
      const itemPath = indexPath(path, i);
      if ((item === null || item === undefined) && !acceptsNull(field.value)) {
        this.issue(itemPath, `null is not allowed in repeated field "${field.name}"`);
      } else {
        this.value(field.value, item, itemPath, itemRules);
      }
    }
    if (field.rules !== undefined) {
      const keys = (): string[] => json.map((item) => JSON.stringify(item));
      checkRepeatedRules(json.length, keys, field.rules, (rule) => this.issue(path, rule));
    }
  }

  private map(field: FieldInfo, json: unknown, path: string): void {
    if (!isObject(json)) {
      this.issue(path, `expected an object for map field "${field.name}", got ${describe(json)}`);
      return;
    }
    const mapRules = ruleSet(field.rules, 'map');
    const keyRules = ruleSet(mapRules, 'keys');
    const valueRules = ruleSet(mapRules, 'values');
    const keyType = field.mapKey ?? 'string';
    const entries = Object.entries(json);
    for (const [key, value] of entries) {
      const entryPath = mapPath(path, key);
      // JSON object keys are strings; integer and bool keys are written as "7" / "true".
      const keyJson =
        keyType === 'bool' && (key === 'true' || key === 'false') ? key === 'true' : key;
      const parsedKey = parseScalar(keyType, keyJson);
      if (!parsedKey.ok) this.issue(entryPath, `invalid map key: ${parsedKey.message}`);
      else if (keyRules !== undefined) {
        checkScalarRules(keyType, parsedKey.value, keyRules, (rule) =>
          this.issue(entryPath, `map key ${rule.replace(/^value /, '')}, got ${describe(key)}`),
        );
      }
      if ((value === null || value === undefined) && !acceptsNull(field.value)) {
        this.issue(entryPath, `null is not allowed as a value of map field "${field.name}"`);
      } else {
        this.value(field.value, value, entryPath, valueRules);
      }
    }
    if (field.rules !== undefined) {
      checkMapRules(entries.length, field.rules, (rule) => this.issue(path, rule));
    }
  }

  private value(kind: ValueKind, json: unknown, path: string, rules: RuleSet | undefined): void {
    if (kind.kind === 'scalar') this.scalar(kind.scalar, json, path, rules);
    else if (kind.kind === 'enum') this.enumValue(enumInfo(kind.type), json, path, rules);
    else if (kind.kind === 'message') this.message(json, kind.type, path, rules);
    // 'unchecked': the type's proto is not bundled; accept any value rather than guess.
  }

  private scalar(
    type: ScalarType,
    json: unknown,
    path: string,
    rules: RuleSet | undefined,
    wrapper?: string,
  ): void {
    const parsed = parseScalar(type, json, wrapper);
    if (!parsed.ok) this.issue(path, parsed.message);
    else if (rules !== undefined) checkScalarRules(type, parsed.value, rules, this.got(path, json));
  }

  private enumValue(info: EnumInfo, json: unknown, path: string, rules: RuleSet | undefined): void {
    if (info.name === NULL_VALUE && (json === null || json === 'NULL_VALUE' || json === 0)) return;
    const allowed = (): string => `expected one of ${listOf([...info.byName.keys()])}`;
    let name: string | undefined;
    if (typeof json === 'string') {
      if (!info.byName.has(json)) {
        const hint = didYouMean(closest(json, info.byName.keys()));
        this.issue(path, `unknown value "${json}" for enum ${info.name}${hint}; ${allowed()}`);
        return;
      }
      name = json;
    } else if (typeof json === 'number' && Number.isInteger(json)) {
      name = info.byNumber.get(json);
      if (name === undefined) {
        this.issue(path, `${json} is not a defined value of enum ${info.name}; ${allowed()}`);
        return;
      }
    } else {
      this.issue(
        path,
        `expected a ${info.name} name (a string), got ${describe(json)}; ${allowed()}`,
      );
      return;
    }
    const deprecated = info.deprecated.get(name);
    if (deprecated !== undefined) {
      const when = deprecated.since === undefined ? '' : ` since v${deprecated.since}`;
      this.issue(path, `enum value ${name} of ${info.name} is deprecated${when}`);
    }
    if (rules !== undefined) {
      checkEnumRules(info, info.byName.get(name) ?? 0, rules, this.got(path, json));
    }
  }

  /** `{"@type": "type.googleapis.com/<name>", ...fields of <name>}`. */
  private any(json: unknown, path: string, rules: RuleSet | undefined): void {
    if (!isObject(json)) {
      this.issue(path, `expected an object with "@type" (${ANY}), got ${describe(json)}`);
      return;
    }
    const typeUrl = json['@type'];
    if (typeUrl === undefined) {
      this.issue(
        path,
        `missing "@type" (a ${ANY} needs "@type": "type.googleapis.com/<message type>")`,
      );
      return;
    }
    const typePath = childPath(path, '@type');
    if (typeof typeUrl !== 'string') {
      this.issue(
        typePath,
        `expected a type URL string like "type.googleapis.com/<message type>", got ${describe(typeUrl)}`,
      );
      return;
    }
    checkAnyRules(typeUrl, rules, (rule) =>
      this.issue(typePath, `${rule}, got ${describe(typeUrl)}`),
    );
    const type = this.resolveTypeUrl(typeUrl, typePath);
    if (type === undefined) return;
    const name = messageInfo(type).name;
    if (!SPECIAL_JSON.has(name)) {
      this.fields(json, messageInfo(type), path, '@type');
      if (TYPED_STRUCTS.has(name)) this.typedStruct(json, path);
      return;
    }
    // A type with a special JSON form goes in "value": {"@type": ".../google.protobuf.Duration",
    // "value": "1s"}.
    for (const key of Object.keys(json)) {
      if (key !== '@type' && key !== 'value') {
        this.issue(
          childPath(path, key),
          `unknown field "${key}" in ${ANY} of ${name} (expected only "@type" and "value")`,
        );
      }
    }
    if (json.value !== undefined) {
      this.message(json.value, type, childPath(path, 'value'), undefined);
    }
  }

  /** Validates `value` as the message named by `type_url`, as Envoy converts it. */
  private typedStruct(json: JsonObject, path: string): void {
    const typeUrl = json.type_url ?? json.typeUrl;
    if (typeof typeUrl !== 'string' || typeUrl === '') return;
    const type = this.resolveTypeUrl(
      typeUrl,
      childPath(path, json.type_url === undefined ? 'typeUrl' : 'type_url'),
    );
    if (type === undefined || !isObject(json.value)) return;
    this.message(json.value, type, childPath(path, 'value'), undefined);
  }

  /** The message type a type URL names; issues for bad URLs and unknown types. */
  private resolveTypeUrl(typeUrl: string, path: string): protobuf.Type | undefined {
    const slash = typeUrl.lastIndexOf('/');
    const name = typeUrl.slice(slash + 1);
    if (slash < 0 || name === '') {
      this.issue(
        path,
        `invalid type URL ${JSON.stringify(typeUrl)}: expected "type.googleapis.com/<message type>"`,
      );
      return undefined;
    }
    const found = this.registry.find(name);
    if (found.kind === 'unknown') {
      const dot = name.lastIndexOf('.');
      const hint =
        dot < 0 ? undefined : closest(name, this.registry.typeNamesIn(name.slice(0, dot)));
      this.issue(
        path,
        `unknown type ${JSON.stringify(typeUrl)}: Envoy's v3 API protos have no message ${name}${didYouMean(hint)}`,
      );
      return undefined;
    }
    if (found.frozen) {
      this.issue(
        path,
        `type ${name} is from a frozen (v2-era) API package that current Envoy rejects; use its v3 successor`,
      );
    }
    if (!(found.type instanceof protobuf.Type)) {
      this.issue(path, `type ${JSON.stringify(typeUrl)} is an enum, not a message`);
      return undefined;
    }
    return found.type;
  }

  /** Struct/Value contents: anything JSON can hold. */
  private json(value: unknown, path: string): void {
    if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) {
        this.issue(path, `${value} cannot be represented in JSON (${VALUE})`);
      }
    } else if (Array.isArray(value)) {
      for (const [i, item] of value.entries()) this.json(item, indexPath(path, i));
    } else if (isObject(value) && Object.getPrototypeOf(value) === Object.prototype) {
      for (const [key, item] of Object.entries(value)) this.json(item, mapPath(path, key));
    } else {
      this.issue(path, `expected a JSON value (${VALUE}), got ${describe(value)}`);
    }
  }

  /** Whether a present value equals the proto3 default, which Envoy cannot tell from unset. */
  private isDefault(field: FieldInfo, json: unknown): boolean {
    if (field.mapKey !== undefined) return isObject(json) && Object.keys(json).length === 0;
    if (field.repeated) return Array.isArray(json) && json.length === 0;
    if (field.hasPresence) return false;
    if (field.value.kind === 'enum') {
      return json === 0 || enumInfo(field.value.type).byName.get(String(json)) === 0;
    }
    if (field.value.kind !== 'scalar') return false;
    const parsed = parseScalar(field.value.scalar, json);
    if (!parsed.ok) return false;
    const v = parsed.value;
    return v === '' || v === false || v === 0 || v === 0n || (Buffer.isBuffer(v) && v.length === 0);
  }

  private got(path: string, json: unknown): Report {
    return (rule) => this.issue(path, `${rule}, got ${describe(json)}`);
  }

  private issue(path: string, message: string): void {
    this.issues.push({ path, message });
  }
}
