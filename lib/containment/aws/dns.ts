import type { DnsRule } from '../model.js';
import type { Builder } from './builder.js';
import { isValueRecord, Ref } from './values.js';

/** Route 53 Resolver DNS Firewall: rule groups, their domain lists, associations, config. */
export function buildDns(b: Builder): void {
  const domainLists = new Map<string, string[] | { unresolved: string }>();
  for (const id of b.ids('AWS::Route53Resolver::FirewallDomainList')) {
    const p = b.props(id);
    if (p.DomainFileUrl !== undefined && p.Domains === undefined) {
      domainLists.set(id, {
        unresolved: `loads its domains from ${b.r.display(p.DomainFileUrl)}, outside the template`,
      });
    } else {
      // Names may carry the region (`api.ecr.<AWS-Region>.amazonaws.com`); only values from
      // imports or parameters make a name unknown.
      const domains = b.list(p.Domains).map((d) => {
        if (typeof d !== 'string') return undefined;
        const open = b.r.opaquesIn(d).filter((o) => !o.key.startsWith('pseudo:') && !o.trusted);
        return open.length === 0 ? b.r.display(d) : undefined;
      });
      domainLists.set(
        id,
        domains.every((d) => d !== undefined)
          ? (domains as string[])
          : { unresolved: 'has domains the verifier cannot read' },
      );
    }
  }
  for (const id of b.ids('AWS::Route53Resolver::FirewallRuleGroup')) {
    const p = b.props(id);
    const rules: DnsRule[] = [];
    for (const raw of b.list(p.FirewallRules)) {
      if (!isValueRecord(raw)) continue;
      const listRef =
        typeof raw.FirewallDomainListId === 'string'
          ? b.r.decode(raw.FirewallDomainListId)
          : raw.FirewallDomainListId;
      const listId = listRef instanceof Ref ? listRef.logicalId : undefined;
      const domains =
        listId === undefined
          ? {
              unresolved: `is ${b.nameOf(raw.FirewallDomainListId)}, an AWS-managed or external domain list`,
            }
          : (domainLists.get(listId) ?? {
              unresolved: `is ${listId}, not a domain list the verifier can read`,
            });
      const action = (b.text(raw.Action) ?? '').toUpperCase();
      const qtype = b.text(raw.Qtype);
      rules.push({
        priority: b.number(raw.Priority) ?? 0,
        action: action === 'BLOCK' ? 'block' : action === 'ALERT' ? 'alert' : 'allow',
        domains,
        ...(listId === undefined ? {} : { domainList: listId }),
        ...(qtype === undefined ? {} : { queryType: qtype }),
      });
    }
    b.dnsRuleGroups.push({ id, resource: id, rules });
  }
  for (const id of b.ids('AWS::Route53Resolver::FirewallRuleGroupAssociation')) {
    const p = b.props(id);
    const network = b.networkId(p.VpcId);
    if (network === undefined) continue;
    const group =
      typeof p.FirewallRuleGroupId === 'string'
        ? b.r.decode(p.FirewallRuleGroupId)
        : p.FirewallRuleGroupId;
    let ruleGroup: string;
    if (
      group instanceof Ref &&
      b.type(group.logicalId) === 'AWS::Route53Resolver::FirewallRuleGroup'
    ) {
      ruleGroup = group.logicalId;
    } else {
      ruleGroup = `ext:dns:${b.nameOf(group)}`;
      if (!b.dnsRuleGroups.some((g) => g.id === ruleGroup)) {
        b.dnsRuleGroups.push({
          id: ruleGroup,
          resource: b.nameOf(group),
          rules: [],
          unresolved: b.whyUnknown(group),
        });
      }
    }
    b.dnsAssociations.push({
      resource: id,
      network,
      priority: b.number(p.Priority) ?? 0,
      ruleGroup,
    });
  }
  for (const id of b.ids('AWS::Route53Resolver::FirewallConfig')) {
    const p = b.props(id);
    const network = b.networkId(p.ResourceId);
    if (network === undefined) continue;
    b.dnsConfigs.push({
      resource: id,
      network,
      failOpen: b.flag(p.FirewallFailOpen) !== false && p.FirewallFailOpen !== undefined,
    });
  }
}
