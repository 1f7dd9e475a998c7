import type { Json, JsonObject } from '../../json.js';
import {
  type ExportedResource,
  GCP_PLAN_FORMAT,
  type GcpPlan,
  type PlannedResource,
  type StackExport,
} from './plan-format.js';

/*
 * GCP network facts: what a containment verifier needs to know about a perimeter, as plain
 * data, read from an offline plan (`agent-perimeter plan-gcp`) or from `pulumi stack export`
 * (what is really deployed). Pure: no Pulumi, no cloud SDK, no I/O.
 *
 * Conventions:
 * - References to other resources (`network`, `subnetwork`, ...) are canonical paths:
 *   "projects/<p>/global/networks/<name>", with any "https://www.googleapis.com/compute/v1/"
 *   prefix and "?uniqueId=" suffix removed; a bare name stays a bare name. Compare them with
 *   {@link sameRef}, which falls back to comparing the last path segment.
 * - GCP defaults are applied where an omitted field changes behaviour (a firewall rule's
 *   priority is 1000 and its direction INGRESS; an egress rule without destinations matches
 *   0.0.0.0/0; Cloud Run Direct VPC egress without `egress` is PRIVATE_RANGES_ONLY; a
 *   forwarding rule or address without a scheme/type is EXTERNAL). Such fields say so.
 * - What GCP creates implicitly and Pulumi never sees is added with `implicit: true`: the
 *   default route of a network created without `deleteDefaultRoutesOnCreate`.
 * - Values Pulumi did not know (preview unknowns) or hid (secrets) are left out and listed in
 *   `unresolved`.
 */

// ---------------------------------------------------------------------------------------------
// The facts
// ---------------------------------------------------------------------------------------------

export interface NetworkFact {
  readonly name: string;
  readonly ref: string;
  /** Auto-mode networks create a subnet in every region. GCP default: true. */
  readonly autoCreateSubnetworks: boolean;
  /** False: GCP created a 0.0.0.0/0 route to the internet gateway (see `routes`, implicit). */
  readonly deleteDefaultRoutesOnCreate: boolean;
  /** When network firewall policies run relative to VPC firewall rules. GCP default: AFTER_CLASSIC_FIREWALL. */
  readonly firewallPolicyEnforcementOrder: 'BEFORE_CLASSIC_FIREWALL' | 'AFTER_CLASSIC_FIREWALL';
  /** Internal IPv6 (ULA) enabled on the network. */
  readonly internalIpv6: boolean;
}

export interface SubnetFact {
  readonly name: string;
  readonly ref: string;
  readonly network: string;
  readonly region: string | undefined;
  readonly cidr: string | undefined;
  readonly secondaryCidrs: readonly string[];
  /** "IPV4_ONLY" (GCP default) or "IPV4_IPV6" / "IPV6_ONLY". */
  readonly stackType: string;
  /** IPv6 access type when dual-stack: "INTERNAL" or "EXTERNAL" (internet-routable). */
  readonly ipv6AccessType: string | undefined;
  readonly privateGoogleAccess: boolean;
  /** VPC flow logs; null when off. */
  readonly flowLogs: { readonly metadata: string; readonly sampling: number } | null;
  readonly purpose: string;
}

export type NextHop =
  | { readonly kind: 'internet-gateway'; readonly value: string }
  | { readonly kind: 'ip' | 'instance' | 'ilb' | 'vpn-tunnel'; readonly value: string }
  | { readonly kind: 'unknown'; readonly value: undefined };

export interface RouteFact {
  readonly name: string;
  readonly ref: string;
  readonly network: string;
  readonly destRange: string;
  /** Lower wins among equally specific routes. GCP default: 1000. */
  readonly priority: number;
  /** Instances the route applies to by network tag; empty: every instance in the network. */
  readonly tags: readonly string[];
  readonly nextHop: NextHop;
  /** Created by GCP, not by the program (the default route of a network). */
  readonly implicit: boolean;
}

export interface FirewallRuleFact {
  readonly name: string;
  readonly ref: string;
  readonly network: string;
  readonly direction: 'INGRESS' | 'EGRESS';
  /** 0 (first) to 65535. GCP default: 1000. */
  readonly priority: number;
  readonly action: 'allow' | 'deny';
  readonly disabled: boolean;
  /** Protocols and ports; `ports` empty means every port of that protocol; protocol "all" matches everything. */
  readonly match: readonly { readonly protocol: string; readonly ports: readonly string[] }[];
  /** Ingress sources. An ingress rule with no source at all matches 0.0.0.0/0. */
  readonly sourceRanges: readonly string[];
  readonly sourceTags: readonly string[];
  readonly sourceServiceAccounts: readonly string[];
  /** Egress destinations; 0.0.0.0/0 when the rule names none. */
  readonly destinationRanges: readonly string[];
  /** Targets; both empty: every instance in the network. */
  readonly targetTags: readonly string[];
  readonly targetServiceAccounts: readonly string[];
  readonly logged: boolean;
}

