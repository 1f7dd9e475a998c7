import type { Template } from 'aws-cdk-lib/assertions';

/** A resource of a synthesized template. */
export interface CfnResourceJson {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DependsOn?: string | string[];
}

export function resources(template: Template): Record<string, CfnResourceJson> {
  return (template.toJSON() as { Resources: Record<string, CfnResourceJson> }).Resources;
}

export function resourcesOfType(template: Template, type: string): [string, CfnResourceJson][] {
  return Object.entries(resources(template)).filter(([, r]) => r.Type === type);
}

export function props(resource: CfnResourceJson | undefined): Record<string, unknown> {
  return resource?.Properties ?? {};
}

/** The logical id a `{ Ref }` or `{ Fn::GetAtt }` points at, if any. */
export function refOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
  return v.Ref ?? v['Fn::GetAtt']?.[0];
}

/**
 * Renders CloudFormation string intrinsics as text, `{ Ref: AWS::Region }` as `<AWS::Region>`,
 * so token-built names can be compared with the same function called on placeholders.
 */
export function renderString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) {
    const v = value as { Ref?: string; 'Fn::Join'?: [string, unknown[]] };
    if (v.Ref !== undefined) return `<${v.Ref}>`;
    const join = v['Fn::Join'];
    if (join !== undefined) return join[1].map(renderString).join(join[0]);
  }
  return JSON.stringify(value);
}

/**
 * Every rule of a security group (inline and separate resources), one line each:
 * `tcp 443 -> sg:Endpoint`, `tcp 3128 <- sg:Agent`, `tcp 443 -> 0.0.0.0/0`, `tcp 443 -> pl`.
 * `names` maps security-group logical ids to short names.
 */
export function securityGroupRules(
  template: Template,
  groupId: string,
  names: Record<string, string>,
): { ingress: string[]; egress: string[] } {
  const all = resources(template);
  const peer = (rule: Record<string, unknown>) => {
    const sg = refOf(rule.SourceSecurityGroupId ?? rule.DestinationSecurityGroupId);
    if (sg !== undefined) return `sg:${names[sg] ?? sg}`;
    if (rule.CidrIp !== undefined) return String(rule.CidrIp);
    if (rule.CidrIpv6 !== undefined) return String(rule.CidrIpv6);
    if (rule.DestinationPrefixListId !== undefined || rule.SourcePrefixListId !== undefined) {
      return 'pl';
    }
    return JSON.stringify(rule);
  };
  const ports = (rule: Record<string, unknown>) =>
    rule.FromPort === rule.ToPort ? `${rule.FromPort}` : `${rule.FromPort}-${rule.ToPort}`;
  const line = (rule: Record<string, unknown>, arrow: string) =>
    `${rule.IpProtocol} ${ports(rule)} ${arrow} ${peer(rule)}`;
  const group = props(all[groupId]);
  const ingress = ((group.SecurityGroupIngress ?? []) as Record<string, unknown>[]).map((r) =>
    line(r, '<-'),
  );
  const egress = ((group.SecurityGroupEgress ?? []) as Record<string, unknown>[]).map((r) =>
    line(r, '->'),
  );
  for (const resource of Object.values(all)) {
    const p = props(resource);
    if (refOf(p.GroupId) !== groupId) continue;
    if (resource.Type === 'AWS::EC2::SecurityGroupIngress') ingress.push(line(p, '<-'));
    if (resource.Type === 'AWS::EC2::SecurityGroupEgress') egress.push(line(p, '->'));
  }
  return { ingress: ingress.sort(), egress: egress.sort() };
}

/** Tag value of `key` on a resource. */
export function tagValue(resource: CfnResourceJson | undefined, key: string): string | undefined {
  const tags = (props(resource).Tags ?? []) as { Key: string; Value: string }[];
  return tags.find((t) => t.Key === key)?.Value;
}

function ipToNumber(ip: string): number {
  return ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

/** Whether IPv4 `ip` is inside `cidr`. */
export function inCidr(ip: string, cidr: string): boolean {
  const [base = '', bits = '32'] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  const start = Math.floor(ipToNumber(base) / size) * size;
  const n = ipToNumber(ip);
  return n >= start && n < start + size;
}

/** What a NACL decides for one packet, evaluating its entries in rule-number order. */
export function naclVerdict(
  template: Template,
  aclId: string,
  packet: { egress: boolean; ip: string; port: number; protocol: 'tcp' | 'udp' },
  vpcCidr: string,
): 'allow' | 'deny' {
  const protocolNumber = packet.protocol === 'tcp' ? 6 : 17;
  const entries = resourcesOfType(template, 'AWS::EC2::NetworkAclEntry')
    .map(([, r]) => props(r))
    .filter((p) => refOf(p.NetworkAclId) === aclId && p.Egress === packet.egress)
    .sort((a, b) => Number(a.RuleNumber) - Number(b.RuleNumber));
  for (const entry of entries) {
    const cidr = typeof entry.CidrBlock === 'string' ? entry.CidrBlock : vpcCidr;
    if (!inCidr(packet.ip, cidr)) continue;
    if (entry.Protocol !== -1 && entry.Protocol !== protocolNumber) continue;
    const range = entry.PortRange as { From: number; To: number } | undefined;
    if (range !== undefined && (packet.port < range.From || packet.port > range.To)) continue;
    return entry.RuleAction as 'allow' | 'deny';
  }
  return 'deny';
}
