import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { type AuditSource, pascal } from './sources.js';

export interface SubscriptionParts {
  /** Assumed by CloudWatch Logs of this account to put records into the delivery streams. */
  readonly role: iam.Role;
  readonly policy: iam.ManagedPolicy;
  /** One subscription filter per source, keyed by source name. */
  readonly filters: Readonly<Record<string, logs.CfnSubscriptionFilter>>;
}

/**
 * Streams every event of each source log group to its delivery stream (an empty filter
 * pattern matches everything), with a role CloudWatch Logs of this account alone can assume.
 */
export function subscribeSources(
  scope: Construct,
  sources: readonly AuditSource[],
  streams: Readonly<Record<string, firehose.CfnDeliveryStream>>,
): SubscriptionParts {
  const { partition, region, account } = Stack.of(scope);
  const role = new iam.Role(scope, 'SubscriptionRole', {
    description: 'agent-perimeter: CloudWatch Logs sends the audit sources to Firehose',
    assumedBy: new iam.ServicePrincipal('logs.amazonaws.com', {
      conditions: {
        StringLike: { 'aws:SourceArn': `arn:${partition}:logs:${region}:${account}:*` },
      },
    }),
  });
  const policy = new iam.ManagedPolicy(scope, 'SubscriptionPolicy', {
    description: 'agent-perimeter: put records into the audit delivery streams only',
    roles: [role],
    statements: [
      new iam.PolicyStatement({
        sid: 'PutAuditRecords',
        actions: ['firehose:PutRecord', 'firehose:PutRecordBatch'],
        resources: sources.map((s) => (streams[s.name] as firehose.CfnDeliveryStream).attrArn),
      }),
    ],
  });
  const filters: Record<string, logs.CfnSubscriptionFilter> = {};
  for (const source of sources) {
    const stream = streams[source.name] as firehose.CfnDeliveryStream;
    const filter = new logs.CfnSubscriptionFilter(scope, `${pascal(source.name)}Subscription`, {
      logGroupName: source.logGroup.logGroupName,
      filterPattern: '',
      destinationArn: stream.attrArn,
      roleArn: role.roleArn,
    });
    // CloudWatch Logs test-writes to the stream when the filter is created.
    filter.node.addDependency(policy);
    filters[source.name] = filter;
  }
  return { role, policy, filters };
}
