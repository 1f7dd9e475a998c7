import protobuf from 'protobufjs';

/**
 * Per-type lookup tables derived once from protobufjs reflection, so the walker never scans
 * `fieldsArray` or re-reads options per value (a 1,000-vhost bootstrap visits tens of thousands
 * of fields).
 */

export type ScalarType =
  | 'double'
  | 'float'
  | 'int32'
  | 'uint32'
  | 'sint32'
  | 'fixed32'
  | 'sfixed32'
  | 'int64'
  | 'uint64'
  | 'sint64'
  | 'fixed64'
  | 'sfixed64'
  | 'bool'
  | 'string'
  | 'bytes';

/** Protobuf's scalar type names. */
export const SCALARS: ReadonlySet<string> = new Set<ScalarType>([
  'double',
  'float',
  'int32',
  'uint32',
  'sint32',
  'fixed32',
  'sfixed32',
  'int64',
  'uint64',
  'sint64',
  'fixed64',
  'sfixed64',
  'bool',
  'string',
  'bytes',
]);

/** protoc-gen-validate rules as parsed from `(validate.rules)`: nested plain objects. */
export type RuleSet = Readonly<Record<string, unknown>>;

export interface Deprecation {
  /** Envoy API version it was deprecated in, e.g. "3.0", when annotated. */
  readonly since: string | undefined;
  /** `(envoy.annotations.disallowed_by_default)`: Envoy rejects it unless overridden at runtime. */
  readonly disallowed: boolean;
}

export type ValueKind =
  | { readonly kind: 'scalar'; readonly scalar: ScalarType }
  | { readonly kind: 'enum'; readonly type: protobuf.Enum }
  | { readonly kind: 'message'; readonly type: protobuf.Type }
  /** The field's type is in a proto grpc-js-xds does not ship, so its value can't be checked. */
  | { readonly kind: 'unchecked'; readonly typeName: string };

export interface FieldInfo {
  readonly name: string;
  readonly jsonName: string;
  readonly repeated: boolean;
  /** Key type when this is a map field. */
  readonly mapKey: ScalarType | undefined;
  readonly value: ValueKind;
  /** The real (non-synthetic) oneof this field belongs to. */
  readonly oneof: string | undefined;
  /** Whether "unset" differs from the default value (messages, oneof members, `optional`). */
  readonly hasPresence: boolean;
  readonly rules: RuleSet | undefined;
  readonly deprecated: Deprecation | undefined;
}

export interface OneofInfo {
  readonly name: string;
  readonly required: boolean;
  readonly fields: readonly FieldInfo[];
}

export interface MessageInfo {
  /** Fully-qualified name without the leading dot. */
  readonly name: string;
  readonly fields: readonly FieldInfo[];
  /** Both the proto name and the JSON name of every field. */
  readonly byKey: ReadonlyMap<string, FieldInfo>;
  readonly oneofs: readonly OneofInfo[];
  /** Fields outside oneofs with validate rules: the ones that can fail even when unset. */
  readonly ruled: readonly FieldInfo[];
}

export interface EnumInfo {
  readonly name: string;
  readonly byName: ReadonlyMap<string, number>;
  readonly byNumber: ReadonlyMap<number, string>;
  /** Deprecated values by name. */
  readonly deprecated: ReadonlyMap<string, Deprecation>;
}

const messages = new WeakMap<protobuf.Type, MessageInfo>();
const enums = new WeakMap<protobuf.Enum, EnumInfo>();

/** Fully-qualified name without protobufjs's leading dot. */
export function typeName(type: protobuf.ReflectionObject): string {
  return type.fullName.replace(/^\./, '');
}

export function messageInfo(type: protobuf.Type): MessageInfo {
  let info = messages.get(type);
  if (info === undefined) {
    info = buildMessage(type);
    messages.set(type, info);
  }
  return info;
}

export function enumInfo(type: protobuf.Enum): EnumInfo {
  let info = enums.get(type);
  if (info === undefined) {
    const byName = new Map<string, number>();
    const byNumber = new Map<number, string>();
    const deprecated = new Map<string, Deprecation>();
    for (const [name, number] of Object.entries(type.values)) {
      byName.set(name, number);
      if (!byNumber.has(number)) byNumber.set(number, name); // first name wins for aliases
      const d = deprecation(type.valuesOptions?.[name], '_enum');
      if (d !== undefined) deprecated.set(name, d);
    }
    info = { name: typeName(type), byName, byNumber, deprecated };
    enums.set(type, info);
  }
  return info;
}

