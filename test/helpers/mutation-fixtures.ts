import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { Channel } from '../../lib/containment/index.js';
import type { TemplateJson } from './containment-template.js';
import { parts } from './containment-template-parts.js';

/*
 * Planted escapes as data (test/fixtures/containment/*-mutations.yaml): each case is a list of
 * edits of a copy of the real input (the synthesized template, the GCP plan) and what the
 * verifier must report. One table-driven test per cloud reads them
 * (test/lib/containment/aws/mutations.test.ts, test/lib/containment/gcp/mutations.test.ts).
 *
 * An edit names a path into the input (keys and array indexes) and one of:
 *   set: VALUE      the value at the path (created, or replaced)
 *   delete: true    removes the key at the path
 *   push: [VALUES]  appends to the array at the path
 * In GCP cases a path step that is a Pulumi URN (`urn:pulumi:...`) steps into the planned
 * resource with that URN, and `remove: URN` drops a planned resource.
 * In AWS cases every string `{{name}}` is replaced by the logical id of that part of the real
 * template (`parts()` in test/helpers/containment-template-parts.ts), so a case survives a
 * renamed construct.
 */

export type PathStep = string | number;

export type Edit =
  | { readonly path: readonly PathStep[]; readonly set: unknown }
  | { readonly path: readonly PathStep[]; readonly delete: true }
  | { readonly path: readonly PathStep[]; readonly push: readonly unknown[] }
  | { readonly remove: string };

export interface MutationCase {
  readonly name: string;
  readonly channel: Channel;
  /** The resource the violation must name (AWS: may be `{{part}}`). */
  readonly resource: string;
  /** Something else the message must name. */
  readonly mentions?: string;
  readonly options?: {
    readonly trustedImports?: string[];
    readonly proxyPorts?: number[];
    readonly profilePorts?: Record<string, number[]>;
  };
  readonly edits: readonly Edit[];
}

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'containment');

/** The cases of one cloud's fixture file. */
export function mutationCases(cloud: 'aws' | 'gcp'): MutationCase[] {
  const file = join(FIXTURES, `${cloud}-mutations.yaml`);
  const doc = parse(readFileSync(file, 'utf8')) as { cases: MutationCase[] };
  return doc.cases;
}

/** `{{name}}` in every string replaced by `names[name]` (an unknown name is an error). */
export function substitute<T>(value: T, names: Readonly<Record<string, string>>): T {
  const one = (s: string) =>
    s.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
      const v = names[name];
      if (v === undefined) throw new Error(`mutation fixture: no part named {{${name}}}`);
      return v;
    });
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return one(v);
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v === 'object' && v !== null)
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [one(k), walk(x)]));
    return v;
  };
  return walk(value) as T;
}

type Node = Record<string | number, unknown>;

function step(node: unknown, s: PathStep, where: string): unknown {
  if (typeof s === 'string' && s.startsWith('urn:pulumi:')) {
    const list = (node as { resources?: { urn: string }[] }).resources ?? [];
    const found = list.find((r) => r.urn === s);
    if (found === undefined) throw new Error(`${where}: no planned resource ${s}`);
    return found;
  }
  if (typeof node !== 'object' || node === null) throw new Error(`${where}: nothing at ${s}`);
  return (node as Node)[s];
}

/** Applies the edits to `input` in place. */
export function applyEdits(input: unknown, edits: readonly Edit[], name: string): void {
  for (const edit of edits) {
    if ('remove' in edit) {
      const doc = input as { resources: { urn: string }[] };
      const before = doc.resources.length;
      doc.resources = doc.resources.filter((r) => r.urn !== edit.remove);
      if (doc.resources.length === before) throw new Error(`${name}: no resource ${edit.remove}`);
      continue;
    }
    const parents = edit.path.slice(0, -1);
    const last = edit.path[edit.path.length - 1];
    if (last === undefined) throw new Error(`${name}: empty path`);
    let node = input;
    for (const s of parents) {
      let next = step(node, s, name);
      if (next === undefined && 'set' in edit) {
        next = {};
        (node as Node)[s] = next;
      }
      node = next;
    }
    const target = node as Node;
    if ('set' in edit) target[last] = structuredClone(edit.set);
    else if ('delete' in edit) {
      if (!(last in target)) throw new Error(`${name}: nothing to delete at ${String(last)}`);
      if (Array.isArray(target)) target.splice(Number(last), 1);
      else delete target[last];
    } else {
      const list = target[last];
      if (!Array.isArray(list)) throw new Error(`${name}: ${String(last)} is not a list`);
      list.push(...structuredClone(edit.push));
    }
  }
}

/** The logical ids of the template's parts, for `{{name}}` (only the single ids). */
export function partNames(t: TemplateJson): Record<string, string> {
  return Object.fromEntries(
    Object.entries(parts(t)).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
}

/** Plants an AWS case in `t` (in place); returns the resource the violation must name. */
export function plantAws(t: TemplateJson, c: MutationCase): string {
  const names = partNames(t);
  applyEdits(t, substitute(c.edits, names), c.name);
  return substitute(c.resource, names);
}

/** Plants a GCP case in `plan` (in place). */
export function plantGcp(plan: unknown, c: MutationCase): void {
  applyEdits(plan, c.edits, c.name);
}

/** The case called `name` (a test that builds on one planted escape). */
export function mutationCase(cloud: 'aws' | 'gcp', name: string): MutationCase {
  const found = mutationCases(cloud).find((c) => c.name.includes(name));
  if (found === undefined) throw new Error(`no ${cloud} mutation case named ${name}`);
  return found;
}
