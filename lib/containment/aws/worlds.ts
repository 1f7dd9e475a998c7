import { Resolver, type Trust, type World } from './resolve.js';
import type { CfnTemplate } from './template.js';
import type { Value } from './values.js';

/** At most this many combinations of unknown conditions and parameter values are checked. */
export const MAX_WORLDS = 256;

export interface LabeledWorld {
  readonly world: World;
  /** "condition UseNat is true, parameter Env is prod"; undefined when nothing was open. */
  readonly label?: string;
}

export interface Worlds {
  readonly worlds: readonly LabeledWorld[];
  /** Set when there were more combinations than {@link MAX_WORLDS}. */
  readonly truncated?: number;
}

function walk(v: unknown, visit: (key: string, value: unknown) => void): void {
  if (Array.isArray(v)) for (const x of v) walk(x, visit);
  else if (typeof v === 'object' && v !== null) {
    for (const [k, x] of Object.entries(v)) {
      visit(k, x);
      walk(x, visit);
    }
  }
}

/**
 * Resource types that cannot change what agents reach, whatever their condition: CDK's
 * `CDKMetadata` (its condition compares the region with ~30 names, which would otherwise mean
 * 2^30 worlds to check in every CDK app).
 */
const INERT_TYPES: ReadonlySet<string> = new Set(['AWS::CDK::Metadata']);

/** Parameter names and condition names the resources that matter use. */
function referenced(template: CfnTemplate): { names: Set<string>; conditions: Set<string> } {
  const names = new Set<string>();
  const conditions = new Set<string>();
  const visit = (key: string, value: unknown) => {
    if (key === 'Ref' && typeof value === 'string') names.add(value);
    if (key === 'Fn::Sub') {
      const text = Array.isArray(value) ? value[0] : value;
      if (typeof text === 'string')
        for (const m of text.matchAll(/\$\{([^}!.]+)\}/g)) names.add((m[1] ?? '').trim());
    }
    if (key === 'Fn::If' && Array.isArray(value) && typeof value[0] === 'string')
      conditions.add(value[0]);
    if (key === 'Condition' && typeof value === 'string') conditions.add(value);
  };
  const relevant = Object.values(template.Resources).filter((r) => !INERT_TYPES.has(r.Type));
  walk(relevant, visit);
  for (const r of relevant) if (r.Condition !== undefined) conditions.add(r.Condition);
  // Conditions refer to parameters and to other conditions.
  const queue = [...conditions];
  while (queue.length > 0) {
    const c = queue.pop() as string;
    walk(template.Conditions?.[c], (key, value) => {
      visit(key, value);
      if (key === 'Condition' && typeof value === 'string' && !conditions.has(value)) {
        conditions.add(value);
        queue.push(value);
      }
    });
  }
  return { names, conditions };
}

function product<T>(lists: readonly (readonly T[])[]): T[][] {
  return lists.reduce<T[][]>((acc, list) => acc.flatMap((a) => list.map((x) => [...a, x])), [[]]);
}

/**
 * Every combination of what the template leaves open that can change containment: values of
 * parameters with `AllowedValues`, and conditions that compare deploy-time values (each such
 * comparison is true in some worlds and false in others). A path found in any world is
 * reported; so a route hidden behind `Fn::If` is caught whichever way the condition goes.
 */
export function enumerateWorlds(template: CfnTemplate, trust: Trust): Worlds {
  const choices = Object.values(template.Parameters ?? {}).some((p) =>
    Array.isArray(p.AllowedValues),
  );
  const anyCondition = Object.keys(template.Conditions ?? {}).length > 0;
  if (!choices && !anyCondition)
    return { worlds: [{ world: { parameters: new Map(), leaves: new Map() } }] };
  const { names, conditions } = referenced(template);
  const params = Object.entries(template.Parameters ?? {}).filter(
    ([name, p]) =>
      names.has(name) &&
      !trust.parameters.has(name) &&
      Array.isArray(p.AllowedValues) &&
      p.AllowedValues.length > 0,
  );
  const paramCombos = product(
    params.map(([name, p]) => (p.AllowedValues ?? []).map((v) => [name, v as Value] as const)),
  );
  if (paramCombos.length > MAX_WORLDS) {
    return {
      worlds: [{ world: { parameters: new Map(), leaves: new Map() } }],
      truncated: paramCombos.length,
    };
  }
  const out: LabeledWorld[] = [];
  let total = 0;
  for (const combo of paramCombos) {
    const parameters = new Map(combo);
    const probe = new Resolver(template, { parameters, leaves: new Map() }, trust);
    const open = new Set([...conditions].filter((c) => probe.condition(c) === undefined));
    let leaves = [...probe.unknownLeaves.keys()];
    // Comparisons of trusted values are enumerated while that stays within the budget; past
    // it, the user's trust ("opens no path whatever its value") lets one outcome stand for all.
    const fixed = new Map<string, boolean>();
    if (total + 2 ** leaves.length > MAX_WORLDS) {
      for (const key of probe.trustedLeaves) fixed.set(key, false);
      leaves = leaves.filter((k) => !fixed.has(k));
    }
    total += 2 ** leaves.length;
    if (total > MAX_WORLDS) {
      return {
        worlds: [{ world: { parameters: new Map(), leaves: new Map() } }],
        truncated: total,
      };
    }
    for (const bits of product(leaves.map(() => [true, false]))) {
      const world: World = {
        parameters,
        leaves: new Map([...fixed, ...leaves.map((k, i) => [k, bits[i] as boolean] as const)]),
      };
      const labels: string[] = combo.map(
        ([name, v]) => `parameter ${name} is ${JSON.stringify(v)}`,
      );
      if (leaves.length > 0) {
        const r = new Resolver(template, world, trust);
        for (const c of [...conditions].sort()) {
          const value = r.condition(c);
          if (value !== undefined && open.has(c)) labels.push(`condition ${c} is ${value}`);
        }
      }
      out.push(labels.length === 0 ? { world } : { world, label: labels.join(', ') });
    }
  }
  return { worlds: out };
}
