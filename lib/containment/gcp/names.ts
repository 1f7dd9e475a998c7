/*
 * What marks the tiers of a GCP perimeter. GCP has no tier tag on subnets, so tiers are found
 * from placement: the network tags of lib/contract (which the Pulumi program uses too) and
 * Cloud Run, which runs agents only.
 */
import { AGENT_TAG, GOOGLE_API_VIPS, PROXY_TAG } from '../../contract/tiers.js';

export { AGENT_TAG, GOOGLE_API_VIPS, PROXY_TAG };

export interface GcpOptions {
  /** Network tags that mark agents. @default [AGENT_TAG] */
  readonly agentTags?: readonly string[];
  /** Network tags of the proxy instances. @default [PROXY_TAG] */
  readonly proxyTags?: readonly string[];
  /**
   * The policy's profiles (keys) and their agent-facing ports: each profile's network tag
   * (`profileNetworkTag`) marks its agents. @default - one profile
   */
  readonly profilePorts?: Readonly<Record<string, readonly number[]>>;
}
