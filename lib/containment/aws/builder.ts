import { PROFILE_TAG, TIER_TAG, TIERS } from '../../contract/tiers.js';
import type { Finding, Tier } from '../model.js';
import { ModelBuilder } from '../model-builder.js';
import type { Resolver } from './resolve.js';
import { isValueRecord, Opaque, Ref, type Value } from './values.js';

export { TIER_TAG };

export interface AdapterOptions {
  /** Literal prefix list ids of AWS-managed lists, by service: `{ 'pl-63a5400a': 's3' }`. */
  readonly managedPrefixLists?: Readonly<Record<string, string>>;
}

/**
 * The value of a resource's tag: `Tags` as a list of `{ Key, Value }` (the last one with the
 * key wins) or as a map (what some resource types take).
 */
function tagValue(props: Record<string, Value>, key: string): Value | undefined {
  const tags = props.Tags;
  if (!Array.isArray(tags)) return isValueRecord(tags) ? tags[key] : undefined;
  let value: Value | undefined;
  for (const t of tags) {
    if (isValueRecord(t) && t.Key === key) value = t.Value;
  }
  return value;
}

/** A reference that is not a resource of the template: an import, a parameter, a literal id. */
export interface External {
  readonly id: string;
  readonly label: string;
  readonly why: string;
  readonly trusted: boolean;
}

/** What a value points at: a resource of the template, or something outside it. */
export type Target = { readonly id: string } | { readonly external: External };

/**
 * Shared state of one template-to-model build: the resolver, resources by type, and the
 * model's collections as they fill up. The builder functions (network, firewall, workloads,
 * DNS) read from and add to it.
 */
export class Builder extends ModelBuilder {
  readonly byType = new Map<string, string[]>();

  constructor(
    readonly r: Resolver,
    readonly options: AdapterOptions = {},
  ) {
    super();
    for (const [id, resource] of Object.entries(r.template.Resources)) {
      if (!r.exists(id)) continue;
      const list = this.byType.get(resource.Type);
      if (list === undefined) this.byType.set(resource.Type, [id]);
      else list.push(id);
    }
  }

  ids(...types: string[]): string[] {
    return types.flatMap((t) => this.byType.get(t) ?? []);
  }

  props(id: string): Record<string, Value> {
    return this.r.properties(id);
  }

  type(id: string): string | undefined {
    return this.r.typeOf(id);
  }

  /** What a value refers to, when it should be a resource of one of `types`. */
  target(v: Value | undefined, types: readonly string[], what: string): Target | undefined {
    if (v === undefined || v === null) return undefined;
    if (v instanceof Ref) {
      const type = this.type(v.logicalId);
      if (type !== undefined && types.includes(type) && this.r.exists(v.logicalId))
        return { id: v.logicalId };
      return {
        external: {
          id: `ext:ref:${v.label}`,
          label: v.label,
          why: `is ${v.label} (${type ?? 'undefined'}), not a ${what} this verifier can read`,
          trusted: false,
        },
      };
    }
    if (v instanceof Opaque) {
      return { external: { id: `ext:${v.key}`, label: v.label, why: v.why, trusted: v.trusted } };
    }
    if (typeof v === 'string') {
      const opaque = this.r.opaquesIn(v)[0];
      if (opaque !== undefined) {
        return {
          external: {
            id: `ext:${opaque.key}`,
            label: opaque.label,
            why: opaque.why,
            trusted: opaque.trusted,
          },
        };
      }
      const decoded = this.r.decode(v);
      if (decoded instanceof Ref) return this.target(decoded, types, what);
      const text = this.r.display(v);
      return {
        external: {
          id: `ext:literal:${text}`,
          label: text,
          why: `is the literal id of a ${what} outside this template (once it is verified, trust it with --trust-import ${text})`,
          trusted: this.r.trust.imports.has(text),
        },
      };
    }
    return undefined;
  }

  /** A list property: arrays as they are, an opaque list as one unknown item. */
  list(v: Value | undefined): Value[] {
    if (v === undefined || v === null) return [];
    if (Array.isArray(v)) return v;
    if (typeof v === 'string' && !this.r.hasTokens(v) && v.includes(',')) return v.split(',');
    return [v];
  }

  /** A literal string, or undefined when the value is not one. */
  text(v: Value | undefined): string | undefined {
    if (typeof v === 'number') return String(v);
    if (typeof v !== 'string') return undefined;
    const decoded = this.r.decode(v);
    if (typeof decoded !== 'string' || this.r.hasTokens(decoded)) return undefined;
    return decoded;
  }

