import type {
  Attachment,
  ContainmentModel,
  DnsFirewallAssociation,
  DnsFirewallConfig,
  DnsRuleGroup,
  Finding,
  FirewallGroup,
  FirewallRule,
  Network,
  NetworkAcl,
  PrefixList,
  ProxyListener,
  Route,
  RouteTable,
  ServiceEndpoint,
  Subnet,
  Unprovable,
} from './model.js';
import type { Terms } from './terms.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * The model's collections as an adapter fills them, shared by the AWS and GCP builders: each
 * adds its own lookups over its input and reads into these; {@link toModel} makes the value
 * the analysis takes.
 */
export class ModelBuilder {
  readonly networks = new Map<string, Mutable<Network>>();
  readonly subnets = new Map<string, Mutable<Subnet>>();
  readonly routeTables = new Map<string, RouteTable>();
  readonly unplacedRoutes: Route[] = [];
  readonly acls = new Map<string, NetworkAcl>();
  readonly groups = new Map<string, FirewallGroup>();
  readonly rules: FirewallRule[] = [];
  readonly prefixLists = new Map<string, PrefixList>();
  readonly endpoints: ServiceEndpoint[] = [];
  readonly attachments: Attachment[] = [];
  readonly dnsRuleGroups: DnsRuleGroup[] = [];
  readonly dnsAssociations: DnsFirewallAssociation[] = [];
  readonly dnsConfigs: DnsFirewallConfig[] = [];
  readonly proxyListeners: ProxyListener[] = [];
  readonly identityGrants: Finding[] = [];
  readonly unprovable: Unprovable[] = [];

  /** The model built so far, with what the adapter adds (assumptions, unread input). */
  toModel(
    provider: string,
    terms: Terms,
    source: string,
    extra: { readonly assumptions?: string; readonly unprovable?: readonly Unprovable[] } = {},
  ): ContainmentModel {
    return {
      provider,
      terms,
      source,
      ...(extra.assumptions === undefined ? {} : { assumptions: extra.assumptions }),
      networks: [...this.networks.values()],
      subnets: [...this.subnets.values()],
      routeTables: [...this.routeTables.values()],
      unplacedRoutes: this.unplacedRoutes,
      networkAcls: [...this.acls.values()],
      firewallGroups: [...this.groups.values()],
      firewallRules: this.rules,
      prefixLists: [...this.prefixLists.values()],
      endpoints: this.endpoints,
      attachments: this.attachments,
      dns: {
        ruleGroups: this.dnsRuleGroups,
        associations: this.dnsAssociations,
        configs: this.dnsConfigs,
      },
      proxyListeners: this.proxyListeners,
      ...(this.identityGrants.length === 0 ? {} : { identityGrants: this.identityGrants }),
      unprovable: [...this.unprovable, ...(extra.unprovable ?? [])],
    };
  }
}
