/*
 * The provider-neutral reachability model. Adapters (CloudFormation in `aws/`, GCP plans and
 * stack exports in `gcp/`) turn their input into this plain data; the analysis
 * (`analyze.ts`) never sees a template.
 *
 * Ids are unique within one model and only used to link elements; `resource` is what messages
 * name (a CloudFormation logical id, a Pulumi URN). Anything the adapter could not resolve
 * carries an `unresolved` reason instead of a value: the analysis reports it as "cannot
 * prove" when it matters for an agent, and ignores it otherwise. A value the user declared
 * trusted (`trusted: true`) is assumed not to open a path.
 */

import type { Terms } from './terms.js';

/** The perimeter's tiers, from the `agent-perimeter:tier` tag (or a provider's equivalent). */
export type Tier = 'agent' | 'proxy' | 'endpoint' | 'public';

/** A fact and where it comes from, e.g. `{ resource: 'Subnet1', how: 'MapPublicIpOnLaunch is true' }`. */
export interface Finding {
  readonly resource: string;
  readonly how: string;
  /** The fact may hold: the value behind it is not known (reported as "cannot prove"). */
  readonly unresolved?: boolean;
  /** How to close it, when the analysis's generic fix does not fit the provider. */
  readonly fix?: string;
}

export interface PortRange {
  readonly from: number;
  readonly to: number;
}

/**
 * Traffic a rule matches. `protocol` is an IP protocol number or 'all'. TCP and UDP use
 * `ports` (absent: all ports); ICMP and ICMPv6 use `icmpType`/`icmpCode` (absent or -1: all).
 * Other protocols have no ports.
 */
export type Traffic =
  | { readonly protocol: 'all' }
  | {
      readonly protocol: number;
      readonly ports?: PortRange;
      readonly icmpType?: number;
      readonly icmpCode?: number;
    };

/** Why a value is not known, e.g. `Fn::ImportValue "shared-vpc-id"`. */
export interface Unresolved {
  readonly unresolved: string;
}

/** The other end of a firewall rule. */
export type Peer =
  | { readonly kind: 'cidr'; readonly cidr: string }
  | { readonly kind: 'group'; readonly group: string }
  | { readonly kind: 'prefix-list'; readonly prefixList: string }
  | { readonly kind: 'trusted'; readonly name: string }
  | { readonly kind: 'unresolved'; readonly why: string };

export interface Network {
  readonly id: string;
  readonly resource: string;
  /** IPv4 and IPv6 blocks whose traffic stays inside the network (the `local` route). */
  readonly cidrs: readonly string[];
  /** What a subnet without an explicit route table uses; undefined: unknown contents. */
  readonly mainRouteTable?: string;
  /**
   * The stateless ACL a subnet gets when none is associated: AWS's default NACL allows all;
   * 'none' where the provider has no subnet ACL layer (GCP).
   */
  readonly defaultAcl: 'allow-all' | 'none';
  /**
   * What a firewall group allows out when no rule matches: AWS security groups deny (their
   * default allow-all rule is written into the model as a rule); GCP has an implied allow
   * (the GCP adapter writes it as a rule too, so messages can name disabled deny rules).
   * @default 'deny'
   */
  readonly implicitEgress?: 'allow' | 'deny';
  /** Custom DNS servers (DHCP options) that bypass the provider's filtered resolver. */
  readonly dnsServers?: readonly Finding[];
  readonly unresolved?: string;
}

export interface Subnet {
  readonly id: string;
  readonly resource: string;
  readonly network?: string;
  readonly tier?: Tier;
  /** IPv4 and IPv6 blocks of the subnet. */
  readonly cidrs: readonly string[];
  /** Route table id; undefined: the network's main route table. */
  readonly routeTable?: string;
  /** The resource that associates the route table (for messages). */
  readonly routeTableVia?: string;
  /** Stateless ACL id; undefined: the network's default ACL. */
  readonly acl?: string;
  /** Addresses reachable from the internet are handed out on launch. */
  readonly publicIpOnLaunch?: readonly Finding[];
  /** The subnet has (or hands out) IPv6 addresses. */
  readonly ipv6?: readonly Finding[];
  /**
   * Address translation to the internet serves the subnet (GCP Cloud NAT): one route change
   * away from a way out, so it is reported like a route.
   */
  readonly nat?: readonly Finding[];
  readonly unresolved?: string;
  readonly trusted?: boolean;
}

