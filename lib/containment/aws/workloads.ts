import type { AttachmentRole, Finding, ServiceTarget, Tier, WorkloadIdentity } from '../model.js';
import type { Builder } from './builder.js';
import { loadBalancerTargets, taskIdentity } from './identity.js';
import { isValueRecord, Opaque, Ref, type Value } from './values.js';

type Props = Record<string, Value>;

/** A workload's placement before it is split into one attachment per subnet. */
export interface Placement {
  readonly resource: string;
  readonly kind: string;
  readonly role: AttachmentRole;
  readonly tier?: Tier;
  readonly host: string;
  readonly subnets: string[];
  readonly groups: string[];
  readonly publicIp: Finding[];
  readonly ipv6: Finding[];
  readonly directInternet: Finding[];
  readonly endpoint?: string;
  readonly identity?: WorkloadIdentity;
  readonly targets?: readonly ServiceTarget[];
}

function rec(v: Value | undefined): Props | undefined {
  return isValueRecord(v) ? v : undefined;
}

function placement(
  resource: string,
  kind: string,
  role: AttachmentRole,
  extra: Partial<Placement> = {},
): Placement {
  return {
    resource,
    kind,
    role,
    host: resource,
    subnets: [],
    groups: [],
    publicIp: [],
    ipv6: [],
    directInternet: [],
    ...extra,
  };
}

function subnetsOf(b: Builder, v: Value | undefined): string[] {
  return b
    .list(v)
    .map((x) => b.subnetId(x))
    .filter((x) => x !== undefined);
}

function groupsOf(b: Builder, v: Value | undefined): string[] {
  return b
    .list(v)
    .map((x) => b.groupId(x))
    .filter((x) => x !== undefined);
}

function ipv6Count(b: Builder, resource: string, where: string, p: Props | undefined): Finding[] {
  if (p === undefined) return [];
  const out: Finding[] = [];
  for (const prop of ['Ipv6AddressCount', 'Ipv6PrefixCount']) {
    const v = p[prop];
    if (v === undefined) continue;
    const n = b.number(v);
    if (n === undefined)
      out.push({ resource, how: `${where}${prop} ${b.whyUnknown(v)}`, unresolved: true });
    else if (n > 0) out.push({ resource, how: `${where}${prop} is ${n}` });
  }
  for (const prop of ['Ipv6Addresses', 'Ipv6Prefixes']) {
    if (b.list(p[prop]).length > 0)
      out.push({ resource, how: `${where}${prop} gives it IPv6 addresses` });
  }
  out.push(...b.flagFinding(resource, `${where}EnablePrimaryIpv6`, p.EnablePrimaryIpv6));
  out.push(...b.flagFinding(resource, `${where}PrimaryIpv6`, p.PrimaryIpv6));
  return out;
}

/** The `LaunchTemplateData` a launch template specification points at. */
function launchTemplateData(
  b: Builder,
  spec: Value | undefined,
  used: Set<string>,
): Props | undefined {
  const s = rec(spec);
  if (s === undefined) return undefined;
  for (const v of [s.LaunchTemplateId, s.LaunchTemplateName]) {
    const ref = typeof v === 'string' ? b.r.decode(v) : v;
    if (ref instanceof Ref && b.type(ref.logicalId) === 'AWS::EC2::LaunchTemplate') {
      used.add(ref.logicalId);
      return rec(b.props(ref.logicalId).LaunchTemplateData);
    }
  }
  return undefined;
}

function interfaces(b: Builder, list: Value | undefined): Props[] {
  return b
    .list(list)
    .map(rec)
    .filter((x) => x !== undefined);
}