export interface FirewallPolicyRuleFact {
  readonly priority: number;
  readonly ruleName: string | undefined;
  readonly direction: 'INGRESS' | 'EGRESS';
  /** "allow", "deny", "goto_next" (continue with the next layer) or "apply_security_profile_group". */
  readonly action: string;
  readonly disabled: boolean;
  readonly logged: boolean;
  /** Both empty: every instance in the attached networks. */
  readonly targetServiceAccounts: readonly string[];
  readonly targetSecureTags: readonly string[];
  readonly srcIpRanges: readonly string[];
  readonly srcFqdns: readonly string[];
  readonly destIpRanges: readonly string[];
  readonly destFqdns: readonly string[];
  readonly match: readonly { readonly protocol: string; readonly ports: readonly string[] }[];
}

export interface FirewallPolicyFact {
  readonly name: string;
  readonly ref: string;
  /** Networks the policy is associated with. */
  readonly networks: readonly string[];
  /** Sorted by priority. */
  readonly rules: readonly FirewallPolicyRuleFact[];
}

export interface RouterFact {
  readonly name: string;
  readonly ref: string;
  readonly network: string;
  readonly region: string | undefined;
}

export interface NatFact {
  readonly name: string;
  readonly router: string;
  /** The router's network, when the router is known. */
  readonly network: string | undefined;
  readonly region: string | undefined;
  /**
   * Which subnets the NAT serves: "LIST_OF_SUBNETWORKS" (only `subnetworks`),
   * "ALL_SUBNETWORKS_ALL_IP_RANGES" or "ALL_SUBNETWORKS_ALL_PRIMARY_IP_RANGES" (every subnet
   * of the region, agents included).
   */
  readonly coverage: string;
  readonly subnetworks: readonly {
    readonly subnetwork: string;
    readonly ranges: readonly string[];
  }[];
  readonly logged: boolean;
}

export interface CloudRunFact {
  readonly kind: 'service' | 'job';
  readonly name: string;
  readonly ref: string;
  readonly region: string | undefined;
  /** "EXECUTION_ENVIRONMENT_GEN1" (gVisor) or "..._GEN2"; undefined: Cloud Run chooses. */
  readonly executionEnvironment: string | undefined;
  /** Services only: "INGRESS_TRAFFIC_ALL" (GCP default), "..._INTERNAL_ONLY", "..._INTERNAL_LOAD_BALANCER". */
  readonly ingress: string | undefined;
  /** Runtime identity; undefined: the Compute Engine default service account (usually Editor). */
  readonly serviceAccount: string | undefined;
  /** Direct VPC egress or connector in use. */
  readonly vpcAccess: boolean;
  /**
   * "ALL_TRAFFIC" or "PRIVATE_RANGES_ONLY" (GCP default when `vpcAccess` is set; public
   * destinations then bypass the VPC); undefined without VPC access (all traffic goes
   * straight to the internet).
   */
  readonly egress: string | undefined;
  readonly connector: string | undefined;
  readonly networkInterfaces: readonly {
    readonly network: string | undefined;
    readonly subnetwork: string | undefined;
    readonly tags: readonly string[];
  }[];
  readonly images: readonly string[];
  /** Environment variable names; `fromSecret` when the value comes from Secret Manager. */
  readonly env: readonly { readonly name: string; readonly fromSecret: boolean }[];
  /** Volumes that mount Secret Manager secrets. */
  readonly secretVolumes: number;
}

export interface InstanceFact {
  /** A template (what a managed instance group creates) or a standalone instance. */
  readonly kind: 'template' | 'instance';
  readonly name: string;
  readonly ref: string;
  readonly tags: readonly string[];
  readonly serviceAccount: string | undefined;
  readonly scopes: readonly string[];
  readonly networkInterfaces: readonly {
    readonly network: string | undefined;
    readonly subnetwork: string | undefined;
    /** An IPv4 access config: an external address. */
    readonly externalIpv4: boolean;
    /** An IPv6 access config or external IPv6 access type. */
    readonly externalIpv6: boolean;
  }[];
  readonly canIpForward: boolean;
  readonly shieldedVm: {
    readonly secureBoot: boolean;
    readonly vtpm: boolean;
    readonly integrityMonitoring: boolean;
  };
  /** `enable-oslogin` metadata is TRUE. */
  readonly osLogin: boolean;
  readonly metadataKeys: readonly string[];
  readonly bootImage: string | undefined;
}

export interface InstanceGroupFact {
  readonly name: string;
  readonly ref: string;
  readonly region: string | undefined;
  readonly templates: readonly string[];
  readonly autohealingHealthCheck: string | undefined;
  readonly autoscaling: { readonly min: number; readonly max: number } | undefined;
}

export interface ForwardingRuleFact {
  readonly name: string;
  readonly ref: string;
  readonly region: string | undefined;
  /** GCP default: EXTERNAL. */
  readonly scheme: string;
  /** True for any EXTERNAL* scheme: reachable from the internet. */
  readonly external: boolean;
  readonly ipAddress: string | undefined;
  readonly ports: readonly string[];
  readonly allPorts: boolean;
  readonly network: string | undefined;
  readonly subnetwork: string | undefined;
  readonly backendService: string | undefined;
  readonly target: string | undefined;
  readonly allowGlobalAccess: boolean;
}

