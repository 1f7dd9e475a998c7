import { type AllowedSet, credentialGroups } from '../analysis/allowed.js';
import type { Context } from '../analysis/context.js';
import {
  type FirewallEvaluator,
  ruleFlows,
  ruleName,
  unresolvedReason,
} from '../analysis/firewall.js';
import type { Scope } from '../analysis/scope.js';
import { allTraffic, describeFlows, type Flows, restrictFlows, subtractFlows } from '../flows.js';
import type { Attachment, FirewallRule } from '../model.js';
import { EVERY_MEMBER } from '../model.js';
import type { Violation } from '../violations.js';

/**
 * The stateful firewall layer of every agent that carries an agent group: every egress rule
 * must stay within the allowed set, none may reach other agents, and no ingress rule may
 * admit anyone (the replies of an admitted connection are a way out; agents are clients only).
 */
export function agentFirewall({ ctx, evaluator, allowed, guarded }: Scope): readonly Violation[] {
  return guarded.flatMap((a) => checkAttachment(ctx, evaluator, allowed, a));
}

/** One agent attachment's firewall groups, and each rule they apply to it. */
function checkAttachment(
  ctx: Context,
  evaluator: FirewallEvaluator,
  allowed: AllowedSet,
  attachment: Attachment,
): Violation[] {
  const { table: routeTable, network } = ctx.placement(attachment);
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
    out.push(...lateral(ctx, rule, flows, 'egress'));
    const outside = subtractFlows(subtractFlows(flows, permitted), allTraffic(ctx.agentSpace));
    if (outside.length > 0) {
      out.push({
        resource: rule.resource,
        channel: ctx.terms.channels.groupEgress,
        explanation: `egress rule ${ruleName(rule)} of ${ownerOf(ctx, rule)} (${describeRule(ctx, rule)}) lets agents reach beyond ${allowed.describe()}: ${describeFlows(outside, label, 3)}${prefixListHint(ctx, outside)}${credentialHint(ctx, outside)}. Fix: remove or narrow the rule; everything else goes through the proxy.`,
      });
    }
  }
  for (const { rule, flows } of evaluation.decidedIngress) {
    out.push(...lateral(ctx, rule, flows, 'ingress'));
    const other = subtractFlows(flows, allTraffic(ctx.agentSpace));
    if (other.length > 0) {
      out.push({
        resource: rule.resource,
        channel: ctx.terms.channels.groupIngress,
        explanation: `ingress rule ${ruleName(rule)} of ${ownerOf(ctx, rule)} (${describeRule(ctx, rule, 'from')}) admits connections into agents from outside the perimeter (${describeFlows(other, label, 3).replaceAll(' to ', ' from ')}); the replies on those connections are a path out that bypasses the proxy. Fix: remove the rule; agents accept no connections.`,
      });
    }
  }
  return out;
}

/**
 * What of a rule's decided flows runs between agents: either way, one sandbox can attack or
 * hand data to another, so it is reported apart from what leaves the perimeter.
 */
function lateral(
  ctx: Context,
  rule: FirewallRule,
  flows: Flows,
  direction: 'egress' | 'ingress',
): Violation[] {
  const between = restrictFlows(flows, ctx.agentSpace);
  if (between.length === 0) return [];
  const reached = describeFlows(between, ctx.label, 3);
  const explanation =
    direction === 'egress'
      ? `egress rule ${ruleName(rule)} of ${ownerOf(ctx, rule)} (${describeRule(ctx, rule)}) lets agents reach other agents (${reached}): one sandbox can attack or hand data to another. Fix: remove the rule (including self-references); agents talk only to the proxy tier and the endpoints.`
      : `ingress rule ${ruleName(rule)} of ${ownerOf(ctx, rule)} (${describeRule(ctx, rule, 'from')}) lets other agents connect to agents (${reached.replaceAll(' to ', ' from ')}). Fix: remove the rule (including self-references); agents accept no connections.`;
  return [{ resource: rule.resource, channel: 'lateral', explanation }];
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
