import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAwsApp } from '../../app/aws.js';
import type { ExpectedProxy } from '../../lib/contract/proxy-identity.js';

/** A CloudFormation template as plain JSON, for mutation. */
export interface TemplateJson {
  Resources: Record<
    string,
    { Type: string; Properties?: Record<string, unknown>; [key: string]: unknown }
  >;
  Parameters?: Record<string, unknown>;
  Conditions?: Record<string, unknown>;
  [key: string]: unknown;
}

interface Real {
  template: TemplateJson;
  stackName: string;
  /** What the verifier expects behind the proxy tier for the default policy. */
  expectedProxy: ExpectedProxy;
}

let cached: Real | undefined;

/**
 * The real synthesized stack template, built once per test process with the default policy
 * (CDK's CloudFormation validation and the policy-validation plugins off, for speed).
 */
export function realTemplate(): Real {
  if (cached !== undefined) return { ...cached, template: structuredClone(cached.template) };
  const outdir = mkdtempSync(join(tmpdir(), 'agent-perimeter-containment-'));
  const previous = process.env.CDK_VALIDATION;
  process.env.CDK_VALIDATION = 'false';
  try {
    const { app, stack, prepared } = buildAwsApp({ outdir });
    const assembly = app.synth({ validateOnSynthesis: false });
    const artifact = assembly.getStackByName(stack.stackName);
    const template = JSON.parse(
      readFileSync(join(outdir, artifact.templateFile), 'utf8'),
    ) as TemplateJson;
    cached = { template, stackName: stack.stackName, expectedProxy: prepared.expectedProxy };
  } finally {
    if (previous === undefined) delete process.env.CDK_VALIDATION;
    else process.env.CDK_VALIDATION = previous;
    rmSync(outdir, { recursive: true, force: true });
  }
  return { ...cached, template: structuredClone(cached.template) };
}

/** The first logical id of a type whose id matches `pattern`. */
export function findId(t: TemplateJson, type: string, pattern: RegExp = /./): string {
  const id = Object.entries(t.Resources).find(([k, r]) => r.Type === type && pattern.test(k))?.[0];
  if (id === undefined) throw new Error(`no ${type} matching ${pattern} in the template`);
  return id;
}

export function idsOf(t: TemplateJson, type: string, pattern: RegExp = /./): string[] {
  return Object.entries(t.Resources)
    .filter(([k, r]) => r.Type === type && pattern.test(k))
    .map(([k]) => k);
}

export function props(t: TemplateJson, id: string): Record<string, unknown> {
  const r = t.Resources[id];
  if (r === undefined) throw new Error(`no resource ${id}`);
  r.Properties ??= {};
  return r.Properties;
}

/** Tag value of a resource. */
export function tierOf(t: TemplateJson, id: string): string | undefined {
  const tags = (props(t, id).Tags ?? []) as { Key: string; Value: string }[];
  return tags.find((x) => x.Key === 'agent-perimeter:tier')?.Value;
}

/** Renames every logical id reference in a JSON value (Ref, GetAtt, Sub, DependsOn). */
function renameRefs(v: unknown, rename: (id: string) => string): unknown {
  if (Array.isArray(v)) return v.map((x) => renameRefs(x, rename));
  if (typeof v !== 'object' || v === null) return v;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length === 1) {
    const [k] = keys as [string];
    const arg = o[k];
    if (k === 'Ref' && typeof arg === 'string') return { Ref: rename(arg) };
    if (k === 'Fn::GetAtt' && Array.isArray(arg))
      return { 'Fn::GetAtt': [rename(String(arg[0])), ...arg.slice(1)] };
    if (k === 'Fn::Sub') {
      const sub = (s: string) =>
        s.replace(
          /\$\{([^}!.]+)(\.[^}]*)?\}/g,
          (_m, id: string, rest = '') => `\${${rename(id)}${rest}}`,
        );
      return {
        'Fn::Sub':
          typeof arg === 'string'
            ? sub(arg)
            : Array.isArray(arg)
              ? [sub(String(arg[0])), renameRefs(arg[1], rename)]
              : arg,
      };
    }
  }
  return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, renameRefs(x, rename)]));
}

/**
 * `copies` copies of every resource with renamed logical ids (`<id>C<n>`), references
 * rewritten, so each copy is a separate VPC with its own perimeter: about `copies` times the
 * resources and rules of the original.
 */
export function scaledTemplate(t: TemplateJson, copies: number): TemplateJson {
  const ids = new Set(Object.keys(t.Resources));
  const out: TemplateJson = { ...structuredClone(t), Resources: {} };
  for (let n = 0; n < copies; n++) {
    const rename = (id: string) => (ids.has(id) ? (n === 0 ? id : `${id}C${n}`) : id);
    for (const [id, r] of Object.entries(t.Resources)) {
      const copy = renameRefs(r, rename) as TemplateJson['Resources'][string];
      if (Array.isArray(copy.DependsOn))
        copy.DependsOn = copy.DependsOn.map((d: unknown) => rename(String(d)));
      else if (typeof copy.DependsOn === 'string') copy.DependsOn = rename(copy.DependsOn);
      out.Resources[rename(id)] = copy;
    }
  }
  return out;
}

/** Reads a template file (for tests that want the one in cdk.out). */
export function readTemplate(path: string): TemplateJson {
  return JSON.parse(readFileSync(path, 'utf8')) as TemplateJson;
}