export type RouteTargetKind =
  | 'local'
  | 'internet-gateway'
  | 'egress-only-internet-gateway'
  | 'nat-gateway'
  | 'transit-gateway'
  | 'peering'
  | 'vpn-gateway'
  | 'instance'
  | 'network-interface'
  | 'gateway-endpoint'
  | 'firewall-endpoint'
  | 'carrier-gateway'
  | 'local-gateway'
  | 'core-network'
  | 'unknown';

export interface RouteTarget {
  readonly kind: RouteTargetKind;
  /** What to call it in messages: "internet gateway NetworkVpcIGW". */
  readonly label: string;
  /** For 'gateway-endpoint': the endpoint id. */
  readonly endpoint?: string;
  readonly trusted?: boolean;
}

export type RouteDestination =
  | { readonly cidr: string }
  | { readonly prefixList: string }
  | { readonly unresolved: string };

export interface Route {
  readonly resource: string;
  readonly destination: RouteDestination;
  readonly target: RouteTarget;
  /** Only attachments in one of these groups use the route (GCP network tags). */
  readonly appliesTo?: readonly string[];
  /** Tie-break among equally specific routes: lower wins (GCP). @default 1000 */
  readonly priority?: number;
}

export interface RouteTable {
  readonly id: string;
  readonly resource: string;
  readonly network?: string;
  readonly routes: readonly Route[];
  /** The table's contents are not in the input (imported, or outside it). */
  readonly unresolved?: string;
  readonly trusted?: boolean;
}

export interface AclEntry {
  readonly resource: string;
  /** Where in `resource` the entry is, when it is one of several. */
  readonly location?: string;
  readonly direction: 'egress' | 'ingress';
  readonly ruleNumber: number;
  readonly action: 'allow' | 'deny';
  readonly traffic: Traffic | Unresolved;
  readonly cidr: string | Unresolved;
}

/** A stateless subnet ACL (AWS network ACL): lowest rule number first, first match wins. */
export interface NetworkAcl {
  readonly id: string;
  readonly resource: string;
  readonly network?: string;
  readonly entries: readonly AclEntry[];
  /** The ACL's entries are not in the input. */
  readonly unresolved?: string;
  readonly trusted?: boolean;
}

/**
 * A stateful firewall group: AWS security group, GCP network tag or service account. The
 * rules that apply to an attachment are those of every group it is a member of.
 */
export interface FirewallGroup {
  readonly id: string;
  readonly resource: string;
  readonly network?: string;
  readonly tier?: Tier;
  /**
   * The agent profile whose agents the group holds (AWS tag `agent-perimeter:profile`, GCP a
   * profile's network tag), when the perimeter has several profiles.
   */
  readonly profile?: string;
  /** The group's identity is not known (e.g. a parameter), so neither are its rules. */
  readonly unresolved?: string;
  readonly trusted?: boolean;
}

/** All members of the network, for rules that target every instance (GCP). */
export const EVERY_MEMBER = '*';

export interface FirewallRule {
  readonly resource: string;
  /** The group the rule belongs to, or {@link EVERY_MEMBER} with `network`. */
  readonly group: string;
  readonly network?: string;
  readonly direction: 'egress' | 'ingress';
  readonly action: 'allow' | 'deny';
  /** Lower first; at equal priority deny wins (GCP). AWS security groups: all 0, all allow. */
  readonly priority: number;
  readonly traffic: Traffic | Unresolved;
  readonly peer: Peer;
  /** Where in `resource` the rule is, when it is one of several: "inline egress rule 2". */
  readonly location?: string;
  readonly description?: string;
}

