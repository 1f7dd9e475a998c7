import {
  ANY_ADDRESS,
  atom,
  cidrDestinations,
  type Destinations,
  unionOf,
} from '../destinations.js';
import { allTraffic, type Flows, flowsOf } from '../flows.js';
import type { Attachment, FirewallRule } from '../model.js';
import { EVERY_MEMBER, isUnresolved } from '../model.js';
import { evaluateOrdered, type OrderedRule } from '../ordered.js';
import { withoutIgnorable } from './allowed.js';
import { type Context, groupAtom } from './context.js';

/** What a rule matches as flows; undefined when it could not be resolved. */
export function ruleFlows(ctx: Context, rule: FirewallRule): Flows | undefined {
  if (isUnresolved(rule.traffic)) return undefined;
  const peer = rule.peer;
  let to: Destinations | undefined;
  switch (peer.kind) {
    case 'cidr':
      to = cidrDestinations([peer.cidr]);
      break;
    case 'group':
      to = groupAtom(peer.group);
      break;
    case 'prefix-list': {
      const entries = ctx.prefixLists.get(peer.prefixList)?.entries;
      to = entries === undefined ? atom('prefix-list', peer.prefixList) : cidrDestinations(entries);
      break;
    }
    case 'trusted':
      to = atom('trusted', peer.name);
      break;
    case 'unresolved':
      to = undefined;
      break;
  }
  return to === undefined ? undefined : flowsOf(rule.traffic, to);
}

export function ruleName(rule: { resource: string; location?: string }): string {
  return rule.location === undefined ? rule.resource : `${rule.resource} (${rule.location})`;
}

export function unresolvedReason(rule: FirewallRule): string {
  if (isUnresolved(rule.traffic)) return rule.traffic.unresolved;
  return rule.peer.kind === 'unresolved' ? rule.peer.why : 'its peer is not a valid address';
}

export interface GroupEvaluation {
  /** What the attachment's groups let out (broadcast and trusted values removed). */
  readonly egress: Flows;
  readonly decidedEgress: readonly { readonly rule: FirewallRule; readonly flows: Flows }[];
  readonly decidedIngress: readonly { readonly rule: FirewallRule; readonly flows: Flows }[];
  readonly unresolved: readonly FirewallRule[];
}

/** Evaluates the stateful rules of a set of groups, cached by group set. */
export class FirewallEvaluator {
  private readonly cache = new Map<string, GroupEvaluation>();

  constructor(private readonly ctx: Context) {}

  evaluate(attachment: Attachment): GroupEvaluation {
    const subnet =
      attachment.subnet === undefined ? undefined : this.ctx.subnets.get(attachment.subnet);
    const groups = [...new Set(attachment.groups)].sort();
    const network =
      subnet?.network ??
      groups.map((g) => this.ctx.groups.get(g)?.network).find((n) => n !== undefined);
    const key = `${network ?? ''}|${groups.join(',')}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const rules: FirewallRule[] = [];
    for (const g of groups) {
      const group = this.ctx.groups.get(g);
      if (group?.trusted === true || group?.unresolved !== undefined) continue;
      rules.push(...(this.ctx.rulesByGroup.get(g) ?? []));
    }
    if (network !== undefined) rules.push(...(this.ctx.networkRules.get(network) ?? []));
    const implicit = network === undefined ? undefined : this.ctx.networks.get(network);
    if (implicit?.implicitEgress === 'allow') {
      rules.push({
        resource: implicit.resource,
        location: 'implied allow-egress rule',
        group: EVERY_MEMBER,
        network: implicit.id,
        direction: 'egress',
        action: 'allow',
        priority: Number.MAX_SAFE_INTEGER,
        traffic: { protocol: 'all' },
        peer: { kind: 'cidr', cidr: '0.0.0.0/0' },
      });
    }
    const result = this.run(rules);
    this.cache.set(key, result);
    return result;
  }

  private run(rules: readonly FirewallRule[]): GroupEvaluation {
    const ordered = (direction: 'egress' | 'ingress'): OrderedRule<FirewallRule>[] =>
      rules
        .filter((r) => r.direction === direction)
        .map((rule) => ({
          rule,
          level: rule.priority,
          action: rule.action,
          flows: ruleFlows(this.ctx, rule),
        }));
    const universeOf = (list: OrderedRule<FirewallRule>[]) => {
      let d = ANY_ADDRESS;
      for (const r of list)
        for (const s of r.flows ?? []) d = unionOf(d, { v4: [], v6: [], atoms: s.to_.atoms });
      return allTraffic(d);
    };
    const egressRules = ordered('egress');
    const ingressRules = ordered('ingress');
    const egress = evaluateOrdered(egressRules, universeOf(egressRules));
    const ingress = evaluateOrdered(ingressRules, universeOf(ingressRules));
    const clean = (list: readonly { rule: FirewallRule; flows: Flows }[]) =>
      list
        .map((d) => ({ rule: d.rule, flows: withoutIgnorable(d.flows) }))
        .filter((d) => d.flows.length > 0);
    return {
      egress: withoutIgnorable(egress.allowed),
      decidedEgress: clean(egress.decided),
      decidedIngress: clean(ingress.decided),
      unresolved: [...egress.unresolved, ...ingress.unresolved],
    };
  }
}
