import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/*
 * What the agent's environment accepts and refuses, as data (test/fixtures/agent-env/):
 *
 *   credential-environment.yaml   names:  { refused: [NAME, ...], accepted: [NAME, ...] }
 *                                 values: { refused: { WHAT: VALUE }, accepted: { WHAT: VALUE } }
 *   proxy-addresses.yaml          { accepted: { GIVEN: HOST }, refused: { GIVEN: WORDS } }
 *
 * An entry of another shape throws when the file is read, naming it.
 */

export interface Verdicts<T> {
  readonly refused: T;
  readonly accepted: T;
}

/** `[key, text]` rows of a mapping, in file order. */
export type Rows = readonly (readonly [string, string])[];

export interface CredentialEnvironmentCases {
  readonly names: Verdicts<readonly string[]>;
  /** `[what, value]` rows. */
  readonly values: Verdicts<Rows>;
}

/** `[given, host]` rows accepted, `[given, words of the message]` rows refused. */
export type ProxyAddressCases = Verdicts<Rows>;

const VERDICTS = ['refused', 'accepted'];

const isMapping = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function verdicts<T>(doc: unknown, at: string, read: (v: unknown, at: string) => T): Verdicts<T> {
  if (!isMapping(doc)) throw new Error(`${at}: expected \`refused\` and \`accepted\``);
  const extra = Object.keys(doc).filter((k) => !VERDICTS.includes(k));
  if (extra.length > 0) throw new Error(`${at}: unknown key ${extra.join(', ')}`);
  return {
    refused: read(doc.refused, `${at}.refused`),
    accepted: read(doc.accepted, `${at}.accepted`),
  };
}

function names(list: unknown, at: string): string[] {
  if (!Array.isArray(list)) throw new Error(`${at}: expected a list of variable names`);
  return list.map((name: unknown, i) => {
    if (typeof name !== 'string' || !/^[A-Z_][A-Z0-9_]*$/.test(name))
      throw new Error(`${at}[${i}]: ${JSON.stringify(name)} is not a variable name`);
    return name;
  });
}

function rows(map: unknown, at: string): Rows {
  if (!isMapping(map)) throw new Error(`${at}: expected a mapping`);
  return Object.entries(map).map(([key, text]) => {
    if (typeof text !== 'string' || text === '')
      throw new Error(`${at} ("${key}"): the value must be text`);
    return [key, text] as const;
  });
}

/** The cases of a parsed credential-environment document; `source` names it in errors. */
export function readCredentialEnvironmentCases(
  doc: unknown,
  source: string,
): CredentialEnvironmentCases {
  if (!isMapping(doc)) throw new Error(`${source}: expected \`names\` and \`values\``);
  const cases = {
    names: verdicts(doc.names, `${source}: names`, names),
    values: verdicts(doc.values, `${source}: values`, rows),
  };
  const both = cases.names.refused.filter((n) => cases.names.accepted.includes(n));
  if (both.length > 0) throw new Error(`${source}: names both refused and accepted: ${both}`);
  return cases;
}

const fixture = (file: string): unknown =>
  parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'agent-env', file), 'utf8'));

/** The cases of test/fixtures/agent-env/credential-environment.yaml. */
export function credentialEnvironmentCases(): CredentialEnvironmentCases {
  const file = 'credential-environment.yaml';
  return readCredentialEnvironmentCases(fixture(file), file);
}

/** The cases of test/fixtures/agent-env/proxy-addresses.yaml. */
export function proxyAddressCases(): ProxyAddressCases {
  const file = 'proxy-addresses.yaml';
  return verdicts(fixture(file), file, rows);
}