export interface PrefixList {
  readonly id: string;
  readonly resource?: string;
  /** A provider-managed list for a service, e.g. 's3'. */
  readonly service?: string;
  /** Known entries (customer-managed lists defined in the input). */
  readonly entries?: readonly string[];
  readonly unresolved?: string;
}

export interface PolicyStatement {
  readonly effect: 'Allow' | 'Deny';
  readonly actions?: readonly string[];
  readonly notActions?: readonly string[];
  readonly resources?: readonly string[];
  readonly notResources?: readonly string[];
  /**
   * Those of `resources` the input itself creates, or paths inside one (`<Bucket-Arn>/*`):
   * no attacker can own them, whatever wildcard follows.
   * @default - none
   */
  readonly ownResources?: readonly string[];
}

export type EndpointPolicy =
  | { readonly kind: 'full-access'; readonly how: string; readonly fix?: string }
  | { readonly kind: 'statements'; readonly statements: readonly PolicyStatement[] }
  | { readonly kind: 'unresolved'; readonly why: string };

/** A private path to a provider service (VPC endpoint, Private Service Connect). */
export interface ServiceEndpoint {
  readonly id: string;
  readonly resource: string;
  readonly network?: string;
  readonly kind: 'gateway' | 'interface' | 'firewall';
  /** Short service name, e.g. 's3', 'ecr.api'; undefined when not known. */
  readonly service?: string;
  /** Gateway endpoints: the prefix list the route tables get. */
  readonly prefixList?: string;
  readonly routeTables: readonly string[];
  readonly subnets: readonly string[];
  readonly groups: readonly string[];
  /** Addresses it answers on outside any subnet (GCP: restricted.googleapis.com's VIP). */
  readonly addresses?: readonly string[];
  readonly policy: EndpointPolicy;
  /**
   * What the adapter found wrong with who stands behind the endpoint: a service the perimeter
   * does not use, or a policy naming another account's resources (unresolved: cannot tell).
   * @default - none: a first-party service, naming only the perimeter's own resources
   */
  readonly ownership?: readonly Finding[];
}

export type AttachmentRole =
  /** Where an agent will run: an agent subnet with the agent groups, before any workload. */
  | 'slot'
  /** Something that runs code: a task, function, instance, network interface. */
  | 'workload'
  /** A managed service's interfaces (load balancer, database, interface endpoint). */
  | 'service';

/**
 * What a workload runs and as whom, read from its definition (task definition, instance
 * template): the identity checks compare it with the proxy the perimeter expects behind the
 * addresses agents may reach.
 */
export interface WorkloadIdentity {
  /** The definition it runs, for messages. */
  readonly definition: string;
  /** Declared tier of the definition (its tier tag or label). */
  readonly tier?: Tier;
  /** Container images, as written (a value the input does not fix is unresolved). */
  readonly images: readonly (string | Unresolved)[];
  /**
   * The identity its code gets credentials for (task role, service account), with that
   * identity's declared tier; absent: none.
   */
  readonly principal?: { readonly resource: string; readonly tier?: Tier } | Unresolved;
  /** SHA-256 of the proxy configuration it is given; absent: it is given none we can see. */
  readonly configDigest?: string | Unresolved;
}

/** Where a load balancer sends what it receives. */
export type ServiceTarget =
  /** The attachments of a workload of the input (by `Attachment.resource`). */
  | { readonly kind: 'workload'; readonly resource: string; readonly via: string }
  /** An address or instance registered directly. */
  | { readonly kind: 'address'; readonly address: string; readonly via: string }
  | { readonly kind: 'unresolved'; readonly why: string; readonly via: string };

