import { createHash } from 'node:crypto';
import type { Policy } from '../lib/policy/index.js';

/*
 * Names, tags and labels of the GCP perimeter. Every name is derived from the policy name, so
 * two policies can share a project, and every derivation is deterministic (no random
 * suffixes), so offline plans diff cleanly.
 */

/** Network tags of agents and of the Envoy instances, shared with the verifier. */
export { AGENT_TAG, PROXY_TAG } from '../lib/contract/tiers.js';

/** Label put on every labelable resource: `agent-perimeter=<policy name>`. */
export const POLICY_LABEL = 'agent-perimeter';

/** Label of the tier a resource belongs to: `agent-perimeter-tier=<tier>`. */
export { TIER_LABEL } from '../lib/contract/tiers.js';

import { TIER_LABEL } from '../lib/contract/tiers.js';

export type Tier = 'network' | 'proxy' | 'agent' | 'audit';

/** Labels for a resource of `tier`. */
export function labels(policy: Policy, tier: Tier): Record<string, string> {
  return { [POLICY_LABEL]: policy.name, [TIER_LABEL]: tier };
}

/**
 * A resource's description, `agent-perimeter <policy name>: <what>`: in the console and in
 * `gcloud` output it says which perimeter made the resource and what the resource is for.
 */
export function resourceDescription(policy: Policy, what: string): string {
  return `agent-perimeter ${policy.name}: ${what}`;
}

/**
 * Fits `name` into `max` characters: unchanged when it fits, else truncated and suffixed with
 * 6 hex characters of its SHA-256, so distinct long names stay distinct. The result keeps
 * GCP's usual shape: starts with a letter, ends with a letter or digit.
 */
export function fitName(name: string, max: number): string {
  const clean = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-+|-+$/g, '');
  const lettered = /^[a-z]/.test(clean) ? clean : `x-${clean}`;
  if (lettered.length <= max) return lettered;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 6);
  const head = lettered.slice(0, max - hash.length - 1).replace(/-+$/, '');
  return `${head}-${hash}`;
}

/** GCP service account ids: 6-30 characters. */
export function serviceAccountId(policy: Policy, role: string): string {
  const id = fitName(`${policy.name}-${role}`, 30);
  return id.length >= 6 ? id : `${id}-sa`.padEnd(6, '0');
}

/** A DNS name with its trailing dot, as Cloud DNS wants it. */
export function fqdn(host: string): string {
  return host.endsWith('.') ? host : `${host}.`;
}