function ecsService(b: Builder, id: string, p: Props): Placement | undefined {
  const td = p.TaskDefinition;
  const tdRef = typeof td === 'string' ? b.r.decode(td) : td;
  const tdProps = tdRef instanceof Ref ? b.props(tdRef.logicalId) : {};
  const tier = b.tier(p) === 'agent' || b.tier(tdProps) === 'agent' ? 'agent' : b.tier(p);
  const kind = b.type(id) === 'AWS::ECS::TaskSet' ? 'ECS task set' : 'ECS service';
  const net = rec(rec(p.NetworkConfiguration)?.AwsvpcConfiguration);
  if (net === undefined) {
    if (tier === 'agent') {
      const mode = b.text(tdProps.NetworkMode) ?? 'bridge';
      b.unprovable.push({
        resource: id,
        explanation: `${kind} ${id} runs an agent task definition with network mode "${mode}" and no awsvpc configuration, so its tasks share their container instance's network, which the template does not tie to them. Fix: use awsvpc networking in the agent subnets with the agent security group.`,
      });
    }
    return undefined;
  }
  return placement(id, kind, 'workload', {
    ...(tier === undefined ? {} : { tier }),
    identity: taskIdentity(b, p.TaskDefinition),
    subnets: subnetsOf(b, net.Subnets),
    groups: groupsOf(b, net.SecurityGroups),
    publicIp: b.flagFinding(id, 'AssignPublicIp', net.AssignPublicIp),
  });
}

function lambda(b: Builder, id: string, p: Props): Placement | undefined {
  const vpc = rec(p.VpcConfig);
  const tier = b.tier(p);
  const subnets = subnetsOf(b, vpc?.SubnetIds);
  if (subnets.length === 0) {
    if (tier !== 'agent') return undefined;
    return placement(id, 'Lambda function', 'workload', {
      tier,
      directInternet: [
        {
          resource: id,
          how: 'has no VpcConfig (a function outside a VPC has direct internet access)',
        },
      ],
    });
  }
  return placement(id, 'Lambda function', 'workload', {
    ...(tier === undefined ? {} : { tier }),
    subnets,
    groups: groupsOf(b, vpc?.SecurityGroupIds),
    ipv6: b.flagFinding(id, 'VpcConfig.Ipv6AllowedForDualStack', vpc?.Ipv6AllowedForDualStack),
  });
}

function instance(
  b: Builder,
  id: string,
  p: Props,
  used: Set<string>,
  hostOf: Map<string, string>,
): Placement[] {
  const data = launchTemplateData(b, p.LaunchTemplate, used);
  const tier = b.tier(p);
  const base = { ...(tier === undefined ? {} : { tier }) };
  const nis = interfaces(b, p.NetworkInterfaces ?? data?.NetworkInterfaces);
  const names = b.list(p.SecurityGroups).map((n) =>
    b.externalGroup({
      id: `ext:group-name:${b.r.display(n)}`,
      label: `group name ${b.r.display(n)}`,
      why: 'is a security group name (EC2-Classic/default VPC) outside this template',
      trusted: false,
    }),
  );
  const groups = [...groupsOf(b, p.SecurityGroupIds ?? data?.SecurityGroupIds), ...names];
  if (nis.length === 0) {
    return [
      placement(id, 'EC2 instance', 'workload', {
        ...base,
        subnets: subnetsOf(b, p.SubnetId),
        groups,
        ipv6: ipv6Count(b, id, '', p),
      }),
    ];
  }
  const out: Placement[] = [];
  nis.forEach((ni, i) => {
    const existing = ni.NetworkInterfaceId;
    if (existing !== undefined) {
      const ref = typeof existing === 'string' ? b.r.decode(existing) : existing;
      if (ref instanceof Ref) hostOf.set(ref.logicalId, id);
      return;
    }
    const where = `NetworkInterfaces[${i}].`;
    out.push(
      placement(id, 'EC2 instance', 'workload', {
        ...base,
        subnets: subnetsOf(b, ni.SubnetId ?? p.SubnetId),
        groups: [...groupsOf(b, ni.GroupSet ?? ni.Groups), ...(i === 0 ? groups : [])],
        publicIp: b.flagFinding(
          id,
          `${where}AssociatePublicIpAddress`,
          ni.AssociatePublicIpAddress,
        ),
        ipv6: ipv6Count(b, id, where, ni),
      }),
    );
  });
  return out;
}

