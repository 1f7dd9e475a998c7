import { RemovalPolicy } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import type { Construct } from 'constructs';
import { acknowledgeControlTower, CONTROL_TOWER_RULES } from './nag.js';

/**
 * One repository of an ECR pull-through cache rule, created up front (so no role needs
 * `ecr:CreateRepository`), for the proxy's image and the agents' images alike. `why` is the
 * Control Tower acknowledgement: ECR refreshes cached tags from upstream, so they stay mutable.
 */
export function cacheRepository(
  scope: Construct,
  id: string,
  repositoryName: string,
  rule: ecr.CfnPullThroughCacheRule,
  why: string,
): ecr.Repository {
  const repository = new ecr.Repository(scope, id, {
    repositoryName,
    // The cache refreshes tags from upstream, so they must stay mutable; tasks pin the digest
    // when the policy gives one.
    imageTagMutability: ecr.TagMutability.MUTABLE,
    imageScanOnPush: true,
    encryption: ecr.RepositoryEncryption.AES_256,
    lifecycleRules: [{ description: 'Keep the 10 most recent cached images', maxImageCount: 10 }],
    // A cache: everything in it can be pulled again from upstream.
    removalPolicy: RemovalPolicy.DESTROY,
    emptyOnDelete: true,
  });
  repository.node.addDependency(rule);
  acknowledgeControlTower(
    repository.node.defaultChild as ecr.CfnRepository,
    CONTROL_TOWER_RULES.ecrTagImmutability,
    why,
  );
  return repository;
}
