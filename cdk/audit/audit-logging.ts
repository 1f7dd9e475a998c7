import { RemovalPolicy } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { Policy } from '../../lib/policy/index.js';
import type { ProbeSignature } from '../../lib/probe/signature.js';
import { logRetention } from '../proxy-tier/retention.js';
import {
  type AuditAlarmThresholds,
  createAlarmTopic,
  DEFAULT_THRESHOLDS,
  deliveryAlarm,
  logAlarm,
} from './alarms.js';
import { createAccessLogBucket, createAuditBucket } from './buckets.js';
import { createDelivery } from './delivery.js';
import { AuditLoggingError } from './errors.js';
import { allowAuditDelivery, createAuditKey } from './key.js';
import {
  blockedDnsQueriesPattern,
  deniedRequestsPattern,
  proxyServerErrorsPattern,
  rejectedAgentFlowsPattern,
} from './patterns.js';
import { guardAuditSources } from './source-check.js';
import type { AuditSource } from './sources.js';
import { subscribeSources } from './subscriptions.js';
import { createTaskEvents, type TaskEventParts } from './task-events.js';

/** Properties of {@link AuditLogging}. */
export interface AuditLoggingProps {
  /** The validated policy: its name (metric namespace) and `logging.retention_days`. */
  readonly policy: Policy;
  /** The proxy's JSON access log (one line per request, allowed or denied). */
  readonly proxyAccessLogGroup: logs.ILogGroup;
  /** The VPC flow logs. */
  readonly flowLogGroup: logs.ILogGroup;
  /**
   * The flow log's custom format (`${version} ${subnet-id} ...`), which the rejected-flows
   * filter parses. It must contain `${subnet-id}` and `${action}`.
   */
  readonly flowLogFormat: string;
  /** Route 53 Resolver query logs (with the DNS firewall's verdicts). */
  readonly dnsQueryLogGroup: logs.ILogGroup;
  /** The agent subnets: rejected flows captured there are agents trying to bypass the proxy. */
  readonly agentSubnets: readonly ec2.ISubnet[];
  /** Key for Firehose's delivery-error log group; must allow CloudWatch Logs. */
  readonly logKey: kms.IKey;
  /**
   * Principals that may read the audit bucket and decrypt its objects (e.g. a security team's
   * role for Athena). Nobody else gets data access through the key policy.
   * @default - none
   */
  readonly readers?: readonly iam.IPrincipal[];
  /**
   * Email addresses subscribed to the alarm topic (each must confirm the subscription).
   * @default - none; subscribe to `alarmTopic` yourself
   */
  readonly alarmEmails?: readonly string[];
  /** @default - see {@link AuditAlarmThresholds} */
  readonly thresholds?: AuditAlarmThresholds;
  /**
   * More log groups for the audit bucket, each under its own prefix (e.g. the egress probe's
   * reports, `probe/`). They are checked like the others: KMS-encrypted, the policy's retention.
   * @default - none
   */
  readonly additionalSources?: readonly AuditSource[];
  /**
   * The egress probe's traffic, left out of the refused-requests, rejected-flows and
   * blocked-DNS alarms (it is refused on purpose every run): its task definition family (flow
   * logs) and its signature in the proxy and DNS logs (`ProbeTask.signature`).
   * @default - nothing left out
   */
  readonly probeTraffic?: { readonly taskFamily: string; readonly signature: ProbeSignature };
  /**
   * The cluster the agents (and the probe) run in: its ECS task state changes, each with the
   * task's private address, are recorded under `tasks/` in the audit bucket, so the address in
   * a proxy, flow or DNS line can be traced to a task long after ECS forgot it.
   * @default - no task-event record
   */
  readonly taskCluster?: ecs.ICluster;
  /**
   * The landing zone's central S3 access-log bucket and key prefix: the audit bucket's server
   * access logs go there, and the stack creates no access-log bucket of its own.
   * @default - a bucket of this stack (`accessLogBucket`)
   */
  readonly centralAccessLogs?: { readonly bucketName: string; readonly prefix: string };
}

