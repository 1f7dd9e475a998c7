import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { DELIVERY_BUFFER_SECONDS } from './delivery.js';

/** How many events in {@link ALARM_PERIOD} raise each alarm. */
export interface AuditAlarmThresholds {
  /**
   * Requests the proxy refused. Any refusal means an agent tried to reach something the policy
   * does not allow; raise it if a tool's harmless retries make noise.
   * @default 1
   */
  readonly deniedRequests?: number;
  /**
   * Flows from agent subnets rejected by a security group or NACL: traffic that tried to go
   * around the proxy.
   * @default 1
   */
  readonly rejectedAgentFlows?: number;
  /**
   * DNS queries the DNS firewall blocked (names outside the allowlist, DNS tunnelling).
   * @default 1
   */
  readonly blockedDnsQueries?: number;
  /**
   * Proxy responses with a 5xx status: upstream outages, overload, or agents hammering a host.
   * @default 25
   */
  readonly proxyServerErrors?: number;
}

/** The evaluation period of every audit alarm. */
export const ALARM_PERIOD = Duration.minutes(5);

export const DEFAULT_THRESHOLDS: Required<AuditAlarmThresholds> = {
  deniedRequests: 1,
  rejectedAgentFlows: 1,
  blockedDnsQueries: 1,
  proxyServerErrors: 25,
};

/**
 * The alarm topic: KMS-encrypted with the audit key, publishing only over TLS and only by
 * CloudWatch alarms of this account.
 */
export function createAlarmTopic(
  scope: Construct,
  id: string,
  key: kms.IKey,
  emails: readonly string[],
): sns.Topic {
  const { partition, region, account } = Stack.of(scope);
  const topic = new sns.Topic(scope, id, {
    displayName: 'agent-perimeter audit alarms',
    masterKey: key,
    enforceSSL: true,
  });
  topic.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'CloudWatchAlarmsOfThisAccount',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: {
        StringEquals: { 'aws:SourceAccount': account },
        ArnLike: { 'aws:SourceArn': `arn:${partition}:cloudwatch:${region}:${account}:alarm:*` },
      },
    }),
  );
  for (const email of emails) topic.addSubscription(new subscriptions.EmailSubscription(email));
  return topic;
}

export interface LogAlarmInputs {
  readonly logGroup: logs.ILogGroup;
  readonly pattern: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly threshold: number;
  readonly description: string;
  readonly topic: sns.ITopic;
}

/** A metric filter counting matching log events, and an alarm on its 5-minute sum. */
export function logAlarm(
  scope: Construct,
  id: string,
  inputs: LogAlarmInputs,
): { filter: logs.MetricFilter; alarm: cloudwatch.Alarm } {
  const filter = new logs.MetricFilter(scope, `${id}Filter`, {
    logGroup: inputs.logGroup,
    filterPattern: logs.FilterPattern.literal(inputs.pattern),
    metricNamespace: inputs.namespace,
    metricName: inputs.metricName,
    metricValue: '1',
    defaultValue: 0,
    unit: cloudwatch.Unit.COUNT,
  });
  const alarm = new cloudwatch.Alarm(scope, `${id}Alarm`, {
    alarmDescription: inputs.description,
    metric: filter.metric({ statistic: cloudwatch.Stats.SUM, period: ALARM_PERIOD }),
    threshold: inputs.threshold,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  alarm.addAlarmAction(new cwActions.SnsAction(inputs.topic));
  alarm.addOkAction(new cwActions.SnsAction(inputs.topic));
  return { filter, alarm };
}

/**
 * Alarms when a delivery stream's oldest record has waited far longer than its buffer: the
 * audit trail is not reaching the bucket (permissions, KMS, Object Lock, throttling).
 */
export function deliveryAlarm(
  scope: Construct,
  id: string,
  stream: firehose.CfnDeliveryStream,
  sourceName: string,
  topic: sns.ITopic,
): cloudwatch.Alarm {
  const staleAfter = DELIVERY_BUFFER_SECONDS * 15;
  const alarm = new cloudwatch.Alarm(scope, id, {
    alarmDescription: `The ${sourceName} audit records have not reached the audit bucket for over ${staleAfter / 60} minutes. Check the delivery stream's error log group and the errors/${sourceName}/ prefix.`,
    metric: new cloudwatch.Metric({
      namespace: 'AWS/Firehose',
      metricName: 'DeliveryToS3.DataFreshness',
      dimensionsMap: { DeliveryStreamName: stream.ref },
      statistic: cloudwatch.Stats.MAXIMUM,
      period: ALARM_PERIOD,
    }),
    threshold: staleAfter,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  alarm.addAlarmAction(new cwActions.SnsAction(topic));
  alarm.addOkAction(new cwActions.SnsAction(topic));
  return alarm;
}