function autoScalingGroup(b: Builder, id: string, p: Props, used: Set<string>): Placement {
  const spec =
    p.LaunchTemplate ??
    rec(rec(p.MixedInstancesPolicy)?.LaunchTemplate)?.LaunchTemplateSpecification;
  const data = launchTemplateData(b, spec, used);
  const groups = groupsOf(b, data?.SecurityGroupIds);
  const publicIp: Finding[] = [];
  const ipv6: Finding[] = [];
  interfaces(b, data?.NetworkInterfaces).forEach((ni, i) => {
    groups.push(...groupsOf(b, ni.Groups ?? ni.GroupSet));
    publicIp.push(
      ...b.flagFinding(
        id,
        `launch template NetworkInterfaces[${i}].AssociatePublicIpAddress`,
        ni.AssociatePublicIpAddress,
      ),
    );
    ipv6.push(...ipv6Count(b, id, `launch template NetworkInterfaces[${i}].`, ni));
  });
  const lc = p.LaunchConfigurationName;
  const lcRef = typeof lc === 'string' ? b.r.decode(lc) : lc;
  if (lcRef instanceof Ref) {
    used.add(lcRef.logicalId);
    const lcp = b.props(lcRef.logicalId);
    groups.push(...groupsOf(b, lcp.SecurityGroups));
    publicIp.push(
      ...b.flagFinding(
        id,
        `launch configuration ${lcRef.logicalId} AssociatePublicIpAddress`,
        lcp.AssociatePublicIpAddress,
      ),
    );
  }
  const tier = b.tier(p);
  return placement(id, 'Auto Scaling group', 'workload', {
    ...(tier === undefined ? {} : { tier }),
    subnets: subnetsOf(b, p.VPCZoneIdentifier),
    groups,
    publicIp,
    ipv6,
  });
}

function launchTemplate(b: Builder, id: string, p: Props): Placement | undefined {
  const data = rec(p.LaunchTemplateData);
  const nis = interfaces(b, data?.NetworkInterfaces);
  const groups = [
    ...groupsOf(b, data?.SecurityGroupIds),
    ...nis.flatMap((ni) => groupsOf(b, ni.Groups)),
  ];
  const subnets = nis.flatMap((ni) => subnetsOf(b, ni.SubnetId));
  if (groups.length === 0 && subnets.length === 0) return undefined;
  return placement(id, 'launch template', 'workload', {
    subnets,
    groups,
    publicIp: nis.flatMap((ni, i) =>
      b.flagFinding(
        id,
        `NetworkInterfaces[${i}].AssociatePublicIpAddress`,
        ni.AssociatePublicIpAddress,
      ),
    ),
    ipv6: nis.flatMap((ni, i) => ipv6Count(b, id, `NetworkInterfaces[${i}].`, ni)),
  });
}

/** A classic load balancer forwards to the instances listed on it. */
function classicTargets(b: Builder, id: string, p: Props): ServiceTarget[] {
  return b.list(p.Instances).map((i) => {
    const ref = typeof i === 'string' ? b.r.decode(i) : i;
    return ref instanceof Ref
      ? { kind: 'workload', resource: ref.logicalId, via: id }
      : { kind: 'address', address: b.r.display(i), via: id };
  });
}

function loadBalancer(b: Builder, id: string, p: Props): Placement {
  const classic = b.type(id) === 'AWS::ElasticLoadBalancing::LoadBalancer';
  const scheme = b.text(p.Scheme) ?? (classic ? 'internet-facing' : 'internet-facing');
  const mappings = b
    .list(p.SubnetMappings)
    .map(rec)
    .filter((x) => x !== undefined);
  const tier = b.tier(p);
  return placement(id, 'load balancer', 'service', {
    ...(tier === undefined ? {} : { tier }),
    targets: classic ? classicTargets(b, id, p) : loadBalancerTargets(b, id),
    subnets: [...subnetsOf(b, p.Subnets), ...mappings.flatMap((m) => subnetsOf(b, m.SubnetId))],
    groups: groupsOf(b, p.SecurityGroups),
    publicIp: scheme === 'internal' ? [] : [{ resource: id, how: `its Scheme is ${scheme}` }],
  });
}