/**
 * The perimeter's tamper-evident audit trail, out of the agents' reach (controls C1, C21):
 * the proxy access log, VPC flow logs and DNS query logs (already KMS-encrypted CloudWatch log
 * groups with the policy's retention, checked at synth time) are streamed by subscription
 * filters through Firehose into one S3 bucket with Object Lock in compliance mode for the
 * policy's retention, versioning, SSE-KMS, a TLS-only policy that also forbids deletes, public
 * access blocked and its own server access logs. Metric filters raise alarms on an encrypted
 * SNS topic for refused requests, rejected agent flows, blocked DNS queries, proxy 5xx spikes
 * and a stalled delivery.
 */
export class AuditLogging extends Construct {
  /** The CloudWatch log groups copied into the audit bucket. */
  readonly sources: readonly AuditSource[];
  readonly retentionDays: number;
  /** Encrypts the audit bucket, the delivery streams and the alarm topic. */
  readonly key: kms.Key;
  /** The audit bucket: one prefix per source (`proxy/`, `flow/`, `dns/`), Object Lock on. */
  readonly bucket: s3.Bucket;
  /** Receives the audit bucket's server access logs. */
  /** Undefined with `centralAccessLogs`. */
  readonly accessLogBucket: s3.Bucket | undefined;
  /** Firehose's own delivery errors. */
  readonly deliveryErrorLogGroup: logs.LogGroup;
  readonly deliveryRole: iam.Role;
  readonly deliveryPolicy: iam.ManagedPolicy;
  /** One delivery stream per source, keyed by source name. */
  readonly deliveryStreams: Readonly<Record<string, firehose.CfnDeliveryStream>>;
  readonly subscriptionRole: iam.Role;
  readonly subscriptionPolicy: iam.ManagedPolicy;
  /** One subscription filter per source, keyed by source name. */
  readonly subscriptionFilters: Readonly<Record<string, logs.CfnSubscriptionFilter>>;
  readonly alarmTopic: sns.Topic;
  /** Undefined without `taskCluster`. */
  readonly taskEventLogGroup: logs.LogGroup | undefined;
  /** The EventBridge rule copying the cluster's task state changes; undefined without `taskCluster`. */
  readonly taskEventRule: events.CfnRule | undefined;
  /** Lets only that rule write into the task-event log group; undefined without `taskCluster`. */
  readonly taskEventLogPolicy: logs.CfnResourcePolicy | undefined;
  /** CloudWatch namespace of the audit metrics: `AgentPerimeter/<policy name>`. */
  readonly metricNamespace: string;
  readonly metricFilters: Readonly<Record<string, logs.MetricFilter>>;
  readonly alarms: Readonly<Record<string, cloudwatch.Alarm>>;

