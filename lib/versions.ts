/**
 * Third-party versions pinned in one place.
 *
 * Envoy 1.36 has the `credential_injector` HTTP filter and `environment_variable` data
 * sources, both of which the rendered proxy config relies on. Override per deployment with
 * `proxy.image` in the policy file.
 */

/** An image release: where it lives, its tag, and the content digest that tag was checked to name. */
export interface ImageRelease {
  /** Repository with its registry (Docker Hub left implicit). */
  readonly repository: string;
  readonly tag: string;
  /**
   * `sha256:<64 hex>` of the tag's multi-platform index, read with
   * `crane digest <repository>:<tag>` (or `docker buildx imagetools inspect`). Only a digest
   * someone has read from the registry goes here; until then the image is a tag, and every
   * command warns about it.
   */
  readonly digest: string | undefined;
}

/**
 * The Envoy release the proxy runs. The digest is not set: it could not be read from the
 * registry when this release was chosen, and a digest nobody read is worse than a tag. Setting
 * it is this one line; the schema, the warnings and the AWS image source already handle it.
 */
export const ENVOY_RELEASE: ImageRelease = {
  repository: 'envoyproxy/envoy',
  tag: 'v1.36.4',
  digest: undefined,
};

/** The agent image of the embedded default policy (Node 22 from ECR Public; by tag, see ENVOY_RELEASE). */
export const DEFAULT_AGENT_RELEASE: ImageRelease = {
  repository: 'public.ecr.aws/docker/library/node',
  tag: '22-slim',
  digest: undefined,
};

/** `repository:tag`, with `@digest` when the release has one. */
export function releaseImage(release: ImageRelease): string {
  return `${release.repository}:${release.tag}${release.digest === undefined ? '' : `@${release.digest}`}`;
}

/** The default `proxy.image`. */
export const ENVOY_IMAGE = releaseImage(ENVOY_RELEASE);

/** The default `agents[].image`. */
export const DEFAULT_AGENT_IMAGE = releaseImage(DEFAULT_AGENT_RELEASE);
