import {
  ANY_ADDRESS,
  atom,
  cidrDestinations,
  type Destinations,
  unionOf,
} from '../destinations.js';
import {
  allTraffic,
  describeFlows,
  type Flows,
  flowsOf,
  restrictFlows,
  subtractFlows,
} from '../flows.js';
import type { Attachment, FirewallRule } from '../model.js';
import { EVERY_MEMBER, isUnresolved } from '../model.js';
import { evaluateOrdered, type OrderedRule } from '../ordered.js';
import type { Violation } from '../violations.js';
import { type AllowedSet, credentialGroups, withoutIgnorable } from './allowed.js';
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

function unresolvedReason(rule: FirewallRule): string {
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

/**
 * The stateful firewall layer of one agent attachment: every egress rule must stay within the
 * allowed set, none may reach other agents, and no ingress rule may admit anyone (the
 * replies of an admitted connection are a way out; agents are clients only).
 */
export function checkFirewall(
  ctx: Context,
  evaluator: FirewallEvaluator,
  allowed: AllowedSet,
  attachment: Attachment,
  routeTable: string | undefined,
  network: string | undefined,
): Violation[] {
  const out: Violation[] = [];
  const { group: groupWord } = ctx.terms;
  for (const g of attachment.groups) {
    const group = ctx.groups.get(g);
    if (group?.unresolved !== undefined && group.trusted !== true) {
      out.push({
        resource: attachment.resource,
        channel: 'cannot-prove',
        explanation: `${attachment.kind} ${attachment.resource} uses ${groupWord} ${group.resource}, which ${group.unresolved}, so its rules cannot be checked. Fix: reference a ${groupWord} defined in this template, or declare the value trusted once the template that defines it is verified.`,
      });
    }
  }
  const evaluation = evaluator.evaluate(attachment);
  for (const rule of evaluation.unresolved) {
    out.push({
      resource: rule.resource,
      channel: 'cannot-prove',
      explanation: `${rule.direction} rule ${ruleName(rule)} of ${ownerOf(ctx, rule)} on agents cannot be checked: ${unresolvedReason(rule)}. Fix: use a literal CIDR, a ${groupWord} or a prefix list defined in this template, or declare the value trusted.`,
    });
  }
  const permitted = allowed.flows(routeTable, network);
  const label = ctx.label;
  for (const { rule, flows } of evaluation.decidedEgress) {
    const lateral = restrictFlows(flows, ctx.agentSpace);
    if (lateral.length > 0) {
      out.push({
        resource: rule.resource,
        channel: 'lateral',
        explanation: `egress rule ${ruleName(rule)} of ${ownerOf(ctx, rule)} (${describeRule(ctx, rule)}) lets agents reach other agents (${describeFlows(lateral, label, 3)}): one sandbox can attack or hand data to another. Fix: remove the rule (including self-references); agents talk only to the proxy tier and the endpoints.`,
      });
    }
    const outside = subtractFlows(subtractFlows(flows, permitted), allTraffic(ctx.agentSpace));
    if (outside.length > 0) {
      out.push({
        resource: rule.resource,
        channel: 'sg-egress',
        explanation: `egress rule ${ruleName(rule)} of ${ownerOf(ctx, rule)} (${describeRule(ctx, rule)}) lets agents reach beyond ${allowed.describe()}: ${describeFlows(outside, label, 3)}${prefixListHint(ctx, outside)}${credentialHint(ctx, outside)}. Fix: remove or narrow the rule; everything else goes through the proxy.`,
      });
    }
  }
  for (const { rule, flows } of evaluation.decidedIngress) {
    const lateral = restrictFlows(flows, ctx.agentSpace);
    if (lateral.length > 0) {
      out.push({
        resource: rule.resource,
        channel: 'lateral',
        explanation: `ingress rule ${ruleName(rule)} of ${ownerOf(ctx, rule)} (${describeRule(ctx, rule, 'from')}) lets other agents connect to agents (${describeFlows(lateral, label, 3).replaceAll(' to ', ' from ')}). Fix: remove the rule (including self-references); agents accept no connections.`,
      });
    }
    const other = subtractFlows(flows, allTraffic(ctx.agentSpace));
    if (other.length > 0) {
      out.push({
        resource: rule.resource,
        channel: 'sg-ingress',
        explanation: `ingress rule ${ruleName(rule)} of ${ownerOf(ctx, rule)} (${describeRule(ctx, rule, 'from')}) admits connections into agents from outside the perimeter (${describeFlows(other, label, 3).replaceAll(' to ', ' from ')}); the replies on those connections are a path out that bypasses the proxy. Fix: remove the rule; agents accept no connections.`,
      });
    }
  }
  return out;
}

/** The rule itself, as written: "tcp 443 to 0.0.0.0/0". */
function describeRule(ctx: Context, rule: FirewallRule, preposition: 'to' | 'from' = 'to'): string {
  const text = describeFlows(ruleFlows(ctx, rule) ?? [], ctx.label, 3);
  return preposition === 'to' ? text : text.replaceAll(' to ', ' from ');
}

/** "security group X", or "every member of VPC network Y" for network-wide rules (GCP). */
function ownerOf(ctx: Context, rule: FirewallRule): string {
  if (rule.group === EVERY_MEMBER) {
    const network = ctx.networks.get(rule.network ?? '');
    return `every member of ${ctx.terms.network} ${network?.resource ?? rule.network ?? '(unknown)'}`;
  }
  return `${ctx.terms.group} ${ctx.groups.get(rule.group)?.resource ?? rule.group}`;
}

/** Why a group that looks allowed is not: it fronts a credential service. */
function credentialHint(ctx: Context, outside: Flows): string {
  const credentials = credentialGroups(ctx);
  const hit = [...new Set(outside.flatMap((s) => s.to_.atoms))]
    .filter((a) => a.startsWith('group:') && credentials.has(a.slice(6)))
    .map((a) => ctx.label(a));
  return hit.length === 0
    ? ''
    : ` (${hit.join(', ')} fronts a credential or model service endpoint, Secrets Manager, KMS, STS, SSM, IAM or Bedrock, which only the proxy tier may reach: C2)`;
}

function prefixListHint(ctx: Context, outside: Flows): string {
  const lists = new Set<string>();
  for (const seg of outside)
    for (const a of seg.to_.atoms) if (a.startsWith('prefix-list:')) lists.add(a.slice(12));
  const managed = [...lists].filter((id) => ctx.prefixLists.get(id)?.service !== undefined);
  if (managed.length === 0) return '';
  return " (a service's prefix list is allowed only on 443, and only through a gateway endpoint for that service on the agents' route table)";
}
