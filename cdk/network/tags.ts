import { Tags } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { TIER_TAG, Tier } from '../../lib/contract/tiers.js';

/** Tag key a containment checker reads to tell the tiers apart (lib/contract). */
export const TIER_TAG_KEY = TIER_TAG;
export { Tier };

/** Tag key naming the policy a tier's resources were built from. */
export const POLICY_TAG_KEY = 'agent-perimeter:policy';

/** Tags every taggable resource under `scope` with its tier. */
export function tagTier(scope: IConstruct, tier: Tier): void {
  Tags.of(scope).add(TIER_TAG, tier);
}
