import {
  type PublicUpstream,
  parseImageReference,
  publicUpstreamOf,
  upstreamRepositoryPath,
} from '../../lib/image-registry.js';
import { proxyTierError } from './errors.js';

/*
 * Where the GCP proxy VM pulls its Envoy image from: never a public registry directly (ADR
 * 0055). Docker Hub, quay.io and public.ecr.aws come through an Artifact Registry remote
 * repository in the perimeter's project and region; an image already in Artifact Registry
 * (the mirror step) is used as it is; any other registry is refused with the mirror step.
 */

/** How an Artifact Registry remote repository reaches each upstream. */
export const REMOTE_UPSTREAMS: Readonly<
  Record<PublicUpstream, { readonly preset: 'DOCKER_HUB' } | { readonly uri: string }>
> = {
  'docker-hub': { preset: 'DOCKER_HUB' },
  quay: { uri: 'https://quay.io' },
  'ecr-public': { uri: 'https://public.ecr.aws' },
};

/** Where the proxy VM pulls the image from on GCP. */
export type GcpProxyImageSource =
  | {
      /** Already in Artifact Registry (`<location>-docker.pkg.dev`): used as it is. */
      readonly kind: 'artifact-registry';
    }
  | {
      /** A public registry, through a remote repository of the perimeter. */
      readonly kind: 'remote';
      readonly upstream: PublicUpstream;
      /** Repository path upstream, e.g. `envoyproxy/envoy` or `library/node` (Docker Hub). */
      readonly upstreamRepository: string;
      readonly tag: string | undefined;
      readonly digest: string | undefined;
    };

const ARTIFACT_REGISTRY = /^[a-z0-9-]+-docker\.pkg\.dev$/;

/** The mirror step for GCP: copy the image into an Artifact Registry repository. */
export function gcpMirrorCommand(image: string): string {
  return `\`crane copy ${image} <region>-docker.pkg.dev/<project>/<repository>/<path>:<tag>\``;
}

/** How the GCP proxy gets `image` without pulling from a public registry itself. */
export function gcpProxyImageSource(image: string): GcpProxyImageSource {
  const ref = parseImageReference(image);
  if ('problem' in ref) throw proxyTierError(`proxy.image "${image}" ${ref.problem}`);
  if (ARTIFACT_REGISTRY.test(ref.registry)) return { kind: 'artifact-registry' };
  const upstream = publicUpstreamOf(ref.registry);
  if (upstream === undefined) {
    throw proxyTierError(
      `proxy.image "${image}" is on ${ref.registry}, which the GCP proxy does not pull from directly and an Artifact Registry remote repository is not set up for here (Docker Hub, quay.io and public.ecr.aws are). Fix: copy it into an Artifact Registry repository of the perimeter's project and region with ${gcpMirrorCommand(image)} and write that URI (by digest) as proxy.image.`,
    );
  }
  return {
    kind: 'remote',
    upstream,
    upstreamRepository: upstreamRepositoryPath(upstream, ref.repository),
    tag: ref.tag,
    digest: ref.digest,
  };
}

/** Repository id of the proxy image's remote repository: `<policy name>-proxy`. */
export function remoteRepositoryId(policyName: string): string {
  return `${policyName}-proxy`;
}

/** The Artifact Registry host of a region: what the VM pulls from and authenticates to. */
export function artifactRegistryHost(region: string): string {
  return `${region}-docker.pkg.dev`;
}

/**
 * What the VM runs: the remote repository's path by digest when the policy pins one, else by
 * tag; `proxy.image` itself when it is already in Artifact Registry. A literal string, so the
 * boot document (and the containment proof that reads it) names the image.
 */
export function gcpProxyPullImage(
  image: string,
  where: { readonly project: string; readonly region: string; readonly policyName: string },
): string {
  const source = gcpProxyImageSource(image);
  if (source.kind === 'artifact-registry') return image;
  const base = `${artifactRegistryHost(where.region)}/${where.project}/${remoteRepositoryId(where.policyName)}/${source.upstreamRepository}`;
  return source.digest !== undefined
    ? `${base}@${source.digest}`
    : `${base}:${source.tag ?? 'latest'}`;
}

/**
 * DNS names the proxy VM resolves to pull its image: the Artifact Registry host of the
 * region (a remote repository, or the mirrored image's own host). Without a region (a plan of
 * the network alone) any Artifact Registry host.
 */
export function gcpProxyRegistryNames(image: string, region: string | undefined): string[] {
  const ref = parseImageReference(image);
  if ('problem' in ref) return [];
  if (ARTIFACT_REGISTRY.test(ref.registry)) return [ref.registry];
  // Other registries are refused by the proxy tier (gcpProxyImageSource); nothing to admit.
  if (publicUpstreamOf(ref.registry) === undefined) return [];
  return [region === undefined ? '*.pkg.dev' : artifactRegistryHost(region)];
}
