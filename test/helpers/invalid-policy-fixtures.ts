import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { problemAt } from './policy.js';

/*
 * Invalid policies as data (test/fixtures/policy/invalid-*.yaml): a valid `base` policy and
 * cases, each the sections it swaps in and the problem the schema must report:
 *
 *   - what: port zero              the test's name
 *     policy:                      top-level sections that replace the base's (or are added)
 *       egress: [{ host: api.anthropic.com, ports: [0] }]
 *     without: [name]              base sections to leave out (optional)
 *     path: egress[0].ports[0]     where the problem must be reported
 *     words: 0 is not a port       what its message must contain
 *
 * A fixture entry of another shape throws when the file is read, naming the entry, so a typo
 * in a fixture fails the run instead of testing nothing.
 */

export type PolicyDocument = Readonly<Record<string, unknown>>;

export interface InvalidPolicyCase {
  readonly what: string;
  /** The sections the case swaps into the base policy. */
  readonly policy: PolicyDocument;
  /** The base sections the case leaves out. */
  readonly without: readonly string[];
  readonly path: string;
  readonly words: string;
  /** The policy the case tests: the base with its sections swapped in, as YAML text. */
  readonly text: string;
}

/** What a case must be refused with (a case of a fixture, or one derived from it). */
export type Refusal = Pick<InvalidPolicyCase, 'text' | 'path' | 'words'>;

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'policy');
const KEYS = ['what', 'policy', 'without', 'path', 'words'];

const isMapping = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A policy document as YAML text (each problem then has a line to report). */
export function policyText(doc: PolicyDocument): string {
  return stringify(doc, { lineWidth: 0 });
}

/** `base` with the case's sections swapped in and its `without` sections left out. */
export function withSections(
  base: PolicyDocument,
  policy: PolicyDocument,
  without: readonly string[],
): PolicyDocument {
  const merged: Record<string, unknown> = { ...base, ...policy };
  for (const key of without) delete merged[key];
  return merged;
}

function nonEmptyString(entry: Record<string, unknown>, key: string, where: string): string {
  const v = entry[key];
  if (typeof v !== 'string' || v === '') throw new Error(`${where}: \`${key}\` must be text`);
  return v;
}

/** The cases of a parsed fixture document; `source` names it in errors. */
export function readInvalidPolicyCases(doc: unknown, source: string): InvalidPolicyCase[] {
  if (!isMapping(doc) || !isMapping(doc.base) || !Array.isArray(doc.cases))
    throw new Error(`${source}: expected a \`base\` policy and a list of \`cases\``);
  const base = doc.base;
  const seen = new Set<string>();
  return doc.cases.map((entry: unknown, i) => {
    const at = `${source}: cases[${i}]`;
    if (!isMapping(entry)) throw new Error(`${at}: not a mapping`);
    const where = typeof entry.what === 'string' ? `${at} ("${entry.what}")` : at;
    const unknown = Object.keys(entry).filter((k) => !KEYS.includes(k));
    if (unknown.length > 0)
      throw new Error(`${where}: unknown key ${unknown.join(', ')} (known: ${KEYS.join(', ')})`);
    const what = nonEmptyString(entry, 'what', where);
    if (seen.has(what)) throw new Error(`${where}: a second case with this name`);
    seen.add(what);
    const policy = entry.policy ?? {};
    if (!isMapping(policy)) throw new Error(`${where}: \`policy\` must be a mapping of sections`);
    const without = entry.without ?? [];
    if (!Array.isArray(without) || !without.every((k) => typeof k === 'string' && k in base))
      throw new Error(`${where}: \`without\` must list sections of the base policy`);
    if (Object.keys(policy).length === 0 && without.length === 0)
      throw new Error(`${where}: neither \`policy\` nor \`without\`: the base policy is valid`);
    return {
      what,
      policy,
      without,
      path: nonEmptyString(entry, 'path', where),
      words: nonEmptyString(entry, 'words', where),
      text: policyText(withSections(base, policy, without)),
    };
  });
}

/** The cases of test/fixtures/policy/NAME.yaml. */
export function invalidPolicyCases(name: string): InvalidPolicyCase[] {
  const file = join(FIXTURES, `${name}.yaml`);
  return readInvalidPolicyCases(parse(readFileSync(file, 'utf8')), `${name}.yaml`);
}

/** The case's policy is refused with a problem at its path, on a line, naming its words. */
export function expectRefused({ text, path, words }: Refusal): void {
  const problem = problemAt(text, path);
  expect(problem.message).toContain(words);
  expect(problem.line).toBeGreaterThan(0);
}

/**
 * One test per case, named by `title` with the case's `what` for `%s`: its policy is refused.
 * No cases is an error, so a filter that matches nothing cannot pass silently.
 */
export function itRefusesEach(cases: readonly (Refusal & { what: string })[], title = '%s'): void {
  if (cases.length === 0) throw new Error(`no cases for "${title}"`);
  it.each(cases.map((c) => [c.what, c] as const))(title, (_what, c) => expectRefused(c));
}