const SERVICE_TYPES =
  /^AWS::(RDS|ElastiCache|EFS|Redshift|OpenSearchService|Elasticsearch|MSK|DocDB|Neptune|FSx|MemoryDB|DAX)::/;
const OPAQUE_HOLDERS =
  /^(Custom::|AWS::CloudFormation::(CustomResource|Stack)$|AWS::Serverless::Application$)/;

/** Types that describe the network itself, or never place anything in a subnet. */
const STRUCTURAL = new Set([
  'AWS::EC2::VPC',
  'AWS::EC2::Subnet',
  'AWS::EC2::RouteTable',
  'AWS::EC2::Route',
  'AWS::EC2::SubnetRouteTableAssociation',
  'AWS::EC2::SubnetNetworkAclAssociation',
  'AWS::EC2::NetworkAcl',
  'AWS::EC2::NetworkAclEntry',
  'AWS::EC2::SecurityGroup',
  'AWS::EC2::SecurityGroupIngress',
  'AWS::EC2::SecurityGroupEgress',
  'AWS::EC2::SubnetCidrBlock',
  'AWS::EC2::VPCCidrBlock',
  'AWS::EC2::FlowLog',
  'AWS::EC2::EIP',
  'AWS::EC2::EIPAssociation',
  'AWS::EC2::NetworkInterfaceAttachment',
  'AWS::EC2::PrefixList',
  'AWS::EC2::VPCEndpoint',
  'AWS::EC2::VPNGatewayRoutePropagation',
  'AWS::EC2::VPCDHCPOptionsAssociation',
  'AWS::ECS::TaskDefinition',
  'AWS::AutoScaling::LaunchConfiguration',
  'AWS::RDS::DBSubnetGroup',
  'AWS::ElastiCache::SubnetGroup',
  'AWS::DAX::SubnetGroup',
  'AWS::Redshift::ClusterSubnetGroup',
  'AWS::DocDB::DBSubnetGroup',
  'AWS::Neptune::DBSubnetGroup',
  'AWS::MemoryDB::SubnetGroup',
]);
const STRUCTURAL_PREFIXES = [
  'AWS::Route53Resolver::',
  'AWS::IAM::',
  'AWS::Logs::',
  'AWS::KMS::',
  'AWS::CDK::',
  'AWS::ElasticLoadBalancingV2::TargetGroup',
  'AWS::ElasticLoadBalancingV2::Listener',
];

const SUBNET_KEY = /subnet/i;
const GROUP_KEY = /securitygroup|groupset|^groups$/i;

/** Subnets and groups anywhere in a resource's properties, by the name of the key holding them. */
function scan(
  b: Builder,
  v: Value | undefined,
  key: string,
  out: { subnets: Set<string>; groups: Set<string> },
  depth = 0,
): void {
  if (v === undefined || v === null || depth > 12) return;
  if (Array.isArray(v)) {
    for (const x of v) scan(b, x, key, out, depth + 1);
    return;
  }
  if (isValueRecord(v)) {
    for (const [k, x] of Object.entries(v)) scan(b, x, k, out, depth + 1);
    return;
  }
  const ref = typeof v === 'string' ? b.r.decode(v) : v;
  if (ref instanceof Ref) {
    const type = b.type(ref.logicalId) ?? '';
    if (type === 'AWS::EC2::Subnet') out.subnets.add(ref.logicalId);
    else if (type === 'AWS::EC2::SecurityGroup') out.groups.add(ref.logicalId);
    else if (/SubnetGroup$/.test(type) && depth < 6)
      scan(b, b.props(ref.logicalId), '', out, depth + 1);
    return;
  }
  if (ref instanceof Opaque || typeof ref === 'string') {
    if (SUBNET_KEY.test(key) && !/subnetgroup/i.test(key)) {
      const id = b.subnetId(ref);
      if (id !== undefined) out.subnets.add(id);
    } else if (GROUP_KEY.test(key)) {
      const id = b.groupId(ref);
      if (id !== undefined) out.groups.add(id);
    }
  }
}

