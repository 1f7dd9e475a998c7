import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { acknowledge } from './nag.js';

/*
 * What ECS needs from the execution role of the proxy's and the agents' tasks alike: pull the
 * task's image from its one private ECR repository and write the task's own log group. Each
 * task's statements are named after what it runs (`Agent`, `Envoy`).
 */

/**
 * Trust for the roles of the proxy's and the agents' tasks: only ECS acting for this account, so another account's task
 * definition cannot name the role (confused deputy).
 */
export function ecsTasksPrincipal(scope: Construct): iam.IPrincipal {
  const { partition, region, account } = Stack.of(scope);
  return new iam.ServicePrincipal('ecs-tasks.amazonaws.com', {
    conditions: {
      StringEquals: { 'aws:SourceAccount': account },
      ArnLike: { 'aws:SourceArn': `arn:${partition}:ecs:${region}:${account}:*` },
    },
  });
}

/** What a task runs, in its execution role's statement ids (`PullEnvoyImage`, `WriteAgentLog`). */
export type TaskImage = 'Agent' | 'Envoy';

/** The one private ECR repository a task's image is pulled from, as its execution role names it. */
export interface ImageRepository {
  readonly arn: string;
  /** A pull-through cache repository: the first pull of a tag makes ECR import it. */
  readonly pullThrough: boolean;
}

/**
 * A registry login (`EcrLogin`) and pulls from exactly the image's repository
 * (`Pull<image>Image`).
 */
export function imagePullStatements(
  image: TaskImage,
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

/** Writes to the task's own log group (`Write<image>Log`), whose ARN names only its streams. */
export function logWriteStatement(image: TaskImage, logGroup: logs.ILogGroup): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: `Write${image}Log`,
    actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    resources: [logGroup.logGroupArn],
  });
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
