import type { Channel } from './violations.js';

/**
 * The words a provider's messages use, supplied by its adapter with the model: the analysis
 * and its checks are provider-neutral and say "a firewall group", the AWS adapter makes that
 * "security group" and the GCP adapter "firewall target".
 */
export interface Terms {
  readonly group: string;
  readonly acl: string;
  readonly network: string;
  readonly routeTable: string;
  /** Why a workload declared an agent is one. */
  readonly declaredAgent: string;
  /** The DNS filter and how to fix it. */
  readonly dnsFilter: string;
  readonly dnsFilterAssociation: string;
  readonly dnsFilterFix: string;
  readonly dnsCatchAllFix: string;
  readonly dnsResolver: string;
  /** What a proxy workload runs, and the identity it runs as. */
  readonly proxyDefinition: string;
  readonly principal: string;
  /**
   * The public channel names (see `CHANNELS`) the provider reports its firewall-group and
   * subnet-ACL findings under. Every adapter reports the same names today; they are the
   * stable output users match on, so a provider may not invent its own without a major version.
   */
  readonly channels: {
    readonly groupEgress: Channel;
    readonly groupIngress: Channel;
    readonly aclWeakened: Channel;
  };
}

/** The public names of the firewall-group and ACL channels (every provider's today). */
export const FIREWALL_CHANNELS: Terms['channels'] = {
  groupEgress: 'sg-egress',
  groupIngress: 'sg-ingress',
  aclWeakened: 'nacl-weakened',
};

/** Words for a model no adapter named (hand-built models in tests, a fork's new provider). */
export const NEUTRAL_TERMS: Terms = {
  group: 'firewall group',
  acl: 'subnet ACL',
  network: 'network',
  routeTable: 'route table',
  declaredAgent: 'it is declared an agent',
  dnsFilter: 'DNS filter',
  dnsFilterAssociation: 'DNS filter association',
  dnsFilterFix: 'associate a DNS filter that allows the allowlist and then blocks "*"',
  dnsCatchAllFix: 'add a last rule that blocks "*" (for every query type)',
  dnsResolver: "the provider's resolver",
  proxyDefinition: 'workload definition',
  principal: 'identity',
  channels: FIREWALL_CHANNELS,
};
