import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as events from 'aws-cdk-lib/aws-events';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { logRetention } from '../proxy-tier/retention.js';
import type { AuditSource } from './sources.js';

/*
 * Which task had which address when. The proxy, flow and DNS logs name an agent by its private
 * address; ECS forgets a stopped task after about an hour. ECS sends every task state change of
 * the cluster to EventBridge with the task's ENI (its private address in `attachments` and in
 * `containers[].networkInterfaces`), so a rule copies them, whole, into a log group that is an
 * audit source like the others: subscribed into Firehose and written, object-locked, under
 * `tasks/` in the audit bucket.
 */

/** Audit source name, and so the prefix in the audit bucket (`tasks/`). */
export const TASK_EVENTS_SOURCE = 'tasks';

/** The EventBridge pattern: ECS task state changes of one cluster, nothing else. */
export function taskStateChangePattern(clusterArn: string): {
  source: string[];
  'detail-type': string[];
  detail: { clusterArn: string[] };
} {
  return {
    source: ['aws.ecs'],
    'detail-type': ['ECS Task State Change'],
    detail: { clusterArn: [clusterArn] },
  };
}

/** What EventBridge needs to write into the log group (per its CloudWatch Logs target docs). */
export const TASK_EVENT_WRITERS = ['events.amazonaws.com', 'delivery.logs.amazonaws.com'] as const;
export const TASK_EVENT_WRITE_ACTIONS = ['logs:CreateLogStream', 'logs:PutLogEvents'] as const;

export interface TaskEventsInputs {
  readonly cluster: ecs.ICluster;
  readonly logKey: kms.IKey;
  readonly retentionDays: number;
}

export interface TaskEventParts {
  readonly logGroup: logs.LogGroup;
  readonly rule: events.CfnRule;
  /** Lets this rule, and nothing else, write into the log group. */
  readonly resourcePolicy: logs.CfnResourcePolicy;
  readonly source: AuditSource;
}

/**
 * The task-event log group (KMS-encrypted, the policy's retention), the rule feeding it and the
 * log group's resource policy. Plain CloudFormation resources: CDK's CloudWatchLogGroup target
 * writes the resource policy through a Lambda-backed custom resource, which the landing-zone
 * profile forbids (CT.LAMBDA.PR.3).
 */
export function createTaskEvents(scope: Construct, inputs: TaskEventsInputs): TaskEventParts {
  const stack = Stack.of(scope);
  const logGroup = new logs.LogGroup(scope, 'TaskEventLogGroup', {
    encryptionKey: inputs.logKey,
    retention: logRetention(inputs.retentionDays),
    removalPolicy: RemovalPolicy.RETAIN,
  });
  const rule = new events.CfnRule(scope, 'TaskEventRule', {
    description: 'agent-perimeter: record which ECS task had which address, for the audit trail',
    state: 'ENABLED',
    eventPattern: taskStateChangePattern(inputs.cluster.clusterArn),
    // The whole event: task ARN, task definition, group, status, times and the ENI address.
    targets: [
      {
        id: 'TaskEventLog',
        // The target names the log group itself; its GetAtt Arn carries a ":*" stream suffix.
        arn: stack.formatArn({
          service: 'logs',
          resource: 'log-group',
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          resourceName: logGroup.logGroupName,
        }),
      },
    ],
  });
  // logGroupArn ends in ":*", which is what a log-group policy must name to cover its streams.
  const resourcePolicy = new logs.CfnResourcePolicy(scope, 'TaskEventLogPolicy', {
    policyName: `${stack.stackName}-${scope.node.addr.slice(0, 8)}-task-events`,
    policyDocument: stack.toJsonString({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'TaskEventRuleWrites',
          Effect: 'Allow',
          Principal: { Service: [...TASK_EVENT_WRITERS] },
          Action: [...TASK_EVENT_WRITE_ACTIONS],
          Resource: logGroup.logGroupArn,
          Condition: {
            StringEquals: { 'aws:SourceAccount': stack.account },
            ArnEquals: { 'aws:SourceArn': rule.attrArn },
          },
        },
      ],
    }),
  });
  return {
    logGroup,
    rule,
    resourcePolicy,
    source: {
      name: TASK_EVENTS_SOURCE,
      logGroup,
      description:
        'ECS task state changes of the perimeter cluster: which task had which private address when',
    },
  };
}
