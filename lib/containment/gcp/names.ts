/*
 * What marks the tiers of a GCP perimeter. GCP has no tier tag on subnets, so tiers are found
 * from placement: the network tags below (the Pulumi program's `pulumi/names.ts` uses the
 * same values; a test keeps them equal) and Cloud Run, which runs agents only.
 */

/** Network tag of agents: firewall rules and routes select agents by it. */
export const AGENT_TAG = 'agent-perimeter-agent';

/** Network tag of the Envoy instances: the only tag the internet route may apply to. */
export const PROXY_TAG = 'agent-perimeter-proxy';

/**
 * Google APIs reached through Private Google Access: the VIP ranges whose routes to the
 * default internet gateway stay inside Google's network. restricted.googleapis.com serves
 * only APIs VPC Service Controls can fence; private.googleapis.com serves every API.
 */
export const GOOGLE_API_VIPS = {
  restricted: '199.36.153.4/30',
  private: '199.36.153.8/30',
} as const;

export interface GcpOptions {
  /** Network tags that mark agents. @default [AGENT_TAG] */
  readonly agentTags?: readonly string[];
  /** Network tags of the proxy instances. @default [PROXY_TAG] */
  readonly proxyTags?: readonly string[];
}