const PUBLIC_FLAGS = new Set(['AssignPublicIp', 'AssociatePublicIpAddress', 'MapPublicIpOnLaunch']);
const IPV6_FLAGS = new Set([
  'AssignIpv6AddressOnCreation',
  'Ipv6AllowedForDualStack',
  'EnablePrimaryIpv6',
]);

interface Switches {
  readonly publicIp: Finding[];
  readonly ipv6: Finding[];
}

/** Public-address and IPv6 switches anywhere in a resource (e.g. an EventBridge ECS target). */
function switches(
  b: Builder,
  id: string,
  v: Value | undefined,
  path: string,
  out: Switches,
  depth = 0,
): void {
  if (depth > 12) return;
  if (Array.isArray(v)) {
    v.forEach((x, i) => {
      switches(b, id, x, `${path}[${i}]`, out, depth + 1);
    });
    return;
  }
  if (!isValueRecord(v)) return;
  for (const [k, x] of Object.entries(v)) {
    const where = path === '' ? k : `${path}.${k}`;
    if (PUBLIC_FLAGS.has(k)) out.publicIp.push(...b.flagFinding(id, where, x));
    else if (IPV6_FLAGS.has(k)) out.ipv6.push(...b.flagFinding(id, where, x));
    else if (k === 'Ipv6AddressCount' && (b.number(x) ?? 1) > 0) {
      out.ipv6.push({ resource: id, how: `${where} is ${b.r.display(x)}` });
    } else switches(b, id, x, where, out, depth + 1);
  }
}

function generic(b: Builder, id: string, type: string, p: Props): Placement | undefined {
  const found = { subnets: new Set<string>(), groups: new Set<string>() };
  scan(b, p, '', found);
  if (found.subnets.size === 0 && found.groups.size === 0) return undefined;
  const tier = b.tier(p);
  const flags: Switches = { publicIp: [], ipv6: [] };
  switches(b, id, p, '', flags);
  return placement(id, type, SERVICE_TYPES.test(type) ? 'service' : 'workload', {
    ...(tier === undefined ? {} : { tier }),
    subnets: [...found.subnets],
    groups: [...found.groups],
    publicIp: flags.publicIp,
    ipv6: flags.ipv6,
    directInternet:
      b.flag(p.DirectInternetAccess) === true
        ? [{ resource: id, how: 'DirectInternetAccess is Enabled' }]
        : [],
  });
}

/** Cheap pre-check on raw JSON: a key named like a subnet or group, or a reference at all. */
function mayPlace(raw: unknown, depth = 0): boolean {
  if (raw === null || typeof raw !== 'object' || depth > 12) return false;
  if (Array.isArray(raw)) return raw.some((x) => mayPlace(x, depth + 1));
  for (const [k, x] of Object.entries(raw)) {
    if (SUBNET_KEY.test(k) || GROUP_KEY.test(k)) return true;
    if (mayPlace(x, depth + 1)) return true;
  }
  return false;
}

/** Cheap pre-check on raw JSON: whether any of `ids` appears in it (by logical id). */
function mentionsAny(raw: unknown, ids: ReadonlySet<string>): boolean {
  if (ids.size === 0 || raw === undefined) return false;
  const text = JSON.stringify(raw);
  for (const id of ids) if (text.includes(id)) return true;
  return false;
}

/** Every value reachable in a resource's properties that references an agent subnet or group. */
function agentReferences(
  b: Builder,
  v: Value | undefined,
  agent: Set<string>,
  out: Set<string>,
  depth = 0,
): void {
  if (v === undefined || v === null || depth > 16) return;
  if (Array.isArray(v)) for (const x of v) agentReferences(b, x, agent, out, depth + 1);
  else if (isValueRecord(v))
    for (const x of Object.values(v)) agentReferences(b, x, agent, out, depth + 1);
  else if (v instanceof Ref) {
    if (agent.has(v.logicalId)) out.add(v.logicalId);
  } else if (typeof v === 'string') {
    for (const r of b.r.refsIn(v)) if (agent.has(r.logicalId)) out.add(r.logicalId);
  }
}

