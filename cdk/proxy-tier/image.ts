import {
  parseImageReference,
  privateEcrRegistry,
  publicUpstreamOf,
  upstreamRepositoryPath,
} from '../../lib/image-registry.js';
import { mirrorCommand } from '../../lib/policy/index.js';
import { ProxyTierError } from './errors.js';

/** A private Amazon ECR repository named by an image reference. */
export interface EcrRepositoryRef {
  readonly account: string;
  readonly region: string;
  /** Repository name, e.g. `docker-hub/envoyproxy/envoy` for a pull-through cache. */
  readonly repositoryName: string;
}

/**
 * The ECR repository an image lives in, or `undefined` for other registries (Docker Hub,
 * ECR Public, ...). Private ECR needs pull permissions on the execution role.
 */
export function ecrRepositoryOf(image: string): EcrRepositoryRef | undefined {
  const ref = parseImageReference(image);
  if ('problem' in ref) return undefined;
  const ecr = privateEcrRegistry(ref.registry);
  return ecr === undefined ? undefined : { ...ecr, repositoryName: ref.repository };
}

/** The upstream registries an ECR pull-through cache serves the proxy image from. */
export const PROXY_IMAGE_UPSTREAMS = {
  'docker-hub': { url: 'registry-1.docker.io', credential: true },
  quay: { url: 'quay.io', credential: false },
  'ecr-public': { url: 'public.ecr.aws', credential: false },
} as const;

export type ProxyImageUpstream = keyof typeof PROXY_IMAGE_UPSTREAMS;

/** Where ECS pulls the proxy image from on AWS. */
export type ProxyImageSource =
  | {
      /** Already in private ECR (the documented mirror step): used as it is. */
      readonly kind: 'private-ecr';
      readonly repository: EcrRepositoryRef;
    }
  | {
      /** A public registry, always through this account's ECR pull-through cache. */
      readonly kind: 'pull-through';
      readonly upstream: ProxyImageUpstream;
      /** Repository path upstream, e.g. `envoyproxy/envoy` or `library/node` (Docker Hub). */
      readonly upstreamRepository: string;
      readonly tag: string | undefined;
      readonly digest: string | undefined;
    };

/**
 * How the AWS proxy gets `image` without pulling from a public registry itself: private ECR
 * as it is, Docker Hub, quay.io and ECR Public through a pull-through cache. Any other
 * registry is refused with the mirror step.
 */
export function proxyImageSource(image: string): ProxyImageSource {
  const ref = parseImageReference(image);
  if ('problem' in ref) throw new ProxyTierError(`proxy.image "${image}" ${ref.problem}`);
  const ecr = privateEcrRegistry(ref.registry);
  if (ecr !== undefined) {
    return { kind: 'private-ecr', repository: { ...ecr, repositoryName: ref.repository } };
  }
  const upstream = publicUpstreamOf(ref.registry);
  if (upstream === undefined) {
    throw new ProxyTierError(
      `proxy.image "${image}" is on ${ref.registry}, which the AWS proxy does not pull from directly and ECR's pull-through cache is not set up for here (Docker Hub, quay.io and public.ecr.aws are). Fix: copy it into a private ECR repository of the stack's account and region with ${mirrorCommand(image)} and write that URI (by digest) as proxy.image.`,
    );
  }
  const upstreamRepository = upstreamRepositoryPath(upstream, ref.repository);
  return { kind: 'pull-through', upstream, upstreamRepository, tag: ref.tag, digest: ref.digest };
}

/**
 * Repository prefix of the proxy image's pull-through cache rule, `<policy name>/proxy`
 * (at most 26 characters; ECR allows 2-30). Its own rule, apart from the agents'.
 */
export function proxyImageCachePrefix(policyName: string): string {
  return `${policyName}/proxy`;
}
