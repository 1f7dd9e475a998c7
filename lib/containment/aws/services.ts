import type { DnsRule, EndpointPolicy, PolicyStatement } from '../model.js';
import type { Builder } from './builder.js';
import { endpointOwnership, isTemplateResource } from './endpoint-ownership.js';
import { endpointServiceName, registerGatewayPrefixList } from './prefix-lists.js';
import { isValueRecord, Opaque, Ref, type Value } from './values.js';

function strings(b: Builder, v: Value | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  return b.list(v).map((x) => b.r.display(x));
}

/** An endpoint policy document as statements; unknown parts make it unresolved. */
export function endpointPolicy(b: Builder, doc: Value | undefined): EndpointPolicy {
  if (doc === undefined || doc === null) {
    return {
      kind: 'full-access',
      how: 'has no policy document, so AWS attaches its full-access default (any action, any resource, any principal)',
    };
  }
  let value: Value = doc;
  if (typeof doc === 'string') {
    if (b.r.hasTokens(doc) && b.r.opaquesIn(doc).length > 0)
      return { kind: 'unresolved', why: b.whyUnknown(doc) };
    try {
      value = JSON.parse(b.r.display(doc)) as Value;
    } catch {
      return { kind: 'unresolved', why: 'is a string that is not JSON' };
    }
  }
  if (value instanceof Opaque || value instanceof Ref)
    return { kind: 'unresolved', why: b.whyUnknown(value) };
  if (!isValueRecord(value)) return { kind: 'unresolved', why: 'is not a policy document' };
  const statements: PolicyStatement[] = [];
  for (const s of b.list(value.Statement)) {
    if (!isValueRecord(s))
      return {
        kind: 'unresolved',
        why: `has a statement the verifier cannot read (${b.whyUnknown(s)})`,
      };
    const effect = b.text(s.Effect) === 'Deny' ? 'Deny' : 'Allow';
    const actions = strings(b, s.Action);
    const notActions = strings(b, s.NotAction);
    const resources = strings(b, s.Resource);
    const notResources = strings(b, s.NotResource);
    const own = b.list(s.Resource).filter((r) => isTemplateResource(b, r));
    statements.push({
      effect,
      ...(actions === undefined ? {} : { actions }),
      ...(notActions === undefined ? {} : { notActions }),
      ...(resources === undefined ? {} : { resources }),
      ...(notResources === undefined ? {} : { notResources }),
      ...(own.length === 0 ? {} : { ownResources: own.map((r) => b.r.display(r)) }),
    });
  }
  return { kind: 'statements', statements };
}

/** VPC endpoints with their service, route tables, interfaces and policy. */
export function buildEndpoints(b: Builder): void {
  for (const id of b.ids('AWS::EC2::VPCEndpoint')) {
    const p = b.props(id);
    const type = b.text(p.VpcEndpointType) ?? 'Gateway';
    const service = endpointServiceName(b, p.ServiceName);
    const network = b.networkId(p.VpcId);
    const kind = type === 'Gateway' ? 'gateway' : type === 'Interface' ? 'interface' : 'firewall';
    const ownership =
      kind === 'firewall' ? [] : endpointOwnership(b, id, service, p.PolicyDocument);
    b.endpoints.push({
      id,
      resource: id,
      ...(network === undefined ? {} : { network }),
      kind,
      ...(service === undefined ? {} : { service }),
      ...(kind === 'gateway' ? { prefixList: registerGatewayPrefixList(b, service, id) } : {}),
      routeTables: b
        .list(p.RouteTableIds)
        .map((t) => (t instanceof Ref ? t.logicalId : b.nameOf(t))),
      subnets: b
        .list(p.SubnetIds)
        .map((s) => b.subnetId(s))
        .filter((s) => s !== undefined),
      groups: b
        .list(p.SecurityGroupIds)
        .map((g) => b.groupId(g))
        .filter((g) => g !== undefined),
      policy:
        kind === 'firewall'
          ? { kind: 'statements', statements: [] }
          : endpointPolicy(b, p.PolicyDocument),
      ...(ownership.length === 0 ? {} : { ownership }),
    });
  }
}

/**
 * Listeners of the proxy tier's load balancers (those tagged `tier=proxy` or with a proxy
 * security group): the ports agents may use on the proxy.
 */
export function buildProxyListeners(b: Builder): void {
  for (const id of b.ids('AWS::ElasticLoadBalancingV2::Listener')) {
    const p = b.props(id);
    const lb =
      typeof p.LoadBalancerArn === 'string' ? b.r.decode(p.LoadBalancerArn) : p.LoadBalancerArn;
    if (!(lb instanceof Ref)) continue;
    const lbProps = b.props(lb.logicalId);
    const proxy =
      b.tier(lbProps) === 'proxy' ||
      b.list(lbProps.SecurityGroups).some((g) => {
        const gid = b.groupId(g);
        return gid !== undefined && b.groups.get(gid)?.tier === 'proxy';
      });
    const port = b.number(p.Port);
    if (!proxy || port === undefined) continue;
    const protocol = (b.text(p.Protocol) ?? 'TCP').toUpperCase();
    const protocols: ('tcp' | 'udp')[] =
      protocol === 'UDP' ? ['udp'] : protocol === 'TCP_UDP' ? ['tcp', 'udp'] : ['tcp'];
    b.proxyListeners.push({ resource: id, port, protocols });
  }
}

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
