import { type DescribeSnapshot, objects, str, strs } from './read.js';
import type { TemplateWriter } from './writer.js';

/* VPC endpoints, the Route 53 Resolver DNS Firewall, and load balancers with their listeners. */

const GONE = new Set(['deleted', 'deleting', 'rejected', 'failed', 'expired']);

export function writeEndpoints(w: TemplateWriter, s: DescribeSnapshot): void {
  for (const e of s.items('vpcEndpoints')) {
    const id = str(e, 'VpcEndpointId');
    if (id === undefined || GONE.has((str(e, 'State') ?? '').toLowerCase())) continue;
    w.add(id, 'AWS::EC2::VPCEndpoint', {
      VpcId: w.ref(str(e, 'VpcId')),
      ServiceName: str(e, 'ServiceName'),
      VpcEndpointType: str(e, 'VpcEndpointType'),
      // The CLI returns the document as JSON text, as templates may give it.
      PolicyDocument: str(e, 'PolicyDocument'),
      RouteTableIds: w.refs(e.RouteTableIds),
      SubnetIds: w.refs(e.SubnetIds),
      SecurityGroupIds: strs(objects(e, 'Groups'), 'GroupId').map((g) => w.ref(g)),
    });
  }
}

/** Rule groups, domain lists, associations and configs of the DNS Firewall. */
export function writeDnsFirewall(w: TemplateWriter, s: DescribeSnapshot): void {
  // Only lists whose domains were collected are readable; AWS-managed ones stay literal ids.
  const domainLists = s.valuesByResource('firewallDomains');
  for (const [id, domains] of domainLists) {
    w.add(id, 'AWS::Route53Resolver::FirewallDomainList', {
      Domains: domains.filter((d): d is string => typeof d === 'string'),
    });
  }
  for (const [id, rules] of s.byResource('firewallRules')) {
    w.add(id, 'AWS::Route53Resolver::FirewallRuleGroup', {
      FirewallRules: rules.map((r) => ({
        Name: str(r, 'Name'),
        Action: str(r, 'Action'),
        Priority: r.Priority,
        FirewallDomainListId: w.ref(str(r, 'FirewallDomainListId') ?? '?'),
        Qtype: str(r, 'Qtype'),
        BlockResponse: str(r, 'BlockResponse'),
      })),
    });
  }
  for (const a of s.items('firewallAssociations')) {
    const id = str(a, 'Id');
    const status = str(a, 'Status') ?? 'COMPLETE';
    if (id === undefined || status === 'DELETING') continue;
    w.add(id, 'AWS::Route53Resolver::FirewallRuleGroupAssociation', {
      VpcId: w.ref(str(a, 'VpcId') ?? '?'),
      FirewallRuleGroupId: w.ref(str(a, 'FirewallRuleGroupId') ?? '?'),
      Priority: a.Priority,
      MutationProtection: str(a, 'MutationProtection'),
    });
  }
  for (const c of s.items('firewallConfigs')) {
    const id = str(c, 'Id');
    if (id === undefined) continue;
    w.add(id, 'AWS::Route53Resolver::FirewallConfig', {
      ResourceId: w.ref(str(c, 'ResourceId') ?? '?'),
      FirewallFailOpen: str(c, 'FirewallFailOpen'),
    });
  }
}

/** The load balancer's snapshot id: its name (ARNs are long; names are unique per region). */
function lbId(arn: string): string {
  const name = /loadbalancer\/(?:app|net|gwy)\/([^/]+)\//.exec(arn)?.[1];
  return `elb ${name ?? arn}`;
}

export function writeLoadBalancers(w: TemplateWriter, s: DescribeSnapshot): void {
  const tags = new Map(s.items('loadBalancerTags').map((t) => [str(t, 'ResourceArn'), t.Tags]));
  for (const lb of s.items('loadBalancers')) {
    const arn = str(lb, 'LoadBalancerArn');
    if (arn === undefined) continue;
    const id = lbId(arn);
    w.add(id, 'AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Name: str(lb, 'LoadBalancerName'),
      Type: str(lb, 'Type'),
      Scheme: str(lb, 'Scheme'),
      Subnets: strs(objects(lb, 'AvailabilityZones'), 'SubnetId').map((x) => w.ref(x)),
      SecurityGroups: w.refs(lb.SecurityGroups),
      Tags: tags.get(arn),
    });
  }
  for (const listeners of s.byResource('listeners').values()) {
    for (const l of listeners) {
      const arn = str(l, 'LoadBalancerArn');
      if (arn === undefined) continue;
      const id = lbId(arn);
      w.add(`${id}/listener ${String(l.Port)}`, 'AWS::ElasticLoadBalancingV2::Listener', {
        LoadBalancerArn: w.ref(id),
        Port: l.Port,
        Protocol: str(l, 'Protocol'),
      });
    }
  }
}

/** `lbId` for network interface descriptions (`ELB net/<name>/<id>`). */
export function loadBalancerOfInterface(description: string | undefined): string | undefined {
  const m = /^ELB (?:app|net|gwy)\/([^/]+)\//.exec(description ?? '');
  return m?.[1] === undefined ? undefined : `elb ${m[1]}`;
}

/** The endpoint id of an interface endpoint's network interface. */
export function endpointOfInterface(description: string | undefined): string | undefined {
  return /VPC Endpoint Interface (vpce-[0-9a-f]+)/.exec(description ?? '')?.[1];
}
