import type { Json, JsonObject } from '../../../json.js';
import { canonicalRef } from './refs.js';

/*
 * Reading values out of a resource, leaving out what Pulumi did not know (preview unknowns)
 * or hid (secrets) and recording each in the shared `unresolved` list.
 */

/** Pulumi's marker for a value not known until apply (previews). */
const UNKNOWN = '04da6b54-80e4-46f7-96ec-b56ff0331ba9';
/** Pulumi's signature key of a secret value in state. */
const SECRET_SIG = '4dabf18193072939515e22adb298388d';

/** A resource read from either source: one merged value object. */
export interface Source {
  readonly type: string;
  readonly name: string;
  readonly id: string | undefined;
  readonly custom: boolean;
  readonly value: JsonObject;
  /** Type tokens of the components it was created in, outermost first (from its URN). */
  readonly within: readonly string[];
}

export class Reader {
  constructor(
    private readonly source: Source,
    /** Shared by a resource's readers and their children: what could not be read. */
    private readonly unresolved: string[],
  ) {}

  private raw(path: string): Json | undefined {
    let current: Json | undefined = this.source.value;
    for (const key of path.split('.')) {
      if (current === null || current === undefined || typeof current !== 'object')
        return undefined;
      current = Array.isArray(current) ? current[Number(key)] : current[key];
    }
    if (current === UNKNOWN) {
      this.unresolved.push(`${this.source.type} ${this.source.name}: ${path} (unknown)`);
      return undefined;
    }
    if (current !== null && typeof current === 'object' && !Array.isArray(current)) {
      if (SECRET_SIG in current) {
        this.unresolved.push(`${this.source.type} ${this.source.name}: ${path} (secret)`);
        return undefined;
      }
    }
    return current ?? undefined;
  }

  str(path: string): string | undefined {
    const v = this.raw(path);
    return typeof v === 'string' && v !== '' ? v : undefined;
  }

  ref(path: string): string | undefined {
    const v = this.str(path);
    return v === undefined ? undefined : canonicalRef(v);
  }

  num(path: string): number | undefined {
    const v = this.raw(path);
    if (typeof v === 'number') return v;
    if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
    return undefined;
  }

  bool(path: string): boolean | undefined {
    const v = this.raw(path);
    if (typeof v === 'boolean') return v;
    if (typeof v === 'string') return v.toLowerCase() === 'true';
    return undefined;
  }

  list(path: string): Json[] {
    const v = this.raw(path);
    return Array.isArray(v) ? v : [];
  }

  strings(path: string): string[] {
    const list = this.list(path);
    if (list.includes(UNKNOWN)) {
      this.unresolved.push(`${this.source.type} ${this.source.name}: ${path} (unknown)`);
    }
    return list.filter((x): x is string => typeof x === 'string' && x !== UNKNOWN);
  }

  refs(path: string): string[] {
    return this.strings(path).map(canonicalRef);
  }

  objects(path: string): Reader[] {
    return this.list(path)
      .filter((x): x is JsonObject => x !== null && typeof x === 'object' && !Array.isArray(x))
      .map(
        (value, i) =>
          new Reader(
            { ...this.source, name: `${this.source.name}.${path}[${i}]`, value },
            this.unresolved,
          ),
      );
  }

  object(path: string): Reader | undefined {
    const v = this.raw(path);
    if (v === null || v === undefined || typeof v !== 'object' || Array.isArray(v))
      return undefined;
    return new Reader(
      { ...this.source, name: `${this.source.name}.${path}`, value: v },
      this.unresolved,
    );
  }

  keys(path: string): string[] {
    const v = path === '' ? this.source.value : this.raw(path);
    return v !== null && v !== undefined && typeof v === 'object' && !Array.isArray(v)
      ? Object.keys(v).sort()
      : [];
  }

  /** Whether the resource was created inside a component of this type. */
  createdIn(type: string): boolean {
    return this.source.within.includes(type);
  }

  /** The resource's own reference: its id, else its name. */
  selfRef(): string {
    return canonicalRef(
      this.source.id ?? this.str('selfLink') ?? this.str('name') ?? this.source.name,
    );
  }

  /** The cloud name (`name` input), else the Pulumi name. */
  name(): string {
    return this.str('name') ?? this.source.name;
  }
}

export function protocolMatches(reader: Reader, path: string, protocolKey: string) {
  return reader.objects(path).map((m) => ({
    protocol: (m.str(protocolKey) ?? 'all').toLowerCase(),
    ports: m.strings('ports'),
  }));
}

/** The readers of every resource of one Pulumi type, in input order. */
export type ReadersOf = (type: string) => Reader[];
