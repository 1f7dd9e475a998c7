import { type Flows, intersectFlows, subtractFlows, unionFlows } from './flows.js';

/** One rule of a prioritized rule list (a NACL, security groups, a GCP firewall). */
export interface OrderedRule<R> {
  readonly rule: R;
  /** Rule number or priority: lower levels decide first. */
  readonly level: number;
  readonly action: 'allow' | 'deny';
  /** Undefined when the rule's match could not be resolved. */
  readonly flows: Flows | undefined;
}

export interface OrderedResult<R> {
  /** Everything in the universe some rule allows. */
  readonly allowed: Flows;
  /** What each allow rule decides (its match minus what lower levels decided). */
  readonly decided: readonly { readonly rule: R; readonly flows: Flows }[];
  /** Rules whose match is unknown; an unknown allow may allow anything still undecided. */
  readonly unresolved: readonly R[];
}

/**
 * Evaluates prioritized rules over `universe`; traffic no rule matches is denied.
 *
 * Lower levels decide first. Within one level, deny beats allow (GCP's rule at equal
 * priority), and every allow rule is credited with all it matches, so rules of an allow-only
 * list (AWS security groups: one level) are each judged on their own. NACL entries have
 * distinct rule numbers, so this is plain first match. Unknown deny rules are skipped (they
 * cannot be counted on); unknown allow rules are returned so the caller can fail closed.
 */
export function evaluateOrdered<R>(
  rules: readonly OrderedRule<R>[],
  universe: Flows,
): OrderedResult<R> {
  const sorted = [...rules].sort((a, b) => a.level - b.level);
  let remaining = universe;
  let allowed: Flows = [];
  const decided: { rule: R; flows: Flows }[] = [];
  const unresolved: R[] = [];
  for (let i = 0; i < sorted.length; ) {
    const level = (sorted[i] as OrderedRule<R>).level;
    let j = i;
    while (j < sorted.length && (sorted[j] as OrderedRule<R>).level === level) j++;
    const group = sorted.slice(i, j);
    i = j;
    for (const entry of group) {
      if (entry.action !== 'deny') continue;
      if (entry.flows === undefined) continue;
      remaining = subtractFlows(remaining, entry.flows);
    }
    let taken: Flows = [];
    for (const entry of group) {
      if (entry.action !== 'allow') continue;
      if (entry.flows === undefined) {
        unresolved.push(entry.rule);
        continue;
      }
      const hit = intersectFlows(entry.flows, remaining);
      if (hit.length === 0) continue;
      decided.push({ rule: entry.rule, flows: hit });
      taken = unionFlows(taken, hit);
    }
    allowed = unionFlows(allowed, taken);
    remaining = subtractFlows(remaining, taken);
    // Denies of this level also removed their match from what later levels see (above).
  }
  return { allowed, decided, unresolved };
}
