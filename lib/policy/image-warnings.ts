import { formatImageReference, parseImageReference } from '../image-registry.js';
import type { Policy } from './schema.js';

/*
 * Images given by tag without a digest: a tag is a name the registry (or whoever controls the
 * repository) can point at other content, so the same policy could run a different proxy or
 * agent tomorrow. Valid, but every command says so (a digest nobody read is worse, so the
 * blueprint cannot fill it in). Under landing_zone the proxy's is an error instead
 * (`landingZoneImageProblems`).
 */

/** A warning about a valid policy: where, and what to do. */
export interface PolicyWarning {
  readonly path: string;
  readonly message: string;
}

/** The commands that print the digest a tag names today, for a message's fix. */
export function digestCommands(image: string): string {
  return `\`crane digest ${image}\` or \`docker buildx imagetools inspect ${image}\` (its "Digest:" line)`;
}

/** `image` with `@sha256:<digest>` appended, as the fix to write. */
function pinned(image: string): string {
  const ref = parseImageReference(image);
  if ('problem' in ref) return `${image}@sha256:<digest>`;
  return `${formatImageReference({ ...ref, digest: undefined })}@sha256:<digest>`;
}

/** The image fields the trusted tier and the agents run, with their paths. */
export function policyImages(policy: Policy): { readonly path: string; readonly image: string }[] {
  return [
    { path: 'proxy.image', image: policy.proxy.image },
    ...policy.agents.map((a, i) => ({ path: `agents[${i}].image`, image: a.image })),
  ];
}

/** Whether an image reference pins a digest. */
export function hasDigest(image: string): boolean {
  const ref = parseImageReference(image);
  return !('problem' in ref) && ref.digest !== undefined;
}

/** One warning per proxy or agent image given by tag without a digest. */
export function imageWarnings(policy: Policy): PolicyWarning[] {
  return policyImages(policy)
    .filter(({ image }) => !hasDigest(image))
    .map(({ path, image }) => ({
      path,
      message: `"${image}" is a tag without a digest: the registry can move the tag to other content, and ${path === 'proxy.image' ? 'the proxy' : 'the agent'} would run it. Fix: read the digest with ${digestCommands(image)} and write ${path}: "${pinned(image)}".`,
    }));
}

/** Every warning about a valid policy (today: images without a digest). */
export function policyWarnings(policy: Policy): PolicyWarning[] {
  return imageWarnings(policy);
}

/** A warning as the CDK annotations and the Pulumi log carry it: `<path> <message>`. */
export function warningText(warning: PolicyWarning): string {
  return `${warning.path} ${warning.message}`;
}

/** A warning as the commands print it: `<source>: warning: <path> <message>`. */
export function formatWarning(source: string, warning: PolicyWarning): string {
  return `${source}: warning: ${warningText(warning)}`;
}
