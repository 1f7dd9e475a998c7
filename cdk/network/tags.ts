import { Tags } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** Tag key a containment checker reads to tell the tiers apart. */
export const TIER_TAG_KEY = 'agent-perimeter:tier';

/** Values of {@link TIER_TAG_KEY}. */
export const Tier = {
  /** Agent subnets and the agent security group. */
  AGENT: 'agent',
  /** Proxy subnets, the proxy tasks' and the proxy load balancer's security groups. */
  PROXY: 'proxy',
  /** Interface endpoint subnets and security groups. */
  ENDPOINT: 'endpoint',
  /** Public subnets, which hold only the NAT gateways of the proxy tier. */
  PUBLIC: 'public',
} as const;
export type Tier = (typeof Tier)[keyof typeof Tier];

/** Tags every taggable resource under `scope` with its tier. */
export function tagTier(scope: IConstruct, tier: Tier): void {
  Tags.of(scope).add(TIER_TAG_KEY, tier);
}