export interface AddressFact {
  readonly name: string;
  readonly ref: string;
  readonly address: string | undefined;
  /** GCP default: EXTERNAL. */
  readonly addressType: string;
  readonly subnetwork: string | undefined;
  readonly purpose: string | undefined;
}

export interface ServiceAccountFact {
  readonly ref: string;
  readonly accountId: string | undefined;
  readonly email: string | undefined;
}

/** One IAM grant, from *IamMember, *IamBinding or *IamPolicy resources of any service. */
export interface IamBindingFact {
  /** Where the grant is made: the resource type's module, e.g. "projects", "secretmanager", "serviceaccount". */
  readonly scope: string;
  readonly type: string;
  /** The granted-on resource: project, secret id, service account id, ... */
  readonly resource: string | undefined;
  readonly role: string;
  readonly members: readonly string[];
  readonly conditional: boolean;
}

export interface DnsFacts {
  readonly zones: readonly {
    readonly name: string;
    readonly dnsName: string;
    readonly visibility: string;
    readonly networks: readonly string[];
    readonly forwarding: boolean;
    readonly peering: boolean;
  }[];
  readonly records: readonly {
    readonly zone: string;
    readonly name: string;
    readonly type: string;
    readonly rrdatas: readonly string[];
  }[];
  readonly responsePolicies: readonly {
    readonly name: string;
    readonly networks: readonly string[];
    readonly rules: readonly {
      readonly ruleName: string;
      readonly dnsName: string;
      readonly behavior: string | undefined;
      readonly localData: readonly {
        readonly name: string;
        readonly type: string;
        readonly rrdatas: readonly string[];
      }[];
    }[];
  }[];
  readonly serverPolicies: readonly {
    readonly name: string;
    readonly networks: readonly string[];
    readonly logging: boolean;
    readonly inboundForwarding: boolean;
    readonly alternativeNameServers: readonly string[];
  }[];
}

export interface LoggingFacts {
  readonly buckets: readonly {
    readonly ref: string;
    readonly bucketId: string | undefined;
    readonly location: string | undefined;
    readonly retentionDays: number | undefined;
    readonly locked: boolean;
  }[];
  readonly sinks: readonly {
    readonly name: string;
    readonly destination: string | undefined;
    readonly filter: string | undefined;
    readonly disabled: boolean;
    readonly exclusions: number;
  }[];
  readonly auditConfigs: readonly {
    readonly service: string;
    readonly logTypes: readonly string[];
  }[];
}

export interface GcpNetworkFacts {
  /** Where the facts come from: an offline plan or a deployed stack. */
  readonly source: 'plan' | 'stack-export';
  /** Plan only: the policy, project and region it was made for. */
  readonly policy: string | undefined;
  readonly project: string | undefined;
  readonly region: string | undefined;
  readonly networks: readonly NetworkFact[];
  readonly subnets: readonly SubnetFact[];
  readonly routes: readonly RouteFact[];
  readonly firewallRules: readonly FirewallRuleFact[];
  readonly firewallPolicies: readonly FirewallPolicyFact[];
  readonly routers: readonly RouterFact[];
  readonly nats: readonly NatFact[];
  readonly cloudRun: readonly CloudRunFact[];
  readonly instances: readonly InstanceFact[];
  readonly instanceGroups: readonly InstanceGroupFact[];
  readonly forwardingRules: readonly ForwardingRuleFact[];
  readonly addresses: readonly AddressFact[];
  readonly serviceAccounts: readonly ServiceAccountFact[];
  readonly iam: readonly IamBindingFact[];
  readonly dns: DnsFacts;
  readonly logging: LoggingFacts;
  /** Cloud resources no fact above describes, so a verifier can flag the unexpected. */
  readonly otherResources: readonly { readonly type: string; readonly name: string }[];
  /** "<type> <name>: <field>" for values that were unknown or secret. */
  readonly unresolved: readonly string[];
}

// ---------------------------------------------------------------------------------------------
// Reading values
// ---------------------------------------------------------------------------------------------

/** Pulumi's marker for a value not known until apply (previews). */
const UNKNOWN = '04da6b54-80e4-46f7-96ec-b56ff0331ba9';
/** Pulumi's signature key of a secret value in state. */
const SECRET_SIG = '4dabf18193072939515e22adb298388d';

const COMPUTE_PREFIX = /^https:\/\/(www|compute)\.googleapis\.com\/compute\/(v1|beta|alpha)\//;

/** Canonical form of a reference: no API prefix, no `?uniqueId=` query. */
export function canonicalRef(value: string): string {
  return value.replace(COMPUTE_PREFIX, '').replace(/\?.*$/, '');
}

/** True when two references name the same resource (full paths, or last segments). */
export function sameRef(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  const x = canonicalRef(a);
  const y = canonicalRef(b);
  if (x === y) return true;
  if (x.includes('/') && y.includes('/')) return false;
  return x.split('/').pop() === y.split('/').pop();
}

