/*
 * How the perimeter's parts are marked, so that what builds them (cdk/, pulumi/) and what
 * checks them (lib/containment/, the cdk-nag pack) agree by construction.
 */

/** AWS: the tag key that tells the tiers apart (subnets, security groups, tasks). */
export const TIER_TAG = 'agent-perimeter:tier';

/** Values of {@link TIER_TAG}. */
export const Tier = {
  /** Agent subnets, the agent security group, agent task definitions and services. */
  AGENT: 'agent',
  /** Proxy subnets, the proxy tasks' and the proxy load balancer's security groups. */
  PROXY: 'proxy',
  /** Interface endpoint subnets and security groups. */
  ENDPOINT: 'endpoint',
  /** Public subnets, which hold only the NAT gateways of the proxy tier. */
  PUBLIC: 'public',
} as const;
export type Tier = (typeof Tier)[keyof typeof Tier];

/** Every tier value, for readers that validate what they find. */
export const TIERS: ReadonlySet<string> = new Set(Object.values(Tier));

/** GCP: network tag of the Cloud Run agents; firewall rules and routes select agents by it. */
export const AGENT_TAG = 'agent-perimeter-agent';

/**
 * AWS: the tag key naming the agent profile a security group belongs to, set when the policy
 * has several profiles; the containment verifier proves each reaches only its own listeners.
 */
export const PROFILE_TAG = 'agent-perimeter:profile';

/**
 * GCP: the network tag of one profile's agents, beside {@link AGENT_TAG}, when the policy has
 * several profiles: the firewall rule to the proxy's listeners of that profile targets it.
 */
export function profileNetworkTag(profile: string): string {
  return `${AGENT_TAG}-${profile}`;
}

/**
 * GCP: network tag of the Envoy instances; the only tag the route to the internet (and so
 * Cloud NAT) and the proxy's firewall rules apply to.
 */
export const PROXY_TAG = 'agent-perimeter-proxy';

/**
 * Google APIs reached through Private Google Access: the VIP ranges whose routes to the
 * default internet gateway stay inside Google's network. restricted.googleapis.com serves only
 * APIs VPC Service Controls can fence; private.googleapis.com serves every API.
 */
export const GOOGLE_API_VIPS = {
  restricted: '199.36.153.4/30',
  private: '199.36.153.8/30',
} as const;

/** GCP: the label key that tells the tiers apart (`agent-perimeter-tier=<tier>`). */
export const TIER_LABEL = 'agent-perimeter-tier';

/** GCP: the Pulumi type token of the proxy tier component; its children are the proxy's own. */
export const PROXY_COMPONENT_TYPE = 'agent-perimeter:gcp:ProxyTier';
