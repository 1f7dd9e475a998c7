import type { DnsRule, Finding } from '../model.js';
import type { GcpBuilder } from './builder.js';
import { sameRef } from './facts.js';

/*
 * Cloud DNS as a DNS firewall. A response policy bound to a network is its rule group: a rule
 * that bypasses the policy lets a name resolve (allow), one with local data answers it here
 * (block). The most specific name wins, so rules are ordered by the number of labels. What
 * sends queries elsewhere (alternative name servers, forwarding and peering zones) or
 * resolves Google APIs in public DNS is a finding on the network.
 */

const labels = (name: string) => name.replace(/\.$/, '').split('.').length;

export function buildDns(b: GcpBuilder): void {
  const dns = b.facts.dns;
  for (const policy of dns.responsePolicies) {
    const id = `response-policy:${policy.name}`;
    const rules: DnsRule[] = policy.rules.map((r) => ({
      name: r.ruleName,
      priority: 1000 - labels(r.dnsName),
      // Neither bypass nor local data is not a valid rule; count it as letting names through.
      action: r.localData.length > 0 && r.behavior === undefined ? 'block' : 'allow',
      domains: [r.dnsName],
    }));
    b.dnsRuleGroups.push({ id, resource: policy.name, rules });
    for (const ref of policy.networks) {
      const network = b.networkFact(ref);
      if (network === undefined) continue;
      b.dnsAssociations.push({
        resource: policy.name,
        network: network.ref,
        priority: 0,
        ruleGroup: id,
      });
    }
  }

  for (const n of b.facts.networks) {
    const findings: Finding[] = [];
    for (const p of dns.serverPolicies) {
      if (p.alternativeNameServers.length === 0 || !p.networks.some((x) => sameRef(x, n.ref)))
        continue;
      findings.push({
        resource: p.name,
        how: `DNS server policy ${p.name} sends every query to alternative name servers ${p.alternativeNameServers.join(', ')}, past response policies and private zones`,
        fix: 'remove the alternative name servers; agents use Cloud DNS with the response policy.',
      });
    }
    const zones = dns.zones.filter(
      (z) => z.visibility === 'private' && z.networks.some((x) => sameRef(x, n.ref)),
    );
    for (const z of zones) {
      if (!z.forwarding && !z.peering) continue;
      findings.push({
        resource: z.name,
        how: `private zone ${z.name} ${z.forwarding ? 'forwards queries for' : 'resolves through another network'} ${z.dnsName}`,
        fix: 'remove the zone from the agent network, or resolve those names in a private zone with records.',
      });
    }
    const googleApis = dns.responsePolicies
      .filter((p) => p.networks.some((x) => sameRef(x, n.ref)))
      .flatMap((p) =>
        p.rules.filter((r) => r.behavior !== undefined && /googleapis\.com\.?$/.test(r.dnsName)),
      );
    if (
      googleApis.length > 0 &&
      !zones.some((z) => z.dnsName === 'googleapis.com.' && !z.forwarding && !z.peering)
    ) {
      findings.push({
        resource: n.name,
        how: `the response policy lets ${googleApis.map((r) => r.dnsName).join(', ')} resolve, but no private zone googleapis.com. is bound to network ${n.name}, so those names resolve in public DNS to Google's public front ends instead of restricted.googleapis.com`,
        fix: 'bind a private zone googleapis.com. that answers *.googleapis.com with restricted.googleapis.com (199.36.153.4/30).',
      });
    }
    const network = b.networks.get(n.ref);
    if (network !== undefined && findings.length > 0) network.dnsServers = findings;
  }
}
