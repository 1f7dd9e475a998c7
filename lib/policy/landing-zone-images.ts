import type { Problem } from '../errors.js';
import { parseImageReference, privateEcrRegistry } from '../image-registry.js';
import { digestCommands } from './image-warnings.js';
import type { Policy } from './schema.js';

/** The documented mirror step (README "Pinning images"), for a message's fix. */
export function mirrorCommand(image: string): string {
  return `\`crane copy ${image} <account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>\``;
}

/**
 * With landing_zone the proxy image must come from this account's private ECR by digest, as
 * `landing_zone.probe_image` does: a tag can be moved, and any other registry goes through an
 * ECR pull-through cache whose repository must keep its tags mutable (CT.ECR.PR.3 refuses
 * that, and the landing-zone setting acknowledges no Control Tower rule). A policy problem,
 * so `check-policy`, `synth` and the CDK app refuse it with one message.
 */
export function landingZoneImageProblems(policy: Policy): Problem[] {
  if (policy.landing_zone === undefined) return [];
  const image = policy.proxy.image;
  const ref = parseImageReference(image);
  if ('problem' in ref) return [];
  const fix = `Fix: copy it into a private ECR repository of the stack's account and region with ${mirrorCommand(image)}, read its digest with ${digestCommands('<that URI>')}, and write proxy.image: "<account>.dkr.ecr.<region>.amazonaws.com/<repository>@sha256:<digest>".`;
  const reasons = [
    ref.digest === undefined
      ? 'has no digest, and with landing_zone the stack runs images by digest only (a tag can be moved to other content)'
      : undefined,
    privateEcrRegistry(ref.registry) === undefined
      ? `is on ${ref.registry}, which the stack would pull through an ECR pull-through cache whose repository must keep its tags mutable, and Control Tower's CT.ECR.PR.3 refuses mutable tags`
      : undefined,
  ].filter((r) => r !== undefined);
  if (reasons.length === 0) return [];
  return [{ path: 'proxy.image', message: `"${image}" ${reasons.join('; it ')}. ${fix}` }];
}