/** The last path segment of a reference (its resource name). */
export function refName(value: string): string {
  return canonicalRef(value).split('/').pop() ?? value;
}

/** A resource read from either source: one merged value object. */
interface Source {
  readonly type: string;
  readonly name: string;
  readonly id: string | undefined;
  readonly custom: boolean;
  readonly value: JsonObject;
}

class Reader {
  constructor(
    private readonly source: Source,
    /** Shared by a resource's readers and their children: what could not be read. */
    private readonly unresolved: string[],
  ) {}

  private raw(path: string): Json | undefined {
    let current: Json | undefined = this.source.value;
    for (const key of path.split('.')) {
      if (current === null || current === undefined || typeof current !== 'object')
        return undefined;
      current = Array.isArray(current) ? current[Number(key)] : current[key];
    }
    if (current === UNKNOWN) {
      this.unresolved.push(`${this.source.type} ${this.source.name}: ${path} (unknown)`);
      return undefined;
    }
    if (current !== null && typeof current === 'object' && !Array.isArray(current)) {
      if (SECRET_SIG in current) {
        this.unresolved.push(`${this.source.type} ${this.source.name}: ${path} (secret)`);
        return undefined;
      }
    }
    return current ?? undefined;
  }

  str(path: string): string | undefined {
    const v = this.raw(path);
    return typeof v === 'string' && v !== '' ? v : undefined;
  }

  ref(path: string): string | undefined {
    const v = this.str(path);
    return v === undefined ? undefined : canonicalRef(v);
  }

  num(path: string): number | undefined {
    const v = this.raw(path);
    if (typeof v === 'number') return v;
    if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
    return undefined;
  }

  bool(path: string): boolean | undefined {
    const v = this.raw(path);
    if (typeof v === 'boolean') return v;
    if (typeof v === 'string') return v.toLowerCase() === 'true';
    return undefined;
  }

  list(path: string): Json[] {
    const v = this.raw(path);
    return Array.isArray(v) ? v : [];
  }

  strings(path: string): string[] {
    const list = this.list(path);
    if (list.includes(UNKNOWN)) {
      this.unresolved.push(`${this.source.type} ${this.source.name}: ${path} (unknown)`);
    }
    return list.filter((x): x is string => typeof x === 'string' && x !== UNKNOWN);
  }

  refs(path: string): string[] {
    return this.strings(path).map(canonicalRef);
  }

  objects(path: string): Reader[] {
    return this.list(path)
      .filter((x): x is JsonObject => x !== null && typeof x === 'object' && !Array.isArray(x))
      .map(
        (value, i) =>
          new Reader(
            { ...this.source, name: `${this.source.name}.${path}[${i}]`, value },
            this.unresolved,
          ),
      );
  }

  object(path: string): Reader | undefined {
    const v = this.raw(path);
    if (v === null || v === undefined || typeof v !== 'object' || Array.isArray(v))
      return undefined;
    return new Reader(
      { ...this.source, name: `${this.source.name}.${path}`, value: v },
      this.unresolved,
    );
  }

  keys(path: string): string[] {
    const v = path === '' ? this.source.value : this.raw(path);
    return v !== null && v !== undefined && typeof v === 'object' && !Array.isArray(v)
      ? Object.keys(v).sort()
      : [];
  }

  /** The resource's own reference: its id, else its name. */
  selfRef(): string {
    return canonicalRef(
      this.source.id ?? this.str('selfLink') ?? this.str('name') ?? this.source.name,
    );
  }

  /** The cloud name (`name` input), else the Pulumi name. */
  name(): string {
    return this.str('name') ?? this.source.name;
  }
}

function protocolMatches(reader: Reader, path: string, protocolKey: string) {
  return reader.objects(path).map((m) => ({
    protocol: (m.str(protocolKey) ?? 'all').toLowerCase(),
    ports: m.strings('ports'),
  }));
}

// ---------------------------------------------------------------------------------------------
// Input shapes
// ---------------------------------------------------------------------------------------------

function isPlan(input: unknown): input is GcpPlan {
  return (
    typeof input === 'object' &&
    input !== null &&
    (input as { format?: unknown }).format === GCP_PLAN_FORMAT &&
    Array.isArray((input as { resources?: unknown }).resources)
  );
}

function exportedResources(input: unknown): readonly ExportedResource[] | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  const deployment = (input as Partial<StackExport>).deployment ?? input;
  const resources = (deployment as { resources?: unknown }).resources;
  return Array.isArray(resources) ? (resources as ExportedResource[]) : undefined;
}

function fromPlan(resource: PlannedResource): Source {
  return {
    type: resource.type,
    name: resource.name,
    id: resource.id ?? undefined,
    custom: resource.custom,
    value: resource.inputs,
  };
}

function fromExport(resource: ExportedResource): Source {
  const urnName = resource.urn.split('::').pop() ?? resource.urn;
  return {
    type: resource.type,
    name: urnName,
    id: resource.id === '' ? undefined : resource.id,
    custom: resource.custom ?? false,
    // Outputs are what the provider read back; inputs fill fields it does not echo.
    value: { ...(resource.inputs ?? {}), ...(resource.outputs ?? {}) },
  };
}

