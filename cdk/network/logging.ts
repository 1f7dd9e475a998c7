import { Stack } from 'aws-cdk-lib';
import {
  Effect,
  type IRole,
  ManagedPolicy,
  PolicyDocument,
  PolicyStatement,
  Role,
  ServicePrincipal,
} from 'aws-cdk-lib/aws-iam';
import { type IKey, Key } from 'aws-cdk-lib/aws-kms';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { keyAdministrationStatements } from '../kms-admin.js';

/** The key policy statement CloudWatch Logs needs to encrypt this account's log groups. */
export function cloudWatchLogsKeyStatement(scope: Construct): PolicyStatement {
  const { partition, region, account, urlSuffix } = Stack.of(scope);
  return new PolicyStatement({
    sid: 'CloudWatchLogsInThisRegion',
    effect: Effect.ALLOW,
    principals: [new ServicePrincipal(`logs.${region}.${urlSuffix}`)],
    actions: [
      'kms:Encrypt*',
      'kms:Decrypt*',
      'kms:ReEncrypt*',
      'kms:GenerateDataKey*',
      'kms:Describe*',
    ],
    resources: ['*'],
    conditions: {
      ArnLike: {
        'kms:EncryptionContext:aws:logs:arn': `arn:${partition}:logs:${region}:${account}:log-group:*`,
      },
    },
  });
}

/**
 * The customer-managed key for the perimeter's logs: rotated yearly, usable for data only by
 * CloudWatch Logs in this region and account (for log groups, whose encryption context names
 * them). The account administers it but cannot decrypt with it; readers go through the
 * CloudWatch Logs API, which decrypts for them.
 */
export function createLogKey(scope: Construct, id: string): Key {
  return new Key(scope, id, {
    description: 'agent-perimeter: encrypts the perimeter log groups (proxy, agents, flow, DNS)',
    enableKeyRotation: true,
    policy: new PolicyDocument({
      statements: [...keyAdministrationStatements(), cloudWatchLogsKeyStatement(scope)],
    }),
  });
}

/**
 * Lets CloudWatch Logs use a key passed in. A no-op for imported keys, whose policy CDK
 * cannot change: such a key must already carry {@link cloudWatchLogsKeyStatement}.
 */
export function allowCloudWatchLogs(scope: Construct, key: IKey): void {
  key.addToResourcePolicy(cloudWatchLogsKeyStatement(scope), true);
}

/** A KMS-encrypted log group with a fixed retention. */
export function encryptedLogGroup(
  scope: Construct,
  id: string,
  key: IKey,
  retention: RetentionDays,
): LogGroup {
  return new LogGroup(scope, id, { encryptionKey: key, retention });
}

/**
 * The role VPC Flow Logs assumes to write into `logGroup`: trusted only for flow logs of this
 * account (confused-deputy guard), with a customer-managed policy naming the one log group.
 */
export function flowLogRole(
  scope: Construct,
  id: string,
  logGroup: LogGroup,
): { role: IRole; policy: ManagedPolicy } {
  const { partition, region, account } = Stack.of(scope);
  const role = new Role(scope, id, {
    description: 'agent-perimeter: VPC Flow Logs delivery into the flow-log group',
    assumedBy: new ServicePrincipal('vpc-flow-logs.amazonaws.com', {
      conditions: {
        StringEquals: { 'aws:SourceAccount': account },
        ArnLike: { 'aws:SourceArn': `arn:${partition}:ec2:${region}:${account}:vpc-flow-log/*` },
      },
    }),
  });
  const policy = new ManagedPolicy(scope, `${id}Policy`, {
    description: 'agent-perimeter: write VPC flow logs into one log group',
    roles: [role],
    statements: [
      new PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
        resources: [logGroup.logGroupArn],
      }),
    ],
  });
  // The flow log construct would add an inline policy; the managed policy above replaces it.
  return { role: role.withoutPolicyUpdates(), policy };
}
