import { readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { isMap, LineCounter, type Node, parseDocument } from 'yaml';
import type { z } from 'zod';
import { formatProblems, type Problem, UserError } from '../errors.js';
import { packageFile } from '../package-files.js';
import { defaultMessage, formatPath, showValue, suggest } from './issues.js';
import { landingZoneImageProblems } from './landing-zone-images.js';
import { ModelAccessSchema } from './model-access-schema.js';
import { AgentSchema, EgressSchema, type Policy, PolicySchema, ProxySchema } from './schema.js';
import { semanticProblems } from './semantics.js';

/** The embedded default policy at the package root. */
export const DEFAULT_POLICY_FILE = packageFile('agent-perimeter.yaml');

/** A policy that failed validation; carries every problem found. */
export class PolicyError extends UserError {
  constructor(
    readonly problems: readonly Problem[],
    readonly source: string,
  ) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(`${source}: invalid policy (${count}):\n${formatProblems(problems, source)}`, 2);
  }
}

type Path = readonly PropertyKey[];

function knownKeys(path: Path): readonly string[] {
  // Walk the schema's shape along `path` to list the fields allowed there.
  let schema: z.core.$ZodType = PolicySchema;
  for (const key of path) {
    let def = schema._zod.def as { type: string; innerType?: z.core.$ZodType };
    while (def.innerType !== undefined) {
      schema = def.innerType;
      def = schema._zod.def as typeof def;
    }
    if (def.type === 'array') schema = (def as unknown as { element: z.core.$ZodType }).element;
    else if (def.type === 'object') {
      const shape = (def as unknown as { shape: Record<string, z.core.$ZodType> }).shape;
      const next = shape[String(key)];
      if (next === undefined) return [];
      schema = next;
    } else return [];
    if (typeof key === 'number' && def.type !== 'array') return [];
  }
  let def = schema._zod.def as { type: string; innerType?: z.core.$ZodType };
  while (def.innerType !== undefined) def = def.innerType._zod.def as typeof def;
  return def.type === 'object'
    ? Object.keys((def as unknown as { shape: Record<string, unknown> }).shape)
    : [];
}

function toProblems(issues: readonly z.core.$ZodIssue[], lineOf: (p: Path) => number | undefined) {
  const problems: Problem[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeys(issue.path);
      for (const key of issue.keys) {
        const path = [...issue.path, key];
        const guess = suggest(key, known);
        const hint =
          guess !== undefined ? `Did you mean "${guess}"?` : `Known fields: ${known.join(', ')}.`;
        problems.push({
          path: formatPath(path),
          message: `unknown field. ${hint}`,
          line: lineOf(path),
        });
      }
      continue;
    }
    const input = (issue as { input?: unknown }).input;
    const message =
      input === undefined && issue.code === 'invalid_type'
        ? `is required (${issue.message.replace(/\.$/, '')}).`
        : `${showValue(input)} ${issue.message}`;
    problems.push({ path: formatPath(issue.path), message, line: lineOf(issue.path) });
  }
  return problems;
}

function each<T>(raw: unknown, schema: z.ZodType<T>): (T | undefined)[] {
  if (!Array.isArray(raw)) return [];
  return raw.map((item) => {
    const r = schema.safeParse(item);
    return r.success ? r.data : undefined;
  });
}

/**
 * Parses and validates policy text. Returns the policy with defaults filled in, or throws a
 * PolicyError listing every problem (path, value, fix, line).
 */