// ---------------------------------------------------------------------------------------------
// The normalizer
// ---------------------------------------------------------------------------------------------

const T = {
  network: 'gcp:compute/network:Network',
  subnet: 'gcp:compute/subnetwork:Subnetwork',
  route: 'gcp:compute/route:Route',
  firewall: 'gcp:compute/firewall:Firewall',
  policy: 'gcp:compute/networkFirewallPolicy:NetworkFirewallPolicy',
  policyRule: 'gcp:compute/networkFirewallPolicyRule:NetworkFirewallPolicyRule',
  policyAssociation:
    'gcp:compute/networkFirewallPolicyAssociation:NetworkFirewallPolicyAssociation',
  policyWithRules: 'gcp:compute/networkFirewallPolicyWithRules:NetworkFirewallPolicyWithRules',
  router: 'gcp:compute/router:Router',
  nat: 'gcp:compute/routerNat:RouterNat',
  runService: 'gcp:cloudrunv2/service:Service',
  runJob: 'gcp:cloudrunv2/job:Job',
  template: 'gcp:compute/instanceTemplate:InstanceTemplate',
  regionTemplate: 'gcp:compute/regionInstanceTemplate:RegionInstanceTemplate',
  instance: 'gcp:compute/instance:Instance',
  regionGroup: 'gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager',
  zoneGroup: 'gcp:compute/instanceGroupManager:InstanceGroupManager',
  regionAutoscaler: 'gcp:compute/regionAutoscaler:RegionAutoscaler',
  autoscaler: 'gcp:compute/autoscaler:Autoscaler',
  forwardingRule: 'gcp:compute/forwardingRule:ForwardingRule',
  globalForwardingRule: 'gcp:compute/globalForwardingRule:GlobalForwardingRule',
  address: 'gcp:compute/address:Address',
  globalAddress: 'gcp:compute/globalAddress:GlobalAddress',
  serviceAccount: 'gcp:serviceaccount/account:Account',
  zone: 'gcp:dns/managedZone:ManagedZone',
  record: 'gcp:dns/recordSet:RecordSet',
  responsePolicy: 'gcp:dns/responsePolicy:ResponsePolicy',
  responsePolicyRule: 'gcp:dns/responsePolicyRule:ResponsePolicyRule',
  dnsPolicy: 'gcp:dns/policy:Policy',
  bucket: 'gcp:logging/projectBucketConfig:ProjectBucketConfig',
  sink: 'gcp:logging/projectSink:ProjectSink',
  auditConfig: 'gcp:projects/iAMAuditConfig:IAMAuditConfig',
} as const;

const IAM_TYPE = /^gcp:([a-zA-Z0-9]+)\/[a-zA-Z0-9]*:[A-Za-z0-9]*Iam(Member|Binding|Policy)$/i;
/** The input that names the granted-on resource, by IAM resource flavour. */
const IAM_RESOURCE_KEYS = [
  'secretId',
  'repository',
  'serviceAccountId',
  'bucket',
  'subnetwork',
  'instanceName',
  'name',
  'folder',
  'orgId',
  'project',
];

function network(r: Reader): NetworkFact {
  return {
    name: r.name(),
    ref: r.selfRef(),
    autoCreateSubnetworks: r.bool('autoCreateSubnetworks') ?? true,
    deleteDefaultRoutesOnCreate: r.bool('deleteDefaultRoutesOnCreate') ?? false,
    firewallPolicyEnforcementOrder:
      r.str('networkFirewallPolicyEnforcementOrder') === 'BEFORE_CLASSIC_FIREWALL'
        ? 'BEFORE_CLASSIC_FIREWALL'
        : 'AFTER_CLASSIC_FIREWALL',
    internalIpv6: r.bool('enableUlaInternalIpv6') ?? false,
  };
}

function subnet(r: Reader): SubnetFact {
  const log = r.object('logConfig');
  const logEnabled = log !== undefined && log.bool('enable') !== false;
  return {
    name: r.name(),
    ref: r.selfRef(),
    network: r.ref('network') ?? '',
    region: r.str('region'),
    cidr: r.str('ipCidrRange'),
    secondaryCidrs: r
      .objects('secondaryIpRanges')
      .map((s) => s.str('ipCidrRange'))
      .filter((s): s is string => s !== undefined),
    stackType: r.str('stackType') ?? 'IPV4_ONLY',
    ipv6AccessType: r.str('ipv6AccessType'),
    privateGoogleAccess: r.bool('privateIpGoogleAccess') ?? false,
    flowLogs: logEnabled
      ? {
          metadata: log?.str('metadata') ?? 'INCLUDE_ALL_METADATA',
          sampling: log?.num('flowSampling') ?? 0.5,
        }
      : null,
    purpose: r.str('purpose') ?? 'PRIVATE',
  };
}

