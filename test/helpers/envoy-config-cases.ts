import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/*
 * Broken Envoy configs as data (test/fixtures/envoy-validation/broken-bootstraps.yaml): each
 * case edits a copy of the realistic bootstrap and names the one issue validateEnvoyConfig must
 * report. Read by test/proxy/validate.test.ts, one test per case.
 *
 * An edit names an issue path (`a.b[0]["@type"]`, the syntax issues are reported in) and one of:
 *   set: VALUE      the value at the path (created, or replaced)
 *   delete: true    removes the key at the path
 * `{{NAME}}` in a path stands for a place in the bootstrap that the test names (the listener's
 * connection manager, the first route, ...), so a case reads like the test's own edits.
 * The issue is expected at the path of the last edit unless `reportedAt` names another.
 *
 * The file is checked as it is read: a malformed case fails every test that reads it, naming
 * the case, rather than turning into a test that passes for the wrong reason.
 */

/** The value of an edit that removes the key at its path. */
export const DELETE = Symbol('delete');

/** `[path, value]`: sets the value at an issue path, or removes the key there (`DELETE`). */
export type Edit = readonly [path: string, value: unknown];

export interface BrokenConfigCase {
  readonly what: string;
  readonly edits: readonly Edit[];
  /** The issue path the one issue is reported at. */
  readonly path: string;
  readonly message: string;
}

const FILE = join(
  import.meta.dirname,
  '..',
  'fixtures',
  'envoy-validation',
  'broken-bootstraps.yaml',
);

/** The broken-bootstrap cases, with `{{NAME}}` in their paths replaced by `places[NAME]`. */
export function brokenConfigCases(places: Readonly<Record<string, string>>): BrokenConfigCase[] {
  return parseBrokenConfigCases(readFileSync(FILE, 'utf8'), FILE, places);
}

/** `text` read as a broken-bootstrap fixture; throws naming `source` and the malformed case. */
export function parseBrokenConfigCases(
  text: string,
  source: string,
  places: Readonly<Record<string, string>>,
): BrokenConfigCase[] {
  const doc: unknown = parse(text);
  if (!isObject(doc) || !Array.isArray(doc.cases) || doc.cases.length === 0) {
    throw new Error(`${source}: expected a non-empty list under "cases"`);
  }
  const seen = new Set<string>();
  return doc.cases.map((entry: unknown, index: number) => {
    const named = isObject(entry) && typeof entry.what === 'string' ? ` ("${entry.what}")` : '';
    const fail = (problem: string): never => {
      throw new Error(`${source}: case ${index + 1}${named}: ${problem}`);
    };
    const one = readCase(entry, places, fail);
    if (seen.has(one.what)) fail('another case has the same "what"');
    seen.add(one.what);
    return one;
  });
}

type Fail = (problem: string) => never;

function readCase(
  entry: unknown,
  places: Readonly<Record<string, string>>,
  fail: Fail,
): BrokenConfigCase {
  if (!isObject(entry)) return fail('expected an object');
  onlyKeys(entry, ['what', 'edits', 'reportedAt', 'message'], fail);
  const what = text(entry.what, '"what"', fail);
  const message = text(entry.message, '"message"', fail);
  if (!Array.isArray(entry.edits) || entry.edits.length === 0) {
    return fail('"edits" must be a non-empty list');
  }
  const edits = entry.edits.map((edit: unknown, i: number) =>
    readEdit(edit, places, (problem) => fail(`edit ${i + 1}: ${problem}`)),
  );
  const last = edits[edits.length - 1] as Edit;
  const path =
    entry.reportedAt === undefined
      ? last[0]
      : resolve(text(entry.reportedAt, '"reportedAt"', fail), places, fail);
  return { what, edits, path, message };
}

function readEdit(edit: unknown, places: Readonly<Record<string, string>>, fail: Fail): Edit {
  if (!isObject(edit)) return fail('expected an object');
  onlyKeys(edit, ['path', 'set', 'delete'], fail);
  const path = resolve(text(edit.path, '"path"', fail), places, fail);
  const sets = 'set' in edit;
  if (sets === 'delete' in edit) return fail('needs exactly one of "set" and "delete: true"');
  if (!sets && edit.delete !== true) return fail('"delete" must be true');
  return [path, sets ? edit.set : DELETE];
}

/** `{{NAME}}` replaced by `places[NAME]`; an unknown name is an error. */
function resolve(path: string, places: Readonly<Record<string, string>>, fail: Fail): string {
  return path.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    return places[name] ?? fail(`no place named {{${name}}} in ${path}`);
  });
}

function text(value: unknown, what: string, fail: Fail): string {
  if (typeof value !== 'string' || value === '') return fail(`${what} must be a non-empty string`);
  return value;
}

function onlyKeys(entry: Record<string, unknown>, allowed: readonly string[], fail: Fail): void {
  const unknown = Object.keys(entry).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) fail(`unknown key(s) ${unknown.join(', ')}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