export function parsePolicy(text: string, source = '<policy>'): Policy {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => ({
      path: '',
      message: `YAML syntax error: ${(e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '')}.`,
      line: e.linePos?.[0].line,
    }));
    throw new PolicyError(problems, source);
  }
  const raw: unknown = doc.toJS();
  if (raw === null || raw === undefined) {
    throw new PolicyError(
      [{ path: '', message: 'is empty. Fix: start from agent-perimeter.yaml in the repository.' }],
      source,
    );
  }
  if (typeof raw !== 'object' || Array.isArray(raw) || !isMap(doc.contents)) {
    throw new PolicyError(
      [
        {
          path: '',
          message: `is ${showValue(raw)}, not a policy. Fix: the file must be a YAML mapping with \`name\` and \`egress\`.`,
          line: 1,
        },
      ],
      source,
    );
  }

  const lineOf = (path: Path): number | undefined => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n), true) as Node | undefined;
      if (node?.range) return lines.linePos(node.range[0]).line;
    }
    return undefined;
  };

  const result = PolicySchema.safeParse(raw, {
    reportInput: true,
    error: (issue) => defaultMessage(issue),
  });
  const fields = raw as Record<string, unknown>;
  const hosts = Array.isArray(fields.egress)
    ? fields.egress.map((e: unknown) => (e as { host?: unknown } | null)?.host)
    : [];
  // Each profile's own list, entry by entry, so its duplicates and collisions are reported
  // even when another field of the profile is invalid.
  const agentEgress = Array.isArray(fields.agents)
    ? fields.agents.map((a: unknown) => {
        const own = (a as { egress?: unknown } | null)?.egress;
        if (!Array.isArray(own)) return undefined;
        return {
          hosts: own.map((e: unknown) => (e as { host?: unknown } | null)?.host),
          egress: each(own, EgressSchema),
        };
      })
    : [];
  const semantic = semanticProblems(
    result.success
      ? { ...result.data, hosts, agentEgress }
      : {
          agentEgress,
          hosts,
          egress: each(fields.egress, EgressSchema),
          agents: each(fields.agents, AgentSchema),
          proxy: ProxySchema.safeParse(fields.proxy ?? {}).data,
          model_access: ModelAccessSchema.safeParse(
            fields.model_access ?? { provider: 'anthropic' },
          ).data,
        },
  ).map((p) => ({ ...p, line: lineOf(p.path.split(/\.|(?=\[)/).flatMap(pathKey)) }));
  const landingZone = result.success
    ? landingZoneImageProblems(result.data).map((p) => ({
        ...p,
        line: lineOf(p.path.split('.')),
      }))
    : [];
  const problems = [
    ...(result.success ? [] : toProblems(result.error.issues, lineOf)),
    ...semantic,
    ...landingZone,
  ].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  if (problems.length > 0 || !result.success) throw new PolicyError(problems, source);
  return result.data;
}

function pathKey(part: string): PropertyKey[] {
  const index = /^\[(\d+)\]$/.exec(part);
  return [index ? Number(index[1]) : part];
}

/** Where a policy comes from: the file to read and how to name it in messages. */
export interface PolicyFile {
  /** Absolute path. */
  readonly path: string;
  /** As the user gave it, or the embedded default relative to the working directory. */
  readonly shown: string;
  /** True when no file was given and the embedded default is used. */
  readonly embedded: boolean;
}

/**
 * The one place a policy path is resolved, for every command, the CDK app and the Pulumi
 * program: the given file (relative to `cwd`), else the embedded default, from any directory.
 */
export function resolvePolicyFile(given?: string, cwd: string = process.cwd()): PolicyFile {
  if (given === undefined || given === '') {
    return {
      path: DEFAULT_POLICY_FILE,
      shown: relative(cwd, DEFAULT_POLICY_FILE) || 'agent-perimeter.yaml',
      embedded: true,
    };
  }
  return { path: resolve(cwd, given), shown: given, embedded: false };
}

/**
 * Reads and validates a policy file (default: the embedded `agent-perimeter.yaml`). A missing
 * file, a directory or an unreadable file is a UserError (exit 2) that says so.
 */
export function loadPolicy(file: string | PolicyFile = DEFAULT_POLICY_FILE): Policy {
  const { path, shown } = typeof file === 'string' ? { path: file, shown: file } : file;
  let text: string;
  try {
    if (statSync(path).isDirectory()) {
      throw new UserError(
        `${shown}: is a directory, not a policy file. Fix: name the YAML file, e.g. ${join(shown, 'agent-perimeter.yaml')}.`,
      );
    }
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof UserError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(
      code === 'ENOENT'
        ? `${shown}: no such policy file. Fix: pass an existing file, or omit --policy to use the embedded default.`
        : `${shown}: cannot be read (${code ?? String(error)}). Fix: check the file's permissions.`,
    );
  }
  return parsePolicy(text, shown);
}

/** Where the JSON Schema for editors lives, relative to the repository root. */
export const SCHEMA_FILE = join('schema', 'agent-perimeter.schema.json');
