import { isWildcard, type Policy, proxyEgress } from '../../lib/policy/index.js';
import { resourceDescription } from '../names.js';
import { RESTRICTED_GOOGLE_APIS_RANGE } from '../network/plan.js';
import { proxyTierError } from './errors.js';

/*
 * The proxy's egress as a network firewall policy with FQDN objects: a second layer under
 * Envoy's allowlist that holds even if Envoy is misconfigured or compromised. Rules target the
 * proxy's service account and say `goto_next` for allowed traffic, so the VPC firewall rules
 * (evaluated after the policy, see AgentNetwork) must allow it too; everything else the proxy
 * sends is denied and logged here.
 *
 * FQDN objects take exact names only. A wildcard allowlist entry ("*.example.com") can be
 * covered by listing its concrete names in `wildcardHosts`; an uncovered wildcard falls back
 * to a rule that lets the proxy reach any address on that entry's ports (the planner reports
 * it, and Envoy still enforces the wildcard).
 */

/** FQDN objects per rule (a documented Cloud NGFW limit). */
export const MAX_FQDNS_PER_RULE = 100;
/** Priority of the first allow rule; rules follow in steps of 10. */
export const FIRST_RULE_PRIORITY = 1000;
/** Priority of the final logged deny for the proxy. */
export const DENY_RULE_PRIORITY = 65000;

export interface FirewallPolicyRulePlan {
  readonly priority: number;
  readonly ruleName: string;
  readonly description: string;
  readonly action: 'goto_next' | 'deny';
  readonly destFqdns: readonly string[];
  readonly destIpRanges: readonly string[];
  readonly protocol: 'tcp' | 'all';
  readonly ports: readonly string[];
}

export interface EgressPolicyPlan {
  readonly rules: readonly FirewallPolicyRulePlan[];
  /** Wildcard entries without concrete names: the FQDN layer only limits their ports. */
  readonly uncoveredWildcards: readonly string[];
}

export interface EgressPolicyOptions {
  /** DNS names of the Envoy image registry; the instances pull from it on 443. */
  readonly registryNames: readonly string[];
  /** Concrete names for wildcard entries, e.g. { "*.githubusercontent.com": ["raw.githubusercontent.com"] }. */
  readonly wildcardHosts?: Readonly<Record<string, readonly string[]>>;
}

/** Plans the FQDN egress policy of the proxy. Pure. */
export function planEgressPolicy(policy: Policy, options: EgressPolicyOptions): EgressPolicyPlan {
  const wildcardHosts = options.wildcardHosts ?? {};
  const known = new Set(proxyEgress(policy).map((e) => e.host));
  for (const [pattern, names] of Object.entries(wildcardHosts)) {
    if (!known.has(pattern) || !isWildcard(pattern)) {
      throw proxyTierError(
        `wildcardHosts key "${pattern}" is not a wildcard entry of the policy's egress list. Fix: use one of ${[...known].filter(isWildcard).join(', ') || '(none: the policy has no wildcard entries)'}.`,
      );
    }
    const suffix = pattern.slice(1);
    const bad = names.find(
      (name) => !name.endsWith(suffix) || name.slice(0, -suffix.length).includes('.'),
    );
    if (bad !== undefined) {
      throw proxyTierError(
        `wildcardHosts["${pattern}"] lists "${bad}", which the wildcard does not match (it allows exactly one label). Fix: list names such as "raw${suffix}".`,
      );
    }
  }

  // Group names by the ports they may use, so each rule carries one port set.
  const byPorts = new Map<string, { ports: number[]; names: string[] }>();
  const add = (ports: readonly number[], names: readonly string[]) => {
    const key = ports.join(',');
    const group = byPorts.get(key) ?? { ports: [...ports], names: [] };
    for (const name of names) if (!group.names.includes(name)) group.names.push(name);
    byPorts.set(key, group);
  };
  const uncovered: { host: string; ports: number[] }[] = [];
  for (const entry of proxyEgress(policy)) {
    const ports = [...entry.ports].sort((a, b) => a - b);
    if (!isWildcard(entry.host)) add(ports, [entry.host]);
    else if (wildcardHosts[entry.host] !== undefined) add(ports, wildcardHosts[entry.host] ?? []);
    else uncovered.push({ host: entry.host, ports });
  }
  const registryExact = options.registryNames.filter((name) => !isWildcard(name));
  if (registryExact.length > 0) add([443], registryExact);
  for (const name of options.registryNames.filter(isWildcard)) {
    uncovered.push({ host: name, ports: [443] });
  }

  const rules: FirewallPolicyRulePlan[] = [];
  let priority = FIRST_RULE_PRIORITY;
  const next = () => {
    const value = priority;
    priority += 10;
    return value;
  };
  rules.push({
    priority: next(),
    ruleName: 'proxy-to-google-apis',
    description: resourceDescription(policy, 'the proxy reaches restricted.googleapis.com on 443.'),
    action: 'goto_next',
    destFqdns: [],
    destIpRanges: [RESTRICTED_GOOGLE_APIS_RANGE],
    protocol: 'tcp',
    ports: ['443'],
  });
  let index = 0;
  for (const { ports, names } of [...byPorts.values()].sort((a, b) =>
    a.ports.join(',').localeCompare(b.ports.join(',')),
  )) {
    for (let i = 0; i < names.length; i += MAX_FQDNS_PER_RULE) {
      index += 1;
      rules.push({
        priority: next(),
        ruleName: `proxy-to-allowlist-${index}`,
        description: resourceDescription(
          policy,
          `the proxy reaches allowlisted names on ${ports.join(', ')}.`,
        ),
        action: 'goto_next',
        destFqdns: names.slice(i, i + MAX_FQDNS_PER_RULE),
        destIpRanges: [],
        protocol: 'tcp',
        ports: ports.map(String),
      });
    }
  }
  uncovered.forEach(({ host, ports }, i) => {
    rules.push({
      priority: next(),
      ruleName: `proxy-wildcard-${i + 1}`,
      description: resourceDescription(
        policy,
        `"${host}" cannot be an FQDN object; only its ports (${ports.join(', ')}) are limited here, Envoy enforces the name.`,
      ),
      action: 'goto_next',
      destFqdns: [],
      destIpRanges: ['0.0.0.0/0'],
      protocol: 'tcp',
      ports: ports.map(String),
    });
  });
  rules.push({
    priority: DENY_RULE_PRIORITY,
    ruleName: 'proxy-deny-everything-else',
    description: resourceDescription(
      policy,
      'deny and log every other connection the proxy opens.',
    ),
    action: 'deny',
    destFqdns: [],
    destIpRanges: ['0.0.0.0/0'],
    protocol: 'all',
    ports: [],
  });
  if (priority >= DENY_RULE_PRIORITY) {
    throw proxyTierError(
      `the egress policy needs ${rules.length} rules, more than fit below the final deny. Fix: shorten the egress list.`,
    );
  }
  return { rules, uncoveredWildcards: uncovered.map((u) => u.host) };
}
