import * as iam from 'aws-cdk-lib/aws-iam';
import { acknowledge } from './nag.js';

/** The one private ECR repository a task's image is pulled from, as its execution role names it. */
export interface ImageRepository {
  readonly arn: string;
  /** A pull-through cache repository: the first pull of a tag makes ECR import it. */
  readonly pullThrough: boolean;
}

/**
 * What an execution role needs to pull one image, for the proxy and the agents alike: a
 * registry login (`EcrLogin`) and pulls from exactly the image's repository
 * (`Pull<image>Image`, e.g. `PullEnvoyImage`).
 */
export function imagePullStatements(
  image: 'Agent' | 'Envoy',
  repository: ImageRepository,
): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      sid: 'EcrLogin',
      actions: ['ecr:GetAuthorizationToken'],
      resources: ['*'],
    }),
    new iam.PolicyStatement({
      sid: `Pull${image}Image`,
      actions: [
        'ecr:BatchCheckLayerAvailability',
        'ecr:GetDownloadUrlForLayer',
        'ecr:BatchGetImage',
        // ECR fetches a cached image from upstream on its first pull, as the puller.
        ...(repository.pullThrough ? ['ecr:BatchImportUpstreamImage'] : []),
      ],
      resources: [repository.arn],
    }),
  ];
}

/**
 * Acknowledges the one wildcard the ECR login forces, on the CfnManagedPolicy that holds it;
 * `pulls` says what limits the pulls themselves.
 */
export function acknowledgeEcrLogin(policy: iam.ManagedPolicy, pulls: string): void {
  acknowledge(
    policy.node.defaultChild as iam.CfnManagedPolicy,
    'AwsSolutions-IAM5[Resource::*]',
    `ecr:GetAuthorizationToken has no resource-level permissions, so IAM requires Resource "*"; it only issues a registry login token. ${pulls}`,
  );
}
