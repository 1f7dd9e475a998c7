import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import protobuf from 'protobufjs';
import { API_ADDITIONS, type ApiAddition } from './api-additions.js';
import { SCALARS } from './schema.js';

/**
 * Lazily loads Envoy's API protos into one protobufjs Root per process.
 *
 * Parsing all of Envoy's v3 protos costs over half a second and a config only touches a few
 * dozen files, so a file (with its imports) is parsed only when a type from it is first needed:
 * the root type, or an `Any` whose `@type` names a type that is not loaded yet. Imports are
 * resolved here, like `protoc -I`, and parsed with `protobuf.parse` (no `root.load`): a missing
 * import (grpc-js-xds does not ship OpenTelemetry's protos, or the v2 API) then costs only the
 * fields that reference it, which schema.ts resolves one by one, instead of the whole file.
 */

const require = createRequire(import.meta.url);
const xdsPackageDir = dirname(require.resolve('@grpc/grpc-js-xds/package.json'));
const protobufjsDir = dirname(require.resolve('protobufjs/package.json'));

/** Import roots, searched in order, like `protoc -I`. protobufjs ships descriptor.proto & co. */
const INCLUDE_DIRS: readonly string[] = [
  ...['envoy-api', 'xds', 'protoc-gen-validate', 'googleapis'].map((d) =>
    join(xdsPackageDir, 'deps', d),
  ),
  protobufjsDir,
];

/** protobufjs's pre-parsed google/protobuf/*.proto files (any, duration, struct, ...). */
const BUNDLED = protobuf.common as unknown as Readonly<Record<string, unknown>>;
const BUNDLED_FILES = Object.keys(BUNDLED).filter((name) => name.endsWith('.proto'));

// `[ \t]` rather than `\s` so a failed match can't backtrack across lines (files are CRLF).
const IMPORT_RE = /^[ \t]*import[ \t]+(?:public[ \t]+|weak[ \t]+)?"([^"]+)"[ \t]*;/gm;
const PACKAGE_RE = /^[ \t]*package[ \t]+([\w.]+)[ \t]*;/m;
/** Top-level declarations start in column 0 in every Envoy/xds/udpa file; nested ones are indented. */
const TOP_LEVEL_RE = /^(?:message|enum)\s+(\w+)/gm;
const TYPE_NAME_RE = /^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+$/;
const FROZEN_RE = /package_version_status\s*=\s*FROZEN\b/;
/** The option protoc-gen-validate rules are declared under. */
const RULES_OPTION = '(validate.rules)';
/** Marks an import served from protobufjs's bundled definitions rather than from disk. */
const BUNDLED_IMPORT = '<bundled>';

/** An import closure: files on disk, and protobufjs bundled definitions by import name. */
interface Closure {
  readonly files: readonly string[];
  readonly bundled: readonly string[];
}

/** What `ProtoRegistry.find` knows about a fully-qualified type name. */
export type Lookup =
  | {
      readonly kind: 'found';
      readonly type: protobuf.Type | protobuf.Enum;
      /** Declared in a frozen (v2-era) API package, which current Envoy no longer accepts. */
      readonly frozen: boolean;
    }
  | { readonly kind: 'unknown' };

export class ProtoRegistry {
  private root = ProtoRegistry.newRoot();
  /** Files loaded on request (each with its imports), kept to rebuild the root. */
  private readonly loaded = new Set<string>();
  /** Files protobufjs failed to parse. */
  private readonly broken = new Set<string>();
  private readonly sources = new Map<string, string>();
  private readonly resolvedImports = new Map<string, string | null>();
  /** Package name → top-level type name → declaring file, built one directory at a time. */
  private readonly packages = new Map<string, ReadonlyMap<string, string>>();
  private bundledLoaded = false;
  /** Additions already applied to the current root. */
  private readonly applied = new Set<ApiAddition>();
  /** Additions whose field the snapshot already has: the list must shrink (see the test). */
  private readonly redundant = new Set<ApiAddition>();

  private static newRoot(): protobuf.Root {
    return new protobuf.Root();
  }