  /** Why a value is not a literal, as a predicate: "is Fn::ImportValue \"x\", which ...". */
  whyUnknown(v: Value | undefined): string {
    if (v instanceof Opaque) return `is ${v.label}, which ${v.why}`;
    if (typeof v === 'string') {
      const o = this.r.opaquesIn(v)[0];
      if (o !== undefined) return `is built from ${o.label}, which ${o.why}`;
    }
    if (v instanceof Ref) return `is an attribute of ${v.label}, only known after deployment`;
    return `is ${this.r.display(v)}`;
  }

  isTrustedValue(v: Value | undefined): boolean {
    if (v instanceof Opaque) return v.trusted;
    if (typeof v === 'string') {
      const os = this.r.opaquesIn(v);
      return os.length > 0 && os.every((o) => o.trusted);
    }
    return false;
  }

  /** true / false, 'unknown' for an opaque value, undefined when absent. */
  flag(v: Value | undefined): boolean | 'unknown' | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'boolean') return v;
    const t = this.text(v);
    if (t === undefined) return this.isTrustedValue(v) ? false : 'unknown';
    if (/^(true|enabled)$/i.test(t)) return true;
    if (/^(false|disabled)$/i.test(t)) return false;
    return 'unknown';
  }

  /** A finding when a flag is on (or may be): `MapPublicIpOnLaunch is true`. */
  flagFinding(resource: string, property: string, v: Value | undefined): Finding[] {
    const f = this.flag(v);
    if (f === true) return [{ resource, how: `${property} is ${this.r.display(v)}` }];
    if (f === 'unknown')
      return [{ resource, how: `${property} ${this.whyUnknown(v)}`, unresolved: true }];
    return [];
  }

  number(v: Value | undefined): number | undefined {
    if (typeof v === 'number') return v;
    const t = this.text(v);
    if (t === undefined || t.trim() === '') return undefined;
    const n = Number(t);
    return Number.isFinite(n) ? n : undefined;
  }

  /** The agent profile a resource is tagged with ({@link PROFILE_TAG}). */
  profile(props: Record<string, Value>): string | undefined {
    return this.text(tagValue(props, PROFILE_TAG));
  }

  tier(props: Record<string, Value>): Tier | undefined {
    const text = this.text(tagValue(props, TIER_TAG));
    return text !== undefined && TIERS.has(text as Tier) ? (text as Tier) : undefined;
  }

  /**
   * Registers, once, the stand-in of a resource outside the template (an import, a literal
   * id): `fields` hold its empty contents, which are unresolved for the reason the reference
   * gives, and trusted when the user declared the reference so. Returns its id.
   */
  registerExternal<T extends { readonly unresolved?: string; readonly trusted?: boolean }>(
    into: Map<string, T>,
    e: External,
    fields: Omit<T, 'id' | 'resource' | 'unresolved' | 'trusted'>,
  ): string {
    if (!into.has(e.id)) {
      into.set(e.id, {
        id: e.id,
        resource: e.label,
        ...fields,
        unresolved: e.why,
        ...(e.trusted ? { trusted: true } : {}),
      } as unknown as T);
    }
    return e.id;
  }

  /** The id of what a value names: a resource of the template, or a registered stand-in. */
  idOf<T extends { readonly unresolved?: string; readonly trusted?: boolean }>(
    v: Value | undefined,
    types: readonly string[],
    what: string,
    into: Map<string, T>,
    fields: Omit<T, 'id' | 'resource' | 'unresolved' | 'trusted'>,
  ): string | undefined {
    const t = this.target(v, types, what);
    if (t === undefined) return undefined;
    return 'id' in t ? t.id : this.registerExternal(into, t.external, fields);
  }

  externalGroup(e: External): string {
    return this.registerExternal(this.groups, e, {});
  }

  /** Subnet id for a value (template subnet or registered external). */
  subnetId(v: Value | undefined): string | undefined {
    return this.idOf(v, ['AWS::EC2::Subnet'], 'subnet', this.subnets, { cidrs: [] });
  }

  /** Security group id for a value (template group or registered external). */
  groupId(v: Value | undefined): string | undefined {
    return this.idOf(v, ['AWS::EC2::SecurityGroup'], 'security group', this.groups, {});
  }

  networkId(v: Value | undefined): string | undefined {
    const t = this.target(v, ['AWS::EC2::VPC'], 'VPC');
    if (t === undefined) return undefined;
    if ('id' in t) return t.id;
    // The model has no trusted networks: trust is declared for what a network holds (its
    // subnets, groups and tables), not for the network.
    return this.registerExternal(
      this.networks,
      { ...t.external, trusted: false },
      { cidrs: [], defaultAcl: 'allow-all' },
    );
  }

  /** A readable name for a target value: the logical id, the import, the literal. */
  nameOf(v: Value | undefined): string {
    if (v instanceof Ref) return v.logicalId;
    if (v instanceof Opaque) return v.label;
    return this.r.display(v);
  }
}
