import { Stack } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { cacheRepository } from '../cache-repository.js';
import { PROXY_IMAGE_UPSTREAMS, type ProxyImageSource } from './image.js';

export interface ProxyImageCacheProps {
  /** The proxy image on a public registry (`proxyImageSource`). */
  readonly source: Extract<ProxyImageSource, { kind: 'pull-through' }>;
  /** Repository prefix of the rule (`proxyImageCachePrefix`). */
  readonly prefix: string;
  /** The upstream login, for registries that need one (Docker Hub). */
  readonly credential: secretsmanager.ISecret | undefined;
}

/**
 * The proxy image through this account's ECR: a pull-through cache rule for its upstream
 * registry and the one cache repository it fills, created up front so the execution role can
 * be limited to that repository and the first pull needs no `ecr:CreateRepository`. ECS then
 * pulls from private ECR (the VPC's ECR endpoints), never from the public registry; ECR itself
 * fetches from upstream, with the credential when the registry needs one.
 */
export class ProxyImageCache extends Construct {
  readonly rule: ecr.CfnPullThroughCacheRule;
  readonly repository: ecr.Repository;
  /**
   * What the task definition pulls: the cache repository by digest, else by tag. Tasks that
   * use it must depend on this construct (the repository exists before the first pull).
   */
  readonly imageUri: string;

  constructor(scope: Construct, id: string, props: ProxyImageCacheProps) {
    super(scope, id);
    const { source, prefix } = props;
    const upstream = PROXY_IMAGE_UPSTREAMS[source.upstream];
    this.rule = new ecr.CfnPullThroughCacheRule(this, 'Rule', {
      ecrRepositoryPrefix: prefix,
      upstreamRegistry: source.upstream,
      upstreamRegistryUrl: upstream.url,
      ...(upstream.credential && props.credential !== undefined
        ? { credentialArn: props.credential.secretArn }
        : {}),
    });
    this.repository = cacheRepository(
      this,
      'Repository',
      `${prefix}/${source.upstreamRepository}`,
      this.rule,
      `The pull-through cache repository of the proxy image (${upstream.url}/${source.upstreamRepository}): ECR refreshes cached tags from upstream, so its tags must stay mutable; pin proxy.image by digest to run exactly one image. The landing-zone setting takes the proxy image from private ECR by digest, with no cache.`,
    );
    // The stack's account, region and URL suffix (partition-aware, never literals), and the
    // literal repository name: the containment verifier reads the image as this account's own
    // ECR and compares its tag or digest with the policy's.
    const stack = Stack.of(this);
    const repositoryUri = `${stack.account}.dkr.ecr.${stack.region}.${stack.urlSuffix}/${prefix}/${source.upstreamRepository}`;
    this.imageUri =
      source.digest !== undefined
        ? `${repositoryUri}@${source.digest}`
        : `${repositoryUri}:${source.tag ?? 'latest'}`;
  }
}