function buildMessage(type: protobuf.Type): MessageInfo {
  const byKey = new Map<string, FieldInfo>();
  const byField = new Map<protobuf.Field, FieldInfo>();
  const fields = type.fieldsArray.map((field) => {
    const info = buildField(field);
    byKey.set(info.name, info);
    byKey.set(info.jsonName, info);
    byField.set(field, info);
    return info;
  });
  const oneofs = type.oneofsArray
    .filter((oneof) => !isSynthetic(oneof))
    .map((oneof) => ({
      name: oneof.name,
      required: oneof.getOption('(validate.required)') === true,
      fields: oneof.fieldsArray.flatMap((f) => byField.get(f) ?? []),
    }));
  const ruled = fields.filter((f) => f.rules !== undefined && f.oneof === undefined);
  return { name: typeName(type), fields, byKey, oneofs, ruled };
}

function buildField(field: protobuf.Field): FieldInfo {
  const mapKey = field instanceof protobuf.MapField ? asScalar(field.keyType) : undefined;
  const oneof = field.partOf !== null && !isSynthetic(field.partOf) ? field.partOf.name : undefined;
  const value = valueKind(field);
  return {
    name: field.name,
    jsonName: field.jsonName ?? protobuf.util.jsonName(field.name), // unset if resolve() failed
    repeated: field.repeated && mapKey === undefined,
    mapKey,
    value,
    oneof,
    hasPresence: field.partOf !== null || (value.kind !== 'scalar' && value.kind !== 'enum'),
    rules: validateRules(field),
    deprecated: deprecation(field.options, ''),
  };
}

function valueKind(field: protobuf.Field): ValueKind {
  try {
    field.resolve();
  } catch {
    // e.g. OpenTelemetry's KeyValueList: its proto is not bundled, so protobufjs can't find it.
    return { kind: 'unchecked', typeName: field.type };
  }
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) return { kind: 'message', type: resolved };
  if (resolved instanceof protobuf.Enum) return { kind: 'enum', type: resolved };
  const scalar = asScalar(field.type);
  if (scalar === undefined) {
    throw new Error(`unresolved type "${field.type}" of field ${field.fullName}`);
  }
  return { kind: 'scalar', scalar };
}

function asScalar(name: string): ScalarType | undefined {
  return SCALARS.has(name) ? (name as ScalarType) : undefined;
}

/** proto3 `optional` is a oneof of one field named `_<field>`; it isn't a user-facing oneof. */
function isSynthetic(oneof: protobuf.OneOf): boolean {
  const only = oneof.fieldsArray.length === 1 ? oneof.fieldsArray[0] : undefined;
  return only?.getOption('proto3_optional') === true;
}

/**
 * `(validate.rules)` as one nested object, e.g. `{string: {min_len: 1, in: ["a", "b"]}}`.
 * `parsedOptions` keeps lists intact, so it is preferred; its entries for the same option are
 * merged in case several appear. The flattened `options` keys (`"(validate.rules).string.in"`)
 * keep only the last element of a list and are a fallback for types built from JSON descriptors,
 * which have no `parsedOptions`.
 */
function validateRules(field: protobuf.Field): RuleSet | undefined {
  const KEY = '(validate.rules)';
  let rules: Record<string, unknown> | undefined;
  if (field.parsedOptions) {
    for (const option of field.parsedOptions) {
      if (Object.hasOwn(option, KEY)) rules = merge(rules ?? {}, option[KEY]);
    }
  } else if (field.options) {
    for (const [key, value] of Object.entries(field.options)) {
      if (!key.startsWith(`${KEY}.`)) continue;
      rules ??= {};
      setPath(rules, key.slice(KEY.length + 1).split('.'), value);
    }
  }
  return rules;
}

function merge(target: Record<string, unknown>, source: unknown): Record<string, unknown> {
  if (!isObject(source)) return target;
  for (const [key, value] of Object.entries(source)) {
    const existing = target[key];
    target[key] = isObject(existing) && isObject(value) ? merge({ ...existing }, value) : value;
  }
  return target;
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const [i, key] of path.entries()) {
    if (i === path.length - 1) {
      node[key] = value;
    } else {
      const next = node[key];
      const child: Record<string, unknown> = isObject(next) ? next : {};
      node[key] = child;
      node = child;
    }
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Field (`suffix` '') or enum value (`suffix` '_enum') deprecation from its options. */
function deprecation(
  options: Readonly<Record<string, unknown>> | undefined,
  suffix: '' | '_enum',
): Deprecation | undefined {
  if (options === undefined) return undefined;
  const since = options[`(envoy.annotations.deprecated_at_minor_version${suffix})`];
  const disallowed = options[`(envoy.annotations.disallowed_by_default${suffix})`] === true;
  if (options.deprecated !== true && since === undefined && !disallowed) return undefined;
  return { since: typeof since === 'string' ? since : undefined, disallowed };
}