function nextHop(r: Reader): NextHop {
  const gateway = r.str('nextHopGateway');
  if (gateway !== undefined) return { kind: 'internet-gateway', value: refName(gateway) };
  const ip = r.str('nextHopIp');
  if (ip !== undefined) return { kind: 'ip', value: ip };
  const instance = r.ref('nextHopInstance');
  if (instance !== undefined) return { kind: 'instance', value: instance };
  const ilb = r.ref('nextHopIlb');
  if (ilb !== undefined) return { kind: 'ilb', value: ilb };
  const vpn = r.ref('nextHopVpnTunnel');
  if (vpn !== undefined) return { kind: 'vpn-tunnel', value: vpn };
  return { kind: 'unknown', value: undefined };
}

function route(r: Reader): RouteFact {
  return {
    name: r.name(),
    ref: r.selfRef(),
    network: r.ref('network') ?? '',
    destRange: r.str('destRange') ?? '',
    priority: r.num('priority') ?? 1000,
    tags: r.strings('tags').sort(),
    nextHop: nextHop(r),
    implicit: false,
  };
}

function firewallRule(r: Reader): FirewallRuleFact {
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

function cloudRun(r: Reader, kind: 'service' | 'job'): CloudRunFact {
  const base = kind === 'service' ? 'template' : 'template.template';
  const vpc = r.object(`${base}.vpcAccess`);
  const connector = vpc?.str('connector');
  const interfaces = vpc?.objects('networkInterfaces') ?? [];
  const hasVpc = connector !== undefined || interfaces.length > 0;
  const containers = r.objects(`${base}.containers`);
  return {
    kind,
    name: r.name(),
    ref: r.selfRef(),
    region: r.str('location'),
    executionEnvironment: r.str(`${base}.executionEnvironment`),
    ingress: kind === 'service' ? (r.str('ingress') ?? 'INGRESS_TRAFFIC_ALL') : undefined,
    serviceAccount: r.str(`${base}.serviceAccount`),
    vpcAccess: hasVpc,
    egress: hasVpc ? (vpc?.str('egress') ?? 'PRIVATE_RANGES_ONLY') : undefined,
    connector: connector === undefined ? undefined : canonicalRef(connector),
    networkInterfaces: interfaces.map((i) => ({
      network: i.ref('network'),
      subnetwork: i.ref('subnetwork'),
      tags: i.strings('tags').sort(),
    })),
    images: containers.map((c) => c.str('image')).filter((i): i is string => i !== undefined),
    env: containers.flatMap((c) =>
      c.objects('envs').map((e) => ({
        name: e.str('name') ?? '',
        fromSecret: e.object('valueSource') !== undefined,
      })),
    ),
    secretVolumes: r.objects(`${base}.volumes`).filter((v) => v.object('secret') !== undefined)
      .length,
  };
}

function instance(r: Reader, kind: 'template' | 'instance'): InstanceFact {
  const metadata = r.object('metadata');
  const osLogin = (metadata?.str('enable-oslogin') ?? '').toUpperCase() === 'TRUE';
  const shielded = r.object('shieldedInstanceConfig');
  const bootDisk =
    kind === 'template'
      ? (r.objects('disks').find((d) => d.bool('boot') === true) ?? r.objects('disks')[0])
      : r.object('bootDisk.initializeParams');
  return {
    kind,
    name: r.name(),
    ref: r.selfRef(),
    tags: r.strings('tags').sort(),
    serviceAccount: r.str('serviceAccount.email'),
    scopes: r.strings('serviceAccount.scopes'),
    networkInterfaces: r.objects('networkInterfaces').map((n) => ({
      network: n.ref('network'),
      subnetwork: n.ref('subnetwork'),
      externalIpv4: n.list('accessConfigs').length > 0,
      externalIpv6:
        n.list('ipv6AccessConfigs').length > 0 || n.str('ipv6AccessType') === 'EXTERNAL',
    })),
    canIpForward: r.bool('canIpForward') ?? false,
    shieldedVm: {
      secureBoot: shielded?.bool('enableSecureBoot') ?? false,
      vtpm: shielded?.bool('enableVtpm') ?? true,
      integrityMonitoring: shielded?.bool('enableIntegrityMonitoring') ?? true,
    },
    osLogin,
    metadataKeys: r.keys('metadata'),
    bootImage:
      kind === 'template' ? bootDisk?.str('sourceImage') : (bootDisk?.str('image') ?? undefined),
  };
}

function iamBinding(r: Reader, type: string, scope: string): IamBindingFact[] {
  const resourceKey = IAM_RESOURCE_KEYS.find((k) => r.str(k) !== undefined);
  const resource = resourceKey === undefined ? undefined : r.str(resourceKey);
  if (/IamPolicy$/i.test(type)) {
    const text = r.str('policyData');
    if (text === undefined) return [];
    try {
      const parsed = JSON.parse(text) as {
        bindings?: { role?: string; members?: string[]; condition?: unknown }[];
      };
      return (parsed.bindings ?? []).map((b) => ({
        scope,
        type,
        resource,
        role: b.role ?? '',
        members: [...(b.members ?? [])].sort(),
        conditional: b.condition !== undefined,
      }));
    } catch {
      return [];
    }
  }
  const single = r.str('member');
  return [
    {
      scope,
      type,
      resource,
      role: r.str('role') ?? '',
      members: single !== undefined ? [single] : r.strings('members').sort(),
      conditional: r.object('condition') !== undefined,
    },
  ];
}

/**
 * Normalizes an offline plan (`GcpPlan`, from `agent-perimeter plan-gcp`) or the output of
 * `pulumi stack export` into {@link GcpNetworkFacts}. Throws TypeError for anything else.
 */
export function gcpPlanToNetworkFacts(input: GcpPlan | StackExport | unknown): GcpNetworkFacts {
  let sources: Source[];
  let source: GcpNetworkFacts['source'];
  let meta: { policy?: string; project?: string; region?: string } = {};
  if (isPlan(input)) {
    source = 'plan';
    sources = input.resources.map(fromPlan);
    meta = { policy: input.policy, project: input.project, region: input.region };
  } else {
    const exported = exportedResources(input);
    if (exported === undefined) {
      throw new TypeError(
        `not a GCP plan ("format": "${GCP_PLAN_FORMAT}") nor the output of \`pulumi stack export\` (deployment.resources).`,
      );
    }
    source = 'stack-export';
    sources = exported
      .filter((r) => r.delete !== true && !r.type.startsWith('pulumi:'))
      .map(fromExport);
  }

  const unresolved: string[] = [];
  const readers: { source: Source; reader: Reader }[] = sources.map((s) => ({
    source: s,
    reader: new Reader(s, unresolved),
  }));
  const of = (type: string) => readers.filter((x) => x.source.type === type).map((x) => x.reader);
  const handled = new Set<string>(Object.values(T));

  const networks = of(T.network).map(network);
  const routes = of(T.route).map(route);
  for (const n of networks) {
    if (!n.deleteDefaultRoutesOnCreate) {
      routes.push({
        name: `${n.name} default route`,
        ref: `${n.ref}#default-route`,
        network: n.ref,
        destRange: '0.0.0.0/0',
        priority: 1000,
        tags: [],
        nextHop: { kind: 'internet-gateway', value: 'default-internet-gateway' },
        implicit: true,
      });
    }
  }

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
  const firewallPolicies: FirewallPolicyFact[] = [
    ...of(T.policy).map((r) => {
      const name = r.name();
      return {
        name,
        ref: r.selfRef(),
        networks: (networksByPolicy.get(name) ?? []).sort(),
        rules: (rulesByPolicy.get(name) ?? []).sort((a, b) => a.priority - b.priority),
      };
    }),
    ...of(T.policyWithRules).map((r) => {
      const name = r.name();
      return {
        name,
        ref: r.selfRef(),
        networks: (networksByPolicy.get(name) ?? []).sort(),
        rules: r
          .objects('rules')
          .map(policyRule)
          .sort((a, b) => a.priority - b.priority),
      };
    }),
  ];

  const routers = of(T.router).map((r) => ({
    name: r.name(),
    ref: r.selfRef(),
    network: r.ref('network') ?? '',
    region: r.str('region'),
  }));
  const nats: NatFact[] = of(T.nat).map((r) => {
    const router = r.str('router') ?? '';
    const region = r.str('region');
    const owner = routers.find(
      (x) => refName(x.ref) === refName(router) && (region === undefined || x.region === region),
    );
    return {
      name: r.name(),
      router: refName(router),
      network: owner?.network,
      region,
      coverage: r.str('sourceSubnetworkIpRangesToNat') ?? '',
      subnetworks: r.objects('subnetworks').map((s) => ({
        subnetwork: s.ref('name') ?? '',
        ranges: s.strings('sourceIpRangesToNats'),
      })),
      logged: r.object('logConfig')?.bool('enable') ?? false,
    };
  });

  const autoscalers = [...of(T.regionAutoscaler), ...of(T.autoscaler)].map((r) => ({
    target: r.ref('target') ?? '',
    min: r.num('autoscalingPolicy.minReplicas') ?? 0,
    max: r.num('autoscalingPolicy.maxReplicas') ?? 0,
  }));
  const instanceGroups: InstanceGroupFact[] = [...of(T.regionGroup), ...of(T.zoneGroup)].map(
    (r) => {
      const ref = r.selfRef();
      const scaler = autoscalers.find((a) => sameRef(a.target, ref));
      return {
        name: r.name(),
        ref,
        region: r.str('region') ?? r.str('zone'),
        templates: r
          .objects('versions')
          .map((v) => v.ref('instanceTemplate'))
          .filter((t): t is string => t !== undefined),
        autohealingHealthCheck: r.ref('autoHealingPolicies.healthCheck'),
        autoscaling: scaler === undefined ? undefined : { min: scaler.min, max: scaler.max },
      };
    },
  );

  const responsePolicyRules = of(T.responsePolicyRule).map((r) => ({
    policy: refName(r.str('responsePolicy') ?? ''),
    rule: {
      ruleName: r.str('ruleName') ?? '',
      dnsName: r.str('dnsName') ?? '',
      behavior: r.str('behavior'),
      localData: r.objects('localData.localDatas').map((d) => ({
        name: d.str('name') ?? '',
        type: d.str('type') ?? '',
        rrdatas: d.strings('rrdatas'),
      })),
    },
  }));
  const networkUrls = (r: Reader, path: string) =>
    r
      .objects(path)
      .map((n) => n.ref('networkUrl'))
      .filter((n): n is string => n !== undefined)
      .sort();

  const iam: IamBindingFact[] = [];
  const otherResources: { type: string; name: string }[] = [];
  for (const { source: s, reader } of readers) {
    if (!s.custom || handled.has(s.type)) continue;
    const iamMatch = IAM_TYPE.exec(s.type);
    if (iamMatch !== null) iam.push(...iamBinding(reader, s.type, iamMatch[1] ?? ''));
    else otherResources.push({ type: s.type, name: reader.name() });
  }

  const facts: GcpNetworkFacts = {
    source,
    policy: meta.policy,
    project: meta.project,
    region: meta.region,
    networks,
    subnets: of(T.subnet).map(subnet),
    routes,
    firewallRules: of(T.firewall).map(firewallRule),
    firewallPolicies,
    routers,
    nats,
    cloudRun: [
      ...of(T.runService).map((r) => cloudRun(r, 'service')),
      ...of(T.runJob).map((r) => cloudRun(r, 'job')),
    ],
    instances: [
      ...of(T.template).map((r) => instance(r, 'template')),
      ...of(T.regionTemplate).map((r) => instance(r, 'template')),
      ...of(T.instance).map((r) => instance(r, 'instance')),
    ],
    instanceGroups,
    forwardingRules: [...of(T.forwardingRule), ...of(T.globalForwardingRule)].map((r) => {
      const scheme = r.str('loadBalancingScheme') ?? 'EXTERNAL';
      return {
        name: r.name(),
        ref: r.selfRef(),
        region: r.str('region'),
        scheme,
        external: scheme.startsWith('EXTERNAL'),
        ipAddress: r.str('ipAddress'),
        ports: r.strings('ports'),
        allPorts: r.bool('allPorts') ?? false,
        network: r.ref('network'),
        subnetwork: r.ref('subnetwork'),
        backendService: r.ref('backendService'),
        target: r.ref('target'),
        allowGlobalAccess: r.bool('allowGlobalAccess') ?? false,
      };
    }),
    addresses: [...of(T.address), ...of(T.globalAddress)].map((r) => ({
      name: r.name(),
      ref: r.selfRef(),
      address: r.str('address'),
      addressType: r.str('addressType') ?? 'EXTERNAL',
      subnetwork: r.ref('subnetwork'),
      purpose: r.str('purpose'),
    })),
    serviceAccounts: of(T.serviceAccount).map((r) => {
      const ref = r.selfRef();
      const email = r.str('email') ?? (ref.includes('@') ? ref.split('/').pop() : undefined);
      return { ref, accountId: r.str('accountId'), email };
    }),
    iam,
    dns: {
      zones: of(T.zone).map((r) => ({
        name: r.name(),
        dnsName: r.str('dnsName') ?? '',
        visibility: r.str('visibility') ?? 'public',
        networks: networkUrls(r, 'privateVisibilityConfig.networks'),
        forwarding: r.object('forwardingConfig') !== undefined,
        peering: r.object('peeringConfig') !== undefined,
      })),
      records: of(T.record).map((r) => ({
        zone: refName(r.str('managedZone') ?? ''),
        name: r.str('name') ?? '',
        type: r.str('type') ?? '',
        rrdatas: r.strings('rrdatas'),
      })),
      responsePolicies: of(T.responsePolicy).map((r) => {
        const name = r.str('responsePolicyName') ?? r.name();
        return {
          name,
          networks: networkUrls(r, 'networks'),
          rules: responsePolicyRules.filter((x) => x.policy === name).map((x) => x.rule),
        };
      }),
      serverPolicies: of(T.dnsPolicy).map((r) => ({
        name: r.name(),
        networks: networkUrls(r, 'networks'),
        logging: r.bool('enableLogging') ?? false,
        inboundForwarding: r.bool('enableInboundForwarding') ?? false,
        alternativeNameServers: r
          .objects('alternativeNameServerConfig.targetNameServers')
          .map((t) => t.str('ipv4Address'))
          .filter((t): t is string => t !== undefined),
      })),
    },
    logging: {
      buckets: of(T.bucket).map((r) => ({
        ref: r.selfRef(),
        bucketId: r.str('bucketId'),
        location: r.str('location'),
        retentionDays: r.num('retentionDays'),
        locked: r.bool('locked') ?? false,
      })),
      sinks: of(T.sink).map((r) => ({
        name: r.name(),
        destination: r.str('destination'),
        filter: r.str('filter'),
        disabled: r.bool('disabled') ?? false,
        exclusions: r.list('exclusions').length,
      })),
      auditConfigs: of(T.auditConfig).map((r) => ({
        service: r.str('service') ?? '',
        logTypes: r
          .objects('auditLogConfigs')
          .map((c) => c.str('logType'))
          .filter((t): t is string => t !== undefined)
          .sort(),
      })),
    },
    otherResources,
    unresolved,
  };
  return facts;
}