  /** Finds a fully-qualified message or enum type (no leading dot), loading its file on first use. */
  find(fullName: string): Lookup {
    // Names come from configs (`@type`) and become directory paths: accept identifiers only.
    if (!TYPE_NAME_RE.test(fullName)) return { kind: 'unknown' };
    let type = this.lookupLoaded(fullName);
    if (type === undefined && fullName.startsWith('google.protobuf.') && !this.bundledLoaded) {
      // The well-known types are pre-parsed JSON, not files a package directory would list.
      this.parseInto(this.root, { files: [], bundled: BUNDLED_FILES });
      this.bundledLoaded = true;
      type = this.lookupLoaded(fullName);
    }
    if (type === undefined) {
      const file = this.declaringFile(fullName);
      if (file === undefined || !this.loadFile(file)) return { kind: 'unknown' };
      type = this.lookupLoaded(fullName);
      if (type === undefined) return { kind: 'unknown' }; // e.g. a nested name that isn't there
    }
    return { kind: 'found', type, frozen: type.filename !== null && this.isFrozen(type.filename) };
  }

  private isFrozen(file: string): boolean {
    return FROZEN_RE.test(this.source(file) ?? '');
  }

  /** Top-level type names declared in `packageName`, for "did you mean" hints. */
  typeNamesIn(packageName: string): readonly string[] {
    return [...this.packageIndex(packageName).keys()].map((name) => `${packageName}.${name}`);
  }

  private lookupLoaded(fullName: string): protobuf.Type | protobuf.Enum | undefined {
    const found = this.root.lookup(`.${fullName}`, [protobuf.Type, protobuf.Enum]);
    return found instanceof protobuf.Type || found instanceof protobuf.Enum ? found : undefined;
  }

  private declaringFile(fullName: string): string | undefined {
    // `a.b.v3.Outer.Inner` is declared in package `a.b.v3` or `a.b.v3.Outer` or ...; try the
    // longest package first. Nested types live in the file that declares their outermost type.
    const parts = fullName.split('.');
    for (let i = parts.length - 1; i >= 1; i--) {
      const file = this.packageIndex(parts.slice(0, i).join('.')).get(parts[i] ?? '');
      if (file !== undefined) return file;
    }
    return undefined;
  }

  /**
   * Maps top-level names of one package to files. Envoy, xds and udpa keep every package in the
   * directory named after it, so listing that one directory replaces scanning all ~600 files
   * (which alone costs ~100 ms).
   */
  private packageIndex(packageName: string): ReadonlyMap<string, string> {
    const cached = this.packages.get(packageName);
    if (cached !== undefined) return cached;
    const index = new Map<string, string>();
    const relDir = packageName.split('.').join('/');
    for (const include of INCLUDE_DIRS) {
      const dir = join(include, relDir);
      if (!existsSync(dir)) continue;
      for (const entry of readdirSync(dir)) {
        if (!entry.endsWith('.proto')) continue;
        const file = join(dir, entry);
        const text = this.source(file);
        if (text === undefined || PACKAGE_RE.exec(text)?.[1] !== packageName) continue;
        for (const match of text.matchAll(TOP_LEVEL_RE)) {
          const name = match[1];
          if (name !== undefined && !index.has(name)) index.set(name, file);
        }
      }
    }
    this.packages.set(packageName, index);
    return index;
  }

  /** Parses `file` and everything it imports into the shared root. False if it can't be. */
  private loadFile(file: string): boolean {
    if (this.loaded.has(file)) return true;
    if (this.broken.has(file)) return false;
    try {
      // No `root.resolveAll()`: it costs ~50 ms for the bootstrap's files and throws for the
      // references of missing imports. schema.ts resolves the fields of the types in use.
      this.parseInto(this.root, this.importClosure(file));
      this.loaded.add(file);
      this.applyAdditions();
      return true;
    } catch {
      // A proto protobufjs cannot parse: rebuild the root from the files known to parse, as a
      // half-parsed file may have left declarations behind.
      this.broken.add(file);
      this.rebuild();
      return false;
    }
  }

  private rebuild(): void {
    const root = ProtoRegistry.newRoot();
    for (const file of this.loaded) this.parseInto(root, this.importClosure(file));
    this.root = root;
    this.bundledLoaded = false;
    this.applied.clear();
    this.applyAdditions();
  }

