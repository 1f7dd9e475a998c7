import { proxyDestinations } from '../analysis/allowed.js';
import type { Context } from '../analysis/context.js';
import { type FirewallEvaluator, ruleName } from '../analysis/firewall.js';
import type { Scope } from '../analysis/scope.js';
import { intersectionOf, isEmpty } from '../destinations.js';
import { PROTOCOL, restrictFlows } from '../flows.js';
import type { Attachment } from '../model.js';
import type { Violation } from '../violations.js';

const tcpKey = (port: number) => PROTOCOL.tcp * 65536 + port;

/**
 * One perimeter, many profiles: each profile's listeners on the proxy carry that profile's
 * allowlist and credentials, so an agent that reaches another profile's port has that
 * profile's power. Every agent must carry exactly one profile's group, and its groups must
 * let it reach the proxy tier on its own profile's ports only. Ports of no profile are the
 * `agent-firewall` check's (they are outside the allowed set altogether).
 */
export function crossProfile({ ctx, evaluator, guarded, options }: Scope): readonly Violation[] {
  const { profilePorts } = options;
  const names = Object.keys(profilePorts ?? {});
  if (profilePorts === undefined || names.length < 2) return [];
  const owner = new Map<number, string>();
  for (const name of names) for (const p of profilePorts[name] ?? []) owner.set(p, name);
  const known = names.map((n) => `"${n}"`).join(', ');
  const proxy = proxyDestinations(ctx);
  const { group } = ctx.terms;
  const out: Violation[] = [];
  for (const a of guarded) {
    const groups = a.groups.map((g) => ctx.groups.get(g));
    const profiles = [
      ...new Set(groups.map((g) => g?.profile).filter((p): p is string => p !== undefined)),
    ];
    // A slot (an agent subnet with every agent group) stands for whatever will run there;
    // its groups are judged one by one below.
    if (a.role === 'slot') {
      for (const g of a.groups) {
        const profile = ctx.groups.get(g)?.profile;
        if (profile !== undefined && names.includes(profile)) {
          out.push(...crossPorts(ctx, evaluator, { ...a, groups: [g] }, profile));
        }
      }
      continue;
    }
    if (profiles.length !== 1 || !names.includes(profiles[0] as string)) {
      const what =
        profiles.length === 0
          ? `has no ${group} of an agent profile`
          : profiles.length > 1
            ? `carries the ${group}s of profiles ${profiles.map((p) => `"${p}"`).join(' and ')}, so it may use the listeners (allowlists and credentials) of both`
            : `carries the ${group} of profile "${profiles[0]}", which the policy does not have`;
      out.push({
        resource: a.resource,
        channel: 'cross-profile',
        explanation: `${a.kind} ${a.resource} ${what}; the policy's profiles are ${known}, and each agent must run in exactly one. Fix: give it only the ${group} of its own profile.`,
      });
      continue;
    }
    out.push(...crossPorts(ctx, evaluator, a, profiles[0] as string));
  }
  return out;

  function crossPorts(
    ctx: Context,
    evaluator: FirewallEvaluator,
    a: Attachment,
    own: string,
  ): Violation[] {
    const out: Violation[] = [];
    const ownPorts = (profilePorts?.[own] ?? []).join(', ');
    for (const { rule, flows } of evaluator.evaluate(a).decidedEgress) {
      if (rule.action !== 'allow') continue;
      const toProxy = restrictFlows(flows, proxy);
      for (const [port, other] of owner) {
        if (other === own) continue;
        const key = tcpKey(port);
        const hit = toProxy.some(
          (s) => s.from <= key && key <= s.to && !isEmpty(intersectionOf(s.to_, proxy)),
        );
        if (!hit) continue;
        const holder = ctx.groups.get(rule.group)?.resource ?? rule.group;
        out.push({
          resource: rule.resource,
          channel: 'cross-profile',
          explanation: `${ruleName(rule)} of ${group} ${holder} lets agents of profile "${own}" reach the proxy tier on ${port}, a listener of profile "${other}": they would get "${other}"'s allowlist and injected credentials. Fix: remove the rule; profile "${own}" reaches only its own listeners (${ownPorts}).`,
        });
      }
    }
    return out;
  }
}
