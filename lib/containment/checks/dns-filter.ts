import type { Scope } from '../analysis/scope.js';
import type { DnsRule, DnsRuleGroup } from '../model.js';
import { isUnresolved } from '../model.js';
import type { Violation } from '../violations.js';

/**
 * Top-level domains no one can register, answered by the provider's own DNS (GCP's
 * `*.internal` instance names and metadata server): no attacker runs their name servers.
 */
const PRIVATE_TLDS = new Set(['internal']);

/**
 * A domain pattern that matches every name, or every name under a top-level domain
 * (`*.com`): allowing it lets an agent query `<data>.attacker.example` and have the resolver
 * carry the data to the attacker's name server.
 */
export function matchesEverything(domain: string): boolean {
  const d = domain.trim().toLowerCase().replace(/\.$/, '');
  if (d === '*' || d === '') return true;
  return /^\*\.[^.*]+$/.test(d) && !PRIVATE_TLDS.has(d.slice(2));
}

function isCatchAll(rule: DnsRule): boolean {
  return (
    !isUnresolved(rule.domains) && rule.domains.some((d) => d.trim().replace(/\.$/, '') === '*')
  );
}

interface Ordered {
  group: DnsRuleGroup;
  association: string;
  rule: DnsRule;
}

/**
 * DNS: the provider's resolver answers agents whatever the firewall groups say, so each
 * network with agents needs a DNS firewall whose rules, in evaluation order, reach a BLOCK of
 * `*` (for every query type) before any rule that lets everything through; it must not fail
 * open; and agents must not be pointed at other DNS servers.
 */
export function dnsFilter({ ctx, agentNetworks }: Scope): readonly Violation[] {
  const out: Violation[] = [];
  const t = ctx.terms;
  for (const id of agentNetworks) {
    const network = ctx.networks.get(id);
    if (network === undefined || network.unresolved !== undefined) continue;
    for (const f of network.dnsServers ?? []) {
      out.push({
        resource: f.resource,
        channel: 'dns-firewall',
        explanation: `${f.how}: agents in ${t.network} ${network.resource} would send DNS queries to servers the DNS firewall does not see. Fix: ${f.fix ?? `use ${t.dnsResolver} with the DNS firewall.`}`,
      });
    }
    for (const c of ctx.model.dns.configs) {
      if (c.network === id && c.failOpen) {
        out.push({
          resource: c.resource,
          channel: 'dns-firewall',
          explanation: `DNS firewall config ${c.resource} makes the DNS firewall of ${ctx.terms.network} ${network.resource} fail open: when it cannot evaluate a query, the query is answered, and DNS becomes a way out. Fix: set FirewallFailOpen to DISABLED.`,
        });
      }
    }
    const associations = ctx.model.dns.associations
      .filter((a) => a.network === id)
      .sort((a, b) => a.priority - b.priority);
    if (associations.length === 0) {
      out.push({
        resource: network.resource,
        channel: 'dns-firewall',
        explanation: `${t.network} ${network.resource} holds agents but has no ${t.dnsFilterAssociation}: the resolver answers any name, so DNS queries are a data channel out (the resolver is not covered by firewall groups). Fix: ${t.dnsFilterFix}.`,
      });
      continue;
    }
    const ordered: Ordered[] = [];
    let blind = false;
    for (const association of associations) {
      const group = ctx.model.dns.ruleGroups.find((g) => g.id === association.ruleGroup);
      if (group === undefined || group.unresolved !== undefined) {
        out.push({
          resource: association.resource,
          channel: 'cannot-prove',
          explanation: `DNS firewall association ${association.resource} uses rule group ${group?.resource ?? association.ruleGroup}, which ${group?.unresolved ?? 'is not in the input'}, so its rules cannot be checked. Fix: use a rule group defined in this template.`,
        });
        blind = true;
        continue;
      }
      for (const rule of [...group.rules].sort((a, b) => a.priority - b.priority)) {
        ordered.push({ group, association: association.resource, rule });
      }
    }
    let blocked = false;
    for (const { group, rule } of ordered) {
      const which = rule.name === undefined ? `priority ${rule.priority}` : rule.name;
      const where = `rule ${which} of ${t.dnsFilter} ${group.resource}${rule.domainList === undefined ? '' : ` (domain list ${rule.domainList})`}`;
      if (isUnresolved(rule.domains)) {
        if (rule.action !== 'block') {
          out.push({
            resource: group.resource,
            channel: 'cannot-prove',
            explanation: `${where} ${rule.action === 'alert' ? 'alerts on (and lets through)' : 'allows'} a domain list that ${rule.domains.unresolved}, so it may allow every name. Fix: use a domain list defined in this template.`,
          });
        }
        continue;
      }
      if (rule.action !== 'block') {
        const wide = rule.domains.filter(matchesEverything);
        if (wide.length > 0) {
          out.push({
            resource: group.resource,
            channel: 'dns-firewall',
            explanation: `${where} ${rule.action === 'alert' ? 'only alerts on (and so lets through)' : 'allows'} "${wide.join('", "')}", which matches every name${wide.some((d) => d.replace(/\.$/, '') !== '*') ? ' under a top-level domain' : ''}: any agent can resolve attacker-chosen names and leak data in the queries. Fix: allow exact names or "*.<domain you trust>" only, then block "*".`,
          });
          blocked = true;
          break;
        }
        continue;
      }
      if (isCatchAll(rule) && rule.queryType === undefined) {
        blocked = true;
        break;
      }
    }
    if (!blocked && !blind) {
      const last = associations.at(-1);
      const resource = ordered.at(-1)?.group.resource ?? last?.resource ?? network.resource;
      out.push({
        resource,
        channel: 'dns-firewall',
        explanation: `${t.dnsFilter} ${resource} (and any other associated with ${t.network} ${network.resource}) never blocks "*" for every query type after its allow rules, so names outside the allowlist resolve and DNS is a data channel out. Fix: ${t.dnsCatchAllFix}.`,
      });
    }
  }
  return out;
}