/** Where EIPs are attached: host (instance or interface) -> findings. */
function elasticIps(b: Builder, hostOf: Map<string, string>): Map<string, Finding[]> {
  const out = new Map<string, Finding[]>();
  const add = (target: Value | undefined, f: Finding) => {
    const ref = typeof target === 'string' ? b.r.decode(target) : target;
    if (!(ref instanceof Ref)) return;
    const host = hostOf.get(ref.logicalId) ?? ref.logicalId;
    out.set(host, [...(out.get(host) ?? []), f]);
  };
  for (const id of b.ids('AWS::EC2::EIP')) {
    const p = b.props(id);
    if (p.InstanceId !== undefined)
      add(p.InstanceId, { resource: id, how: `Elastic IP ${id} is attached to it` });
  }
  for (const id of b.ids('AWS::EC2::EIPAssociation')) {
    const p = b.props(id);
    const eip = b.nameOf(p.AllocationId ?? p.EIP);
    const f = { resource: id, how: `${id} associates Elastic IP ${eip} with it` };
    add(p.NetworkInterfaceId ?? p.InstanceId, f);
  }
  return out;
}

/**
 * Every workload and service placed in a subnet or a security group, from the resource types
 * the verifier knows (ECS, Lambda, EC2, Auto Scaling, load balancers, endpoints, NAT and
 * transit gateway attachments) and, for any other type, from properties named like subnets
 * and security groups. Also: the agent slots (each agent subnet with the agent groups of its
 * VPC) and custom resources or nested stacks that receive agent subnets or groups.
 */