  /** Additions (api-additions.ts) found to be in the snapshot already, after loading `types`. */
  redundantAdditions(): readonly ApiAddition[] {
    for (const addition of API_ADDITIONS) this.find(addition.message);
    return [...this.redundant];
  }

  /** Applies API_ADDITIONS to the messages loaded so far, once each. */
  private applyAdditions(): void {
    for (const addition of API_ADDITIONS) {
      if (this.applied.has(addition)) continue;
      const type = this.lookupLoaded(addition.message);
      if (!(type instanceof protobuf.Type)) continue;
      this.applied.add(addition);
      const existing = type.fields[addition.field];
      if (addition.kind === 'rules') {
        if (existing === undefined) {
          throw new Error(`api-additions: ${addition.message} has no field ${addition.field}`);
        }
        existing.parsedOptions = [
          ...(existing.parsedOptions ?? []).filter((o) => !Object.hasOwn(o, RULES_OPTION)),
          { [RULES_OPTION]: addition.rules },
        ];
        continue;
      }
      if (existing !== undefined) {
        this.redundant.add(addition);
        continue;
      }
      const scalar = SCALARS.has(addition.type);
      // A message field's type may live in a file the message's own file does not import.
      if (!scalar) this.find(addition.type);
      const field = new protobuf.Field(
        addition.field,
        addition.id,
        scalar ? addition.type : `.${addition.type}`,
        addition.repeated === true ? 'repeated' : undefined,
      );
      if (addition.rules !== undefined) field.parsedOptions = [{ [RULES_OPTION]: addition.rules }];
      type.add(field);
    }
  }

  /** Adds the closure's files that `root` does not hold yet. */
  private parseInto(root: protobuf.Root, closure: Closure): void {
    const parseState = protobuf.parse as unknown as { filename: string | null };
    try {
      for (const path of closure.files) {
        if (root.files.includes(path)) continue;
        root.files.push(path);
        parseState.filename = path; // becomes `.filename` of each type declared in it
        protobuf.parse(this.source(path) ?? '', root, { keepCase: true });
      }
    } finally {
      parseState.filename = null;
    }
    for (const name of closure.bundled) {
      if (root.files.includes(name)) continue;
      root.files.push(name);
      const json = BUNDLED[name] as { nested?: Record<string, protobuf.AnyNestedObject> };
      if (json.nested !== undefined) root.addJSON(json.nested);
    }
  }

  /** The file and its transitive imports that exist; missing ones are left out. */
  private importClosure(file: string): Closure {
    const files: string[] = [];
    const bundled = new Set<string>();
    const visit = (path: string): void => {
      if (files.includes(path)) return;
      files.push(path);
      for (const match of (this.source(path) ?? '').matchAll(IMPORT_RE)) {
        const name = match[1] ?? '';
        const resolved = this.resolveImport(name);
        if (resolved === BUNDLED_IMPORT) bundled.add(name);
        else if (resolved !== null) visit(resolved);
      }
    };
    visit(file);
    return { files, bundled: [...bundled] };
  }

  /** Absolute path of an import, `BUNDLED_IMPORT`, or null when it is nowhere. */
  private resolveImport(name: string): string | null {
    const cached = this.resolvedImports.get(name);
    if (cached !== undefined) return cached;
    let resolved: string | null = null;
    for (const include of INCLUDE_DIRS) {
      // protobufjs's pre-parsed copy beats parsing the .proto from its own directory.
      if (include === protobufjsDir && Object.hasOwn(BUNDLED, name)) {
        resolved = BUNDLED_IMPORT;
        break;
      }
      const path = join(include, name);
      if (existsSync(path)) {
        resolved = path;
        break;
      }
    }
    this.resolvedImports.set(name, resolved);
    return resolved;
  }

  private source(path: string): string | undefined {
    let text = this.sources.get(path);
    if (text === undefined) {
      try {
        text = readFileSync(path, 'utf8');
      } catch {
        return undefined;
      }
      this.sources.set(path, text);
    }
    return text;
  }
}

let shared: ProtoRegistry | undefined;

/** The per-process registry: loaded types are reused by every later validation. */
export function protoRegistry(): ProtoRegistry {
  shared ??= new ProtoRegistry();
  return shared;
}
