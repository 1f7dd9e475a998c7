/** A private Amazon ECR repository named by an image reference. */
export interface EcrRepositoryRef {
  readonly account: string;
  readonly region: string;
  /** Repository name, e.g. `docker-hub/envoyproxy/envoy` for a pull-through cache. */
  readonly repositoryName: string;
}

const ECR_IMAGE =
  /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([a-z0-9._/-]+?)(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

/**
 * The ECR repository an image lives in, or `undefined` for other registries (Docker Hub,
 * ECR Public, ...). Private ECR needs pull permissions on the execution role; the others are
 * pulled anonymously.
 */
export function ecrRepositoryOf(image: string): EcrRepositoryRef | undefined {
  const match = ECR_IMAGE.exec(image);
  if (match === null) return undefined;
  const [, account, region, repositoryName] = match;
  if (account === undefined || region === undefined || repositoryName === undefined)
    return undefined;
  return { account, region, repositoryName };
}
