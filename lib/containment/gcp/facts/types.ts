import type { GcpPlan } from '../../../contract/gcp-plan.js';
import type { BootFacts } from './boot.js';
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

/**
 * The protocols and ports a firewall rule (VPC or policy) matches: `ports` empty means every
 * port of that protocol; protocol "all" matches everything.
 */
export type FirewallMatch = readonly {
  readonly protocol: string;
  readonly ports: readonly string[];
}[];

export interface FirewallRuleFact {
  readonly name: string;
  readonly ref: string;
  readonly network: string;
  readonly direction: 'INGRESS' | 'EGRESS';
  /** 0 (first) to 65535. GCP default: 1000. */
  readonly priority: number;
  readonly action: 'allow' | 'deny';
  readonly disabled: boolean;
  readonly match: FirewallMatch;
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
  readonly match: FirewallMatch;
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
  /** Its `agent-perimeter-tier` label. */
  readonly tierLabel: string | undefined;
  /** What its boot document runs (the proxy's Envoy unit and config). */
  readonly boot: BootFacts;
}

export interface InstanceGroupFact {
  readonly name: string;
  readonly ref: string;
  readonly region: string | undefined;
  readonly templates: readonly string[];
  readonly autohealingHealthCheck: string | undefined;
  readonly autoscaling: { readonly min: number; readonly max: number } | undefined;
}

/** A backend service: the instance groups a load balancer's forwarding rule sends to. */
export interface BackendServiceFact {
  readonly name: string;
  readonly ref: string;
  readonly groups: readonly string[];
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
  /** Defined by the perimeter's proxy tier component (its URN's type chain says so). */
  readonly proxyTier: boolean;
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

/** Plan only (a stack export does not say): the policy, project and region it was made for. */
export type PlanOrigin = {
  readonly [K in 'policy' | 'project' | 'region']: GcpPlan[K] | undefined;
};

export interface GcpNetworkFacts extends PlanOrigin {
  /** Where the facts come from: an offline plan or a deployed stack. */
  readonly source: 'plan' | 'stack-export';
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
  readonly backendServices: readonly BackendServiceFact[];
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
