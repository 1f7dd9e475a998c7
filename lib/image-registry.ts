/*
 * Container image references, parsed in one place: the policy schema (digest forms), the
 * tag-without-digest warnings, the AWS proxy's image source and the DNS names a runtime needs.
 */

/** Docker Hub as the registry of a reference without one (`envoyproxy/envoy`, `node`). */
export const DOCKER_HUB = 'docker.io';

/** A `sha256:` content digest: 64 lowercase hex digits. */
export const SHA256_DIGEST = /^sha256:[a-f0-9]{64}$/;

/** An image reference, split. */
export interface ImageReference {
  /** Registry host (and port) as written; `docker.io` when none is written. */
  readonly registry: string;
  /**
   * Repository path inside the registry, as written (Docker Hub official images keep their
   * implicit `library/` off: `node`, not `library/node`).
   */
  readonly repository: string;
  readonly tag: string | undefined;
  /** `sha256:<64 hex>`, when the reference pins one. */
  readonly digest: string | undefined;
}

const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const REFERENCE = new RegExp(
  `^(?:((?:[a-zA-Z0-9-]+\\.)*[a-zA-Z0-9-]+(?::\\d+)?)/)?(${COMPONENT}(?:/${COMPONENT})*)(?::([\\w][\\w.-]{0,127}))?(?:@([^@]+))?$`,
);

/**
 * Splits `[registry/]repository[:tag][@digest]`, or returns a reason it is not one. The first
 * path part is a registry when it has a "." or a port, or is `localhost` (Docker's rule). Only
 * `sha256:` digests of 64 hex digits are accepted.
 */
export function parseImageReference(image: string): ImageReference | { readonly problem: string } {
  const match = REFERENCE.exec(image);
  if (match === null) {
    return {
      problem:
        'is not an image reference. Fix: write [registry/]repository[:tag][@sha256:<64 hex>] in lowercase, e.g. "envoyproxy/envoy:v1.36.4@sha256:<digest>".',
    };
  }
  const [, first, path = '', tag, digest] = match;
  if (digest !== undefined && !SHA256_DIGEST.test(digest)) {
    return {
      problem: `has the digest "${digest}", which is not "sha256:" and 64 lowercase hex digits. Fix: copy the digest exactly as \`crane digest\` or \`docker buildx imagetools inspect\` prints it.`,
    };
  }
  const isRegistry =
    first !== undefined && (first.includes('.') || first.includes(':') || first === 'localhost');
  const registry = isRegistry ? first : DOCKER_HUB;
  const repository = first !== undefined && !isRegistry ? `${first}/${path}` : path;
  if (!isRegistry && first !== undefined && first !== first.toLowerCase()) {
    return { problem: 'is not an image reference: repository names are lowercase.' };
  }
  return { registry, repository, tag, digest };
}

/** The reference as text: `registry/repository[:tag][@digest]` (Docker Hub left implicit). */
export function formatImageReference(ref: ImageReference): string {
  const registry = ref.registry === DOCKER_HUB ? '' : `${ref.registry}/`;
  return `${registry}${ref.repository}${ref.tag === undefined ? '' : `:${ref.tag}`}${ref.digest === undefined ? '' : `@${ref.digest}`}`;
}

const PRIVATE_ECR = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/;

/** The account and region of a private Amazon ECR registry host, else undefined. */
export function privateEcrRegistry(
  registry: string,
): { readonly account: string; readonly region: string } | undefined {
  const match = PRIVATE_ECR.exec(registry);
  if (match === null) return undefined;
  const [, account = '', region = ''] = match;
  return { account, region };
}

/** Whether the registry is Docker Hub under any of its names. */
export function isDockerHub(registry: string): boolean {
  return ['docker.io', 'index.docker.io', 'registry-1.docker.io'].includes(registry);
}

/** The public registries a proxy image may come from through a cloud's registry cache. */
export type PublicUpstream = 'docker-hub' | 'quay' | 'ecr-public';

/** Which cacheable public registry `registry` is, else undefined (the mirror step applies). */
export function publicUpstreamOf(registry: string): PublicUpstream | undefined {
  if (isDockerHub(registry)) return 'docker-hub';
  if (registry === 'quay.io') return 'quay';
  if (registry === 'public.ecr.aws') return 'ecr-public';
  return undefined;
}

/**
 * The repository path upstream: Docker Hub's official images live under `library/`, which a
 * cache path must spell out (`node` is `library/node`).
 */
export function upstreamRepositoryPath(upstream: PublicUpstream, repository: string): string {
  return upstream === 'docker-hub' && !repository.includes('/')
    ? `library/${repository}`
    : repository;
}

/**
 * DNS names a container runtime resolves to pull `image`, for registries whose names are
 * stable and documented. Private ECR needs none here (the stacks allow it through endpoints);
 * for other registries this returns the registry host only, and its CDN names must be added
 * by the user (or the image mirrored to private ECR, which is the recommendation).
 */
export function imageRegistryDomains(image: string): string[] {
  const first = image.split('/')[0] ?? '';
  const hasRegistry = image.includes('/') && (first.includes('.') || first.includes(':'));
  const registry = hasRegistry ? first.replace(/:\d+$/, '') : 'docker.io';
  if (/\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/.test(registry)) return [];
  switch (registry) {
    case 'docker.io':
    case 'index.docker.io':
    case 'registry-1.docker.io':
      return ['registry-1.docker.io', 'auth.docker.io', 'production.cloudflare.docker.com'];
    case 'ghcr.io':
      return ['ghcr.io', 'pkg-containers.githubusercontent.com'];
    case 'quay.io':
      return ['quay.io', '*.quay.io'];
    default:
      return [registry];
  }
}