export function buildWorkloads(b: Builder): void {
  const used = new Set<string>();
  const hostOf = new Map<string, string>();
  for (const id of b.ids('AWS::EC2::NetworkInterfaceAttachment')) {
    const p = b.props(id);
    const eni = p.NetworkInterfaceId;
    const inst = p.InstanceId;
    if (eni instanceof Ref && inst instanceof Ref) hostOf.set(eni.logicalId, inst.logicalId);
  }
  const placements: Placement[] = [];
  const agentIds = new Set<string>([
    ...[...b.subnets.values()].filter((s) => s.tier === 'agent').map((s) => s.id),
    ...[...b.groups.values()].filter((g) => g.tier === 'agent').map((g) => g.id),
  ]);
  const add = (x: Placement | undefined) => {
    if (x !== undefined) placements.push(x);
  };
  const deferred: [string, Props][] = [];
  for (const [id, resource] of Object.entries(b.r.template.Resources)) {
    if (!b.r.exists(id)) continue;
    const type = resource.Type;
    const p = () => b.props(id);
    if (type === 'AWS::ECS::Service' || type === 'AWS::ECS::TaskSet') add(ecsService(b, id, p()));
    else if (type === 'AWS::Lambda::Function' || type === 'AWS::Serverless::Function')
      add(lambda(b, id, p()));
    else if (type === 'AWS::EC2::Instance') placements.push(...instance(b, id, p(), used, hostOf));
    else if (type === 'AWS::AutoScaling::AutoScalingGroup') add(autoScalingGroup(b, id, p(), used));
    else if (type === 'AWS::EC2::LaunchTemplate') deferred.push([id, p()]);
    else if (type === 'AWS::EC2::NetworkInterface') {
      const props = p();
      const ipv6 = ipv6Count(b, id, '', props);
      add(
        placement(id, 'network interface', 'workload', {
          subnets: subnetsOf(b, props.SubnetId),
          groups: groupsOf(b, props.GroupSet),
          ipv6,
        }),
      );
    } else if (
      type === 'AWS::ElasticLoadBalancingV2::LoadBalancer' ||
      type === 'AWS::ElasticLoadBalancing::LoadBalancer'
    ) {
      add(loadBalancer(b, id, p()));
    } else if (type === 'AWS::EC2::VPCEndpoint') {
      const props = p();
      const kind = b.text(props.VpcEndpointType) ?? 'Gateway';
      if (kind !== 'Gateway') {
        add(
          placement(id, `${kind} endpoint`, 'service', {
            subnets: subnetsOf(b, props.SubnetIds),
            groups: groupsOf(b, props.SecurityGroupIds),
            endpoint: id,
          }),
        );
      }
    } else if (type === 'AWS::EC2::NatGateway') {
      const props = p();
      const isPublic = (b.text(props.ConnectivityType) ?? 'public') !== 'private';
      add(
        placement(id, 'NAT gateway', 'service', {
          subnets: subnetsOf(b, props.SubnetId),
          publicIp: isPublic
            ? [{ resource: id, how: 'it is a public NAT gateway with an Elastic IP' }]
            : [],
        }),
      );
    } else if (
      type === 'AWS::EC2::TransitGatewayAttachment' ||
      type === 'AWS::EC2::TransitGatewayVpcAttachment'
    ) {
      add(
        placement(id, 'transit gateway attachment', 'service', {
          subnets: subnetsOf(b, p().SubnetIds),
        }),
      );
    } else if (OPAQUE_HOLDERS.test(type)) {
      if (!mentionsAny(resource.Properties, agentIds)) continue;
      const refs = new Set<string>();
      agentReferences(b, p(), agentIds, refs);
      if (refs.size > 0) {
        b.unprovable.push({
          resource: id,
          explanation: `${type} ${id} receives agent ${[...refs].join(', ')}; what it creates with them is not in this template, so it cannot be checked. Fix: define those resources in the template, or verify the template that does.`,
        });
      }
    } else if (!STRUCTURAL.has(type) && !STRUCTURAL_PREFIXES.some((x) => type.startsWith(x))) {
      if (mayPlace(resource.Properties)) add(generic(b, id, type, p()));
    }
  }
  for (const [id, p] of deferred) if (!used.has(id)) add(launchTemplate(b, id, p));

  const eips = elasticIps(b, hostOf);
  for (const x of placements) {
    const host = hostOf.get(x.resource) ?? x.host;
    const extra = eips.get(host) ?? (host === x.resource ? [] : (eips.get(x.resource) ?? []));
    const subnets = x.subnets.length === 0 ? [undefined] : x.subnets;
    subnets.forEach((subnet, i) => {
      b.attachments.push({
        id: `${x.resource}#${i}`,
        resource: x.resource,
        kind: x.kind,
        role: x.role,
        ...(x.tier === undefined ? {} : { tier: x.tier }),
        host,
        ...(subnet === undefined ? {} : { subnet }),
        groups: [...new Set(x.groups)],
        publicIp: [...x.publicIp, ...extra],
        ipv6: x.ipv6,
        directInternet: x.directInternet,
        ...(x.endpoint === undefined ? {} : { endpoint: x.endpoint }),
        ...(x.identity === undefined ? {} : { identity: x.identity }),
        ...(x.targets === undefined ? {} : { targets: x.targets }),
      });
    });
  }
  buildSlots(b);
}

/** Where agents will run: each agent subnet with its VPC's agent groups. */
function buildSlots(b: Builder): void {
  const agentGroups = [...b.groups.values()].filter((g) => g.tier === 'agent');
  const covered = new Set<string>();
  for (const s of b.subnets.values()) {
    if (s.tier !== 'agent') continue;
    const groups = agentGroups.filter((g) => g.network === s.network).map((g) => g.id);
    for (const g of groups) covered.add(g);
    b.attachments.push({
      id: `slot:${s.id}`,
      resource: s.id,
      kind: 'agent subnet',
      role: 'slot',
      subnet: s.id,
      groups,
    });
  }
  for (const g of agentGroups) {
    if (covered.has(g.id)) continue;
    b.attachments.push({
      id: `slot:${g.id}`,
      resource: g.id,
      kind: 'agent security group',
      role: 'slot',
      groups: [g.id],
    });
  }
}
