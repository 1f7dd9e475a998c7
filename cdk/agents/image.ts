import { isDockerHub, parseImageReference, privateEcrRegistry } from '../../lib/image-registry.js';
import { AgentWorkloadError } from './errors.js';

/** The registry ECR's pull-through cache fetches public images from, without credentials. */
export const ECR_PUBLIC_REGISTRY = 'public.ecr.aws';

/** An image in a private ECR repository, named exactly. */
export interface PrivateEcrImage {
  readonly kind: 'private-ecr';
  readonly account: string;
  readonly region: string;
  readonly repositoryName: string;
  /** `:tag` or `@sha256:...`, as written. */
  readonly reference: string;
  /** The image as written in the policy. */
  readonly image: string;
}

/** An ECR Public image, pulled into this account's private registry by a pull-through cache. */
export interface EcrPublicImage {
  readonly kind: 'ecr-public';
  /** Repository path on public.ecr.aws, e.g. `docker/library/node`. */
  readonly upstreamRepository: string;
  /** A tag (`22-slim`) or a digest (`sha256:...`), as `repositoryUriForTagOrDigest` takes it. */
  readonly tagOrDigest: string;
  readonly image: string;
}

export type AgentImage = PrivateEcrImage | EcrPublicImage;

/**
 * Where an agent image comes from, or an error explaining why the agent subnets cannot pull
 * it: they have no internet and no NAT, only the ECR interface endpoints and an S3 gateway
 * endpoint limited to ECR's layer bucket. So an image must be in private ECR in the stack's
 * account and region, or on ECR Public, which ECR's pull-through cache fetches on the agents'
 * behalf (ECR itself reaches public.ecr.aws; the agents never do).
 *
 * `where` names the policy field for messages, e.g. `agents[0].image`.
 */
export function parseAgentImage(image: string, where: string): AgentImage {
  const ref = parseImageReference(image);
  if (!('problem' in ref)) {
    const ecr = privateEcrRegistry(ref.registry);
    if (ecr !== undefined) {
      const reference = ref.digest !== undefined ? `@${ref.digest}` : `:${ref.tag ?? 'latest'}`;
      return { kind: 'private-ecr', ...ecr, repositoryName: ref.repository, reference, image };
    }
    if (ref.registry === ECR_PUBLIC_REGISTRY) {
      return {
        kind: 'ecr-public',
        upstreamRepository: ref.repository,
        tagOrDigest: ref.digest ?? ref.tag ?? 'latest',
        image,
      };
    }
  }
  const official =
    'problem' in ref || !isDockerHub(ref.registry) || ref.digest !== undefined
      ? undefined
      : /^(?:library\/)?([^/]+)$/.exec(ref.repository)?.[1];
  const hint =
    official === undefined || 'problem' in ref
      ? ''
      : ` Docker Hub's official images are mirrored on ECR Public: use "${ECR_PUBLIC_REGISTRY}/docker/library/${official}:${ref.tag ?? 'latest'}".`;
  throw new AgentWorkloadError(
    `${where} "${image}" cannot be pulled by agents on AWS: the agent subnets have no internet and no NAT, only the ECR endpoints. Fix: push the image to a private ECR repository in the stack's account and region and write its full URI (<account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>), or use an image on ${ECR_PUBLIC_REGISTRY}, which the stack pulls through an ECR pull-through cache.${hint}`,
  );
}

/**
 * Name of the pull-through cache repository for an ECR Public image: `<prefix>/<upstream>`.
 * ECR Public repository names are already valid private repository names.
 */
export function cacheRepositoryName(prefix: string, image: EcrPublicImage): string {
  return `${prefix}/${image.upstreamRepository}`;
}

/**
 * Repository prefix of the pull-through cache rule: `<policy name>/ecr-public`, or a shorter
 * `<policy name>/ecrpub` for the longest policy names (ECR allows 2-30 characters).
 */
export function pullThroughCachePrefix(policyName: string): string {
  const preferred = `${policyName}/ecr-public`;
  return preferred.length <= 30 ? preferred : `${policyName}/ecrpub`;
}
