import { protocolMatches, type Reader, type ReadersOf } from './reader.js';
import { refName } from './refs.js';
import { T } from './resource-types.js';
import type { FirewallPolicyFact, FirewallPolicyRuleFact, FirewallRuleFact } from './types.js';

/* VPC firewall rules, and network firewall policies with their rules and associations. */

export function firewallRule(r: Reader): FirewallRuleFact {
  const direction = r.str('direction') === 'EGRESS' ? 'EGRESS' : 'INGRESS';
  const allows = protocolMatches(r, 'allows', 'protocol');
  const denies = protocolMatches(r, 'denies', 'protocol');
  const sourceRanges = r.strings('sourceRanges');
  const sourceTags = r.strings('sourceTags');
  const sourceServiceAccounts = r.strings('sourceServiceAccounts');
  const destinationRanges = r.strings('destinationRanges');
  const hasSource = sourceRanges.length + sourceTags.length + sourceServiceAccounts.length > 0;
  const log = r.object('logConfig');
  return {
    name: r.name(),
    ref: r.selfRef(),
    network: r.ref('network') ?? '',
    direction,
    priority: r.num('priority') ?? 1000,
    action: denies.length > 0 ? 'deny' : 'allow',
    disabled: r.bool('disabled') ?? false,
    match: denies.length > 0 ? denies : allows,
    sourceRanges: direction === 'INGRESS' && !hasSource ? ['0.0.0.0/0'] : sourceRanges,
    sourceTags,
    sourceServiceAccounts,
    destinationRanges:
      direction === 'EGRESS' && destinationRanges.length === 0 ? ['0.0.0.0/0'] : destinationRanges,
    targetTags: r.strings('targetTags').sort(),
    targetServiceAccounts: r.strings('targetServiceAccounts').sort(),
    logged: log !== undefined || r.bool('enableLogging') === true,
  };
}

function policyRule(r: Reader): FirewallPolicyRuleFact {
  return {
    priority: r.num('priority') ?? 0,
    ruleName: r.str('ruleName'),
    direction: r.str('direction') === 'EGRESS' ? 'EGRESS' : 'INGRESS',
    action: r.str('action') ?? 'deny',
    disabled: r.bool('disabled') ?? false,
    logged: r.bool('enableLogging') ?? false,
    targetServiceAccounts: r.strings('targetServiceAccounts').sort(),
    targetSecureTags: r
      .objects('targetSecureTags')
      .map((t) => t.str('name'))
      .filter((t): t is string => t !== undefined),
    srcIpRanges: r.strings('match.srcIpRanges'),
    srcFqdns: r.strings('match.srcFqdns'),
    destIpRanges: r.strings('match.destIpRanges'),
    destFqdns: r.strings('match.destFqdns'),
    match: protocolMatches(r, 'match.layer4Configs', 'ipProtocol'),
  };
}

/**
 * Network firewall policies, with rules given as separate resources or inline, and the
 * networks they are associated with.
 */
export function firewallPolicies(of: ReadersOf): FirewallPolicyFact[] {
  const rulesByPolicy = new Map<string, FirewallPolicyRuleFact[]>();
  for (const r of of(T.policyRule)) {
    const policy = r.str('firewallPolicy') ?? '';
    const list = rulesByPolicy.get(refName(policy)) ?? [];
    list.push(policyRule(r));
    rulesByPolicy.set(refName(policy), list);
  }
  const networksByPolicy = new Map<string, string[]>();
  for (const r of of(T.policyAssociation)) {
    const policy = refName(r.str('firewallPolicy') ?? '');
    const target = r.ref('attachmentTarget');
    if (target !== undefined)
      networksByPolicy.set(policy, [...(networksByPolicy.get(policy) ?? []), target]);
  }
  // A policy's rules come as separate resources or inline; either way sorted by priority.
  const policy = (r: Reader, rules: readonly FirewallPolicyRuleFact[]): FirewallPolicyFact => ({
    name: r.name(),
    ref: r.selfRef(),
    networks: (networksByPolicy.get(r.name()) ?? []).sort(),
    rules: [...rules].sort((a, b) => a.priority - b.priority),
  });
  return [
    ...of(T.policy).map((r) => policy(r, rulesByPolicy.get(r.name()) ?? [])),
    ...of(T.policyWithRules).map((r) => policy(r, r.objects('rules').map(policyRule))),
  ];
}
