import { z } from 'zod';
import { withDefault } from './with-default.js';

/*
 * The deployment profile: what a perimeter costs while idle against how it survives a zone
 * failure (docs/cost.md, ADR 0040). Both profiles enforce the same policy with the same
 * controls; they differ only in redundancy and CPU architecture.
 */

/** `ha`: every shared part in every zone. `lean`: one zone's worth of shared parts, Graviton. */
export const DEPLOYMENT_PROFILES = ['ha', 'lean'] as const;
export type DeploymentProfile = (typeof DEPLOYMENT_PROFILES)[number];

export const DeploymentSchema = z
  .strictObject({
    profile: withDefault(
      z.enum(DEPLOYMENT_PROFILES, { error: `must be one of ${DEPLOYMENT_PROFILES.join(', ')}.` }),
      'ha',
      'ha: a NAT gateway and every interface endpoint in each Availability Zone, x86 proxy tasks (a zone failure costs capacity only). lean: one NAT gateway and the interface endpoints agents need (ECR, CloudWatch Logs; Bedrock when used) in the first zone only, ARM64 (Graviton) proxy tasks; a failure of that zone stops egress and agent starts until it recovers. GCP: lean gives the proxy VMs a 10 GB boot disk. See docs/cost.md.',
    ),
  })
  .meta({ description: 'How the perimeter is laid out for cost and resilience.' });

export type Deployment = z.output<typeof DeploymentSchema>;

/** CPU architecture of the proxy tasks (Envoy publishes multi-architecture images). */
export function proxyCpuArchitecture(profile: DeploymentProfile): 'x86_64' | 'arm64' {
  return profile === 'lean' ? 'arm64' : 'x86_64';
}