/** One network interface's worth of placement: a subnet plus firewall groups. */
export interface Attachment {
  readonly id: string;
  /** The workload to name in messages. */
  readonly resource: string;
  /** "ECS service", "Lambda function", "agent subnet". */
  readonly kind: string;
  readonly role: AttachmentRole;
  /** Declared tier of the workload itself (e.g. its task definition is tagged agent). */
  readonly tier?: Tier;
  /** Attachments with the same host are one machine (several network interfaces). */
  readonly host?: string;
  /** Subnet id; undefined when the placement is not in the input. */
  readonly subnet?: string;
  readonly groups: readonly string[];
  readonly publicIp?: readonly Finding[];
  readonly ipv6?: readonly Finding[];
  /** The workload reaches the internet without using the network at all. */
  readonly directInternet?: readonly Finding[];
  /** The interface of a service endpoint ('service' role), exempt from the agent-group rule. */
  readonly endpoint?: string;
  /** What the workload runs and as whom ('workload' role), when its definition is known. */
  readonly identity?: WorkloadIdentity;
  /** A load balancer's targets ('service' role); undefined: not a load balancer. */
  readonly targets?: readonly ServiceTarget[];
}

export interface DnsRule {
  /** The rule's own name, when it has one (for messages). */
  readonly name?: string;
  readonly priority: number;
  readonly action: 'allow' | 'block' | 'alert';
  readonly domains: readonly string[] | Unresolved;
  /** Resource holding the domain list, for messages. */
  readonly domainList?: string;
  /** The rule applies to one query type only (e.g. 'A'). */
  readonly queryType?: string;
}

export interface DnsRuleGroup {
  readonly id: string;
  readonly resource: string;
  readonly rules: readonly DnsRule[];
  readonly unresolved?: string;
}

export interface DnsFirewallAssociation {
  readonly resource: string;
  readonly network: string;
  readonly priority: number;
  readonly ruleGroup: string;
}

export interface DnsFirewallConfig {
  readonly resource: string;
  readonly network: string;
  readonly failOpen: boolean;
}

export interface DnsControls {
  readonly ruleGroups: readonly DnsRuleGroup[];
  readonly associations: readonly DnsFirewallAssociation[];
  readonly configs: readonly DnsFirewallConfig[];
}

/** A listener of the proxy tier: agents may connect to its groups/subnets on this port. */
export interface ProxyListener {
  readonly resource: string;
  readonly port: number;
  readonly protocols: readonly ('tcp' | 'udp')[];
}

/** Something the adapter could not see that matters for containment. */
export interface Unprovable {
  readonly resource: string;
  readonly explanation: string;
}

export interface ContainmentModel {
  /** 'aws-cloudformation', 'gcp-pulumi', ... */
  readonly provider: string;
  /** The provider's words for messages. @default - neutral words ("firewall group") */
  readonly terms?: Terms;
  /** File or stack the model was built from. */
  readonly source: string;
  /** The condition values this model assumes, when the input had unknown conditions. */
  readonly assumptions?: string;
  readonly networks: readonly Network[];
  readonly subnets: readonly Subnet[];
  readonly routeTables: readonly RouteTable[];
  /** Routes whose table could not be identified. */
  readonly unplacedRoutes: readonly Route[];
  readonly networkAcls: readonly NetworkAcl[];
  readonly firewallGroups: readonly FirewallGroup[];
  readonly firewallRules: readonly FirewallRule[];
  readonly prefixLists: readonly PrefixList[];
  readonly endpoints: readonly ServiceEndpoint[];
  readonly attachments: readonly Attachment[];
  readonly dns: DnsControls;
  readonly proxyListeners: readonly ProxyListener[];
  /**
   * Permissions the agents' own identity holds on provider APIs (GCP: IAM grants to the agent
   * service account). Every workload can get a token for its identity, so each grant is a way
   * to move data or fetch credentials through the API endpoints, past the proxy.
   */
  readonly identityGrants?: readonly Finding[];
  readonly unprovable: readonly Unprovable[];
}

export function isUnresolved<T extends object>(value: T | Unresolved): value is Unresolved {
  return 'unresolved' in value;
}
