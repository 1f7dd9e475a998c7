import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseJsonOr } from '../../json.js';
import { TemplateError } from '../aws/template.js';
import { DESCRIBE_CALLS, type DescribeKey } from './files.js';

export type Json = Record<string, unknown>;

/** The AWS CLI answers of one snapshot directory, by call. */
export interface DescribeSnapshot {
  readonly dir: string;
  /** Every item of a call's list, from all its files (pagination, one file per resource). */
  items(key: DescribeKey): Json[];
  /** Per-resource calls: the items of each `<file>.<id>.json`, by id. */
  byResource(key: DescribeKey): ReadonlyMap<string, Json[]>;
  /** Per-resource calls whose list holds plain values (domain names), by id. */
  valuesByResource(key: DescribeKey): ReadonlyMap<string, unknown[]>;
  /** Whole answers of a per-resource call whose answer is one object (task definitions). */
  documents(key: DescribeKey): ReadonlyMap<string, Json>;
  /** Ids of per-resource files present (to tell "not collected" from "empty"). */
  has(key: DescribeKey, id?: string): boolean;
}

const COLLECT_FIX =
  'Fix: collect the snapshot with `npx tsx scripts/collect-aws-describe.ts DIR` (see docs/containment.md), or save the AWS CLI call with --output json under that name.';

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads a snapshot directory; a missing required file or a file that is not JSON is a {@link TemplateError}. */
export function readDescribeDir(dir: string, name = dir): DescribeSnapshot {
  let entries: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    entries = readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new TemplateError(
      `${name}: ${code === 'ENOENT' ? 'no such directory' : 'is not a directory'}. ${COLLECT_FIX}`,
    );
  }
  const docs = new Map<string, { id: string | undefined; doc: Json }[]>();
  for (const [key, call] of Object.entries(DESCRIBE_CALLS)) {
    const mine = entries.filter((f) => f === `${call.file}.json` || f.startsWith(`${call.file}.`));
    if (mine.length === 0 && 'required' in call && call.required) {
      throw new TemplateError(
        `${name}: no ${call.file}.json (the answer of \`${call.command} --output json\`). ${COLLECT_FIX}`,
      );
    }
    const list: { id: string | undefined; doc: Json }[] = [];
    for (const file of mine.sort()) {
      const id =
        file === `${call.file}.json`
          ? undefined
          : file.slice(call.file.length + 1, -'.json'.length);
      const doc = parseJsonOr(
        readFileSync(join(dir, file), 'utf8'),
        (detail) => new TemplateError(`${name}/${file}: not JSON (${detail}). ${COLLECT_FIX}`),
      );
      if (!isObject(doc) || (call.key !== 'taskDefinition' && !Array.isArray(doc[call.key]))) {
        throw new TemplateError(
          `${name}/${file}: no "${call.key}" list, so it is not the answer of \`${call.command}\`. ${COLLECT_FIX}`,
        );
      }
      list.push({ id, doc });
    }
    docs.set(key, list);
  }
  const of = (key: DescribeKey) => docs.get(key) ?? [];
  const valuesOf = (doc: Json, key: DescribeKey) => doc[DESCRIBE_CALLS[key].key] as unknown[];
  const itemsOf = (doc: Json, key: DescribeKey) => valuesOf(doc, key).filter(isObject);
  return {
    dir: name,
    items: (key) => of(key).flatMap(({ doc }) => itemsOf(doc, key)),
    byResource: (key) => {
      const out = new Map<string, Json[]>();
      for (const { id, doc } of of(key))
        if (id !== undefined) out.set(id, [...(out.get(id) ?? []), ...itemsOf(doc, key)]);
      return out;
    },
    valuesByResource: (key) => {
      const out = new Map<string, unknown[]>();
      for (const { id, doc } of of(key))
        if (id !== undefined) out.set(id, [...(out.get(id) ?? []), ...valuesOf(doc, key)]);
      return out;
    },
    documents: (key) => {
      const out = new Map<string, Json>();
      for (const { id, doc } of of(key)) if (id !== undefined) out.set(id, doc);
      return out;
    },
    has: (key, id) => of(key).some((d) => id === undefined || d.id === id),
  };
}

/** A string field, or undefined. */
export function str(o: Json | undefined, key: string): string | undefined {
  const v = o?.[key];
  return typeof v === 'string' ? v : undefined;
}

/** The `key` string field of each object that has one. */
export function strs(list: readonly Json[], key: string): string[] {
  return list.map((o) => str(o, key)).filter((v): v is string => v !== undefined);
}

/** A list field's objects. */
export function objects(o: Json | undefined, key: string): Json[] {
  const v = o?.[key];
  return Array.isArray(v) ? v.filter(isObject) : [];
}

/** An object field. */
export function object(o: Json | undefined, key: string): Json | undefined {
  const v = o?.[key];
  return isObject(v) ? v : undefined;
}