  constructor(scope: Construct, id: string, props: AuditLoggingProps) {
    super(scope, id);
    const { policy } = props;
    this.retentionDays = policy.logging.retention_days;
    const thresholds = { ...DEFAULT_THRESHOLDS, ...props.thresholds };
    for (const [name, value] of Object.entries(thresholds)) {
      if (!Number.isInteger(value) || value < 1) {
        throw new AuditLoggingError(
          `thresholds.${name} is ${value}; alarms need a whole number of events, at least 1. Fix: set it to 1 or more, or leave it out for ${DEFAULT_THRESHOLDS[name as keyof AuditAlarmThresholds]}.`,
        );
      }
    }
    // Built before any resource so a bad flow-log format fails first.
    const rejectedFlows = rejectedAgentFlowsPattern(
      props.flowLogFormat,
      props.agentSubnets.map((s) => s.subnetId),
      props.probeTraffic === undefined ? [] : [props.probeTraffic.taskFamily],
    );
    const probeSignature = props.probeTraffic?.signature;
    const taskEvents: TaskEventParts | undefined =
      props.taskCluster === undefined
        ? undefined
        : createTaskEvents(this, {
            cluster: props.taskCluster,
            logKey: props.logKey,
            retentionDays: this.retentionDays,
          });
    this.taskEventLogGroup = taskEvents?.logGroup;
    this.taskEventRule = taskEvents?.rule;
    this.taskEventLogPolicy = taskEvents?.resourcePolicy;
    this.sources = [
      {
        name: 'proxy',
        logGroup: props.proxyAccessLogGroup,
        description: 'Envoy access log: one JSON line per request, allowed or denied',
      },
      {
        name: 'flow',
        logGroup: props.flowLogGroup,
        description: 'VPC flow logs: every flow in the VPC with its ACCEPT/REJECT verdict',
      },
      {
        name: 'dns',
        logGroup: props.dnsQueryLogGroup,
        description: 'Route 53 Resolver query logs with the DNS firewall verdicts',
      },
      ...(taskEvents === undefined ? [] : [taskEvents.source]),
      ...(props.additionalSources ?? []),
    ];
    guardAuditSources(this, this.sources, this.retentionDays);
    const readers = props.readers ?? [];

    this.key = createAuditKey(this, 'Key', { readers });
    this.accessLogBucket =
      props.centralAccessLogs === undefined
        ? createAccessLogBucket(this, 'AccessLogBucket', this.retentionDays)
        : undefined;
    this.bucket = createAuditBucket(this, 'Bucket', {
      key: this.key,
      retentionDays: this.retentionDays,
      accessLogs:
        this.accessLogBucket === undefined
          ? {
              kind: 'central',
              ...(props.centralAccessLogs as { bucketName: string; prefix: string }),
            }
          : { kind: 'own', bucket: this.accessLogBucket },
      readers,
    });

    this.deliveryErrorLogGroup = new logs.LogGroup(this, 'DeliveryErrors', {
      encryptionKey: props.logKey,
      retention: logRetention(this.retentionDays),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const delivery = createDelivery(this, {
      sources: this.sources,
      bucket: this.bucket,
      key: this.key,
      errorLogGroup: this.deliveryErrorLogGroup,
    });
    this.deliveryRole = delivery.role;
    this.deliveryPolicy = delivery.policy;
    this.deliveryStreams = delivery.streams;
    allowAuditDelivery(this.key, this.deliveryRole);

    const subscriptions = subscribeSources(this, this.sources, this.deliveryStreams);
    this.subscriptionRole = subscriptions.role;
    this.subscriptionPolicy = subscriptions.policy;
    this.subscriptionFilters = subscriptions.filters;

    this.alarmTopic = createAlarmTopic(this, 'AlarmTopic', this.key, props.alarmEmails ?? []);
    this.metricNamespace = `AgentPerimeter/${policy.name}`;
    const alarmInputs = {
      ProxyDeniedRequests: {
        logGroup: props.proxyAccessLogGroup,
        pattern: deniedRequestsPattern(probeSignature),
        threshold: thresholds.deniedRequests,
        description:
          'The proxy refused requests: an agent tried to reach a host or port the policy does not allow. See docs/runbook.md "Denied requests".',
      },
      AgentRejectedFlows: {
        logGroup: props.flowLogGroup,
        pattern: rejectedFlows,
        threshold: thresholds.rejectedAgentFlows,
        description:
          'Security groups or NACLs rejected traffic leaving the agent subnets: something tried to get out other than through the proxy. See docs/runbook.md "Rejected flows".',
      },
      DnsBlockedQueries: {
        logGroup: props.dnsQueryLogGroup,
        pattern: blockedDnsQueriesPattern(probeSignature),
        threshold: thresholds.blockedDnsQueries,
        description:
          'The DNS firewall blocked queries for names outside the allowlist (possible DNS tunnelling). See docs/runbook.md "Blocked DNS queries".',
      },
      ProxyServerErrors: {
        logGroup: props.proxyAccessLogGroup,
        pattern: proxyServerErrorsPattern(),
        threshold: thresholds.proxyServerErrors,
        description:
          'The proxy answered many requests with 5xx: upstream outage, proxy overload, or an agent hammering a host. See docs/runbook.md "Proxy 5xx".',
      },
    };
    const metricFilters: Record<string, logs.MetricFilter> = {};
    const alarms: Record<string, cloudwatch.Alarm> = {};
    for (const [name, inputs] of Object.entries(alarmInputs)) {
      const { filter, alarm } = logAlarm(this, name, {
        ...inputs,
        namespace: this.metricNamespace,
        metricName: name,
        topic: this.alarmTopic,
      });
      metricFilters[name] = filter;
      alarms[name] = alarm;
    }
    for (const source of this.sources) {
      const stream = this.deliveryStreams[source.name] as firehose.CfnDeliveryStream;
      alarms[`${source.name}Delivery`] = deliveryAlarm(
        this,
        `${source.name}DeliveryStaleAlarm`,
        stream,
        source.name,
        this.alarmTopic,
      );
    }
    this.metricFilters = metricFilters;
    this.alarms = alarms;
  }
}
