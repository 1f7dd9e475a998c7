// The offline CloudFormation validator adds seconds per synth and checks nothing we assert.
process.env.CDK_VALIDATION = 'false';

import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import {
  AuditLogging,
  AuditLoggingError,
  blockedDnsQueriesPattern,
  deniedRequestsPattern,
  flowLogFields,
  proxyServerErrorsPattern,
  rejectedAgentFlowsPattern,
  TASK_EVENT_WRITE_ACTIONS,
  TASK_EVENT_WRITERS,
  TASK_EVENTS_SOURCE,
  taskStateChangePattern,
} from '../../cdk/audit/index.js';
import { acknowledgementsUnder } from '../../cdk/nag.js';
import { AgentPerimeterStack } from '../../cdk/stack/index.js';
import type { Policy } from '../../lib/policy/index.js';
import { ACCESS_LOG_FIELDS, DENY_PREFIX } from '../../lib/proxy-contract.js';
import { renderCheckedProxyConfig } from '../../proxy/index.js';
import {
  props,
  refOf,
  renderString,
  resources,
  resourcesOfType,
} from '../helpers/cdk-network-template.js';
import { matchesSpaceDelimited } from '../helpers/filter-pattern.js';
import { packFindings, packRows, unusedAcknowledgements } from '../helpers/nag.js';
import { policyYaml, validPolicy } from '../helpers/policy.js';

const RETENTION = 90;
const POLICY: Policy = validPolicy(
  policyYaml(
    '  - host: api.anthropic.com\n    inject: { header: x-api-key, secret: anthropic-api-key }',
    `agents:\n  - name: coder\n    image: public.ecr.aws/docker/library/node:22\nlogging:\n  retention_days: ${RETENTION}`,
  ),
);
const AUDITOR = 'arn:aws:iam::123456789012:role/security-auditor';

// One synth of the whole perimeter with audit readers and an alarm email.
const app = new App();
const stack = new AgentPerimeterStack(app, 'AuditTest', {
  policy: POLICY,
  envoyConfig: renderCheckedProxyConfig(POLICY),
  audit: { readers: [new iam.ArnPrincipal(AUDITOR)], alarmEmails: ['secops@example.com'] },
});
const template = Template.fromStack(stack);
const all = resources(template);
const { audit, network, proxy } = stack;

function idOf(construct: IConstruct | undefined): string {
  let current = construct;
  while (current !== undefined && current.node.defaultChild !== undefined)
    current = current.node.defaultChild;
  const logicalId = (current as { logicalId?: string } | undefined)?.logicalId;
  if (logicalId === undefined) throw new Error('no CloudFormation element');
  return stack.resolve(logicalId) as string;
}
const p = (construct: IConstruct | undefined) => props(all[idOf(construct)]);

interface Statement {
  readonly Sid?: string;
  readonly Effect: string;
  readonly Principal?: unknown;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}
const list = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
const statements = (doc: unknown) => (doc as { Statement: Statement[] }).Statement;
const bucketArn = { 'Fn::GetAtt': [idOf(audit.bucket), 'Arn'] };

describe('the audit bucket', () => {
  const bucket = p(audit.bucket);

  it('locks every record in compliance mode for the policy retention, versioned', () => {
    expect(bucket.ObjectLockEnabled).toBe(true);
    expect(bucket.ObjectLockConfiguration).toEqual({
      ObjectLockEnabled: 'Enabled',
      Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: RETENTION } },
    });
    expect(bucket.VersioningConfiguration).toEqual({ Status: 'Enabled' });
  });

  it('encrypts with SSE-KMS under the audit key and blocks public access', () => {
    expect(bucket.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [
        {
          BucketKeyEnabled: true,
          ServerSideEncryptionByDefault: {
            SSEAlgorithm: 'aws:kms',
            KMSMasterKeyID: { 'Fn::GetAtt': [idOf(audit.key), 'Arn'] },
          },
        },
      ],
    });
    expect(bucket.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
  });

  it('writes its own server access logs to a separate bucket', () => {
    expect(bucket.LoggingConfiguration).toEqual({
      DestinationBucketName: { Ref: idOf(audit.accessLogBucket) },
      LogFilePrefix: 'audit-bucket/',
    });
  });

  it('denies plain HTTP, old TLS, deletes, and objects under any other key', () => {
    const [[, policy] = []] = resourcesOfType(template, 'AWS::S3::BucketPolicy').filter(
      ([, r]) => refOf(props(r).Bucket) === idOf(audit.bucket),
    );
    const denies = statements(props(policy).PolicyDocument).filter((s) => s.Effect === 'Deny');
    expect(
      denies.find((s) => s.Condition?.Bool?.['aws:SecureTransport'] === 'false'),
    ).toMatchObject({ Action: 's3:*', Principal: { AWS: '*' } });
    expect(denies.find((s) => s.Sid === 'DenyObjectDeletion')?.Action).toEqual([
      's3:DeleteObject',
      's3:DeleteObjectVersion',
    ]);
    expect(denies.find((s) => s.Sid === 'DenyOtherEncryption')?.Condition).toEqual({
      StringNotEqualsIfExists: {
        's3:x-amz-server-side-encryption-aws-kms-key-id': {
          'Fn::GetAtt': [idOf(audit.key), 'Arn'],
        },
      },
    });
  });

  it('lets the named audit readers read, and nobody else by bucket policy', () => {
    const [[, policy] = []] = resourcesOfType(template, 'AWS::S3::BucketPolicy').filter(
      ([, r]) => refOf(props(r).Bucket) === idOf(audit.bucket),
    );
    const allows = statements(props(policy).PolicyDocument).filter((s) => s.Effect === 'Allow');
    expect(allows).toHaveLength(1);
    expect(allows[0]).toMatchObject({
      Sid: 'AuditReaders',
      Principal: { AWS: AUDITOR },
      Action: ['s3:GetObject', 's3:GetObjectVersion', 's3:ListBucket', 's3:GetBucketLocation'],
    });
  });

  it('keeps the access-log bucket private, TLS-only, versioned, writable only by S3 logging', () => {
    const logBucket = p(audit.accessLogBucket);
    expect(logBucket.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(logBucket.PublicAccessBlockConfiguration).toMatchObject({ BlockPublicPolicy: true });
    expect(logBucket.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [
        { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
      ],
    });
    const [[, policy] = []] = resourcesOfType(template, 'AWS::S3::BucketPolicy').filter(
      ([, r]) => refOf(props(r).Bucket) === idOf(audit.accessLogBucket),
    );
    const doc = statements(props(policy).PolicyDocument);
    expect(doc.some((s) => s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'])).toBe(
      true,
    );
    const allow = doc.filter((s) => s.Effect === 'Allow');
    expect(allow).toHaveLength(1);
    expect(allow[0]).toMatchObject({
      Principal: { Service: 'logging.s3.amazonaws.com' },
      Action: 's3:PutObject',
      Condition: { ArnLike: { 'aws:SourceArn': bucketArn } },
    });
  });
});

describe('the audit key', () => {
  const policy = statements(p(audit.key).KeyPolicy);

  it('rotates yearly', () => {
    expect(p(audit.key).EnableKeyRotation).toBe(true);
  });

  it('gives the account administration only, no data access', () => {
    const admin = policy.find((s) => s.Sid === 'KeyAdministrationWithoutDataAccess');
    expect(renderString((admin?.Principal as { AWS?: unknown } | undefined)?.AWS)).toBe(
      'arn:<AWS::Partition>:iam::<AWS::AccountId>:root',
    );
    for (const action of list(admin?.Action ?? [])) {
      expect(action).not.toMatch(/^kms:(\*|Decrypt|Encrypt|GenerateDataKey|ReEncrypt)/);
    }
  });

  it('lets nobody but AWS services create grants, and administrators not even that', () => {
    const admin = policy.find((s) => s.Sid === 'KeyAdministrationWithoutDataAccess');
    const actions = [admin?.Action].flat() as string[];
    // kms:Create* would include CreateGrant, through which an admin could grant itself Decrypt.
    expect(actions).toContain('kms:CreateAlias');
    expect(actions.filter((a) => a.startsWith('kms:Create'))).toEqual(['kms:CreateAlias']);
    expect(actions.some((a) => a.includes('Grant') && !a.startsWith('kms:Revoke'))).toBe(false);
    const deny = policy.find((s) => s.Sid === 'GrantsOnlyForAwsServices');
    expect(deny).toMatchObject({
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 'kms:CreateGrant',
      Resource: '*',
      Condition: {
        BoolIfExists: {
          'kms:GrantIsForAWSResource': 'false',
          'aws:PrincipalIsAWSService': 'false',
        },
      },
    });
  });

  it('lets only the delivery role, CloudWatch alarms and the audit readers use it for data', () => {
    const users = policy
      .filter((s) => s.Sid !== 'KeyAdministrationWithoutDataAccess' && s.Effect !== 'Deny')
      .map((s) => [s.Sid, s.Principal, s.Condition?.StringEquals?.['kms:ViaService'] ? 's3' : '']);
    expect(users).toEqual([
      ['CloudWatchAlarmsPublishToAlarmTopic', { Service: 'cloudwatch.amazonaws.com' }, ''],
      ['AuditReadersDecryptThroughS3', { AWS: AUDITOR }, 's3'],
      [
        'FirehoseWritesAuditObjectsThroughS3',
        { AWS: { 'Fn::GetAtt': [idOf(audit.deliveryRole), 'Arn'] } },
        's3',
      ],
    ]);
  });
});

describe('streaming the logs into the bucket', () => {
  const sources = [
    ['proxy', proxy.logGroup],
    ['flow', network.flowLogGroup],
    ['dns', network.dnsQueryLogGroup],
    // The ECS task state changes of the perimeter cluster (who had which address when).
    ['tasks', audit.taskEventLogGroup as logs.LogGroup],
    // The egress probe's reports (ProbeTask, on by default).
    ['probe', (stack.probe as NonNullable<typeof stack.probe>).workload.logGroup],
  ] as const;

  it('keeps every log group KMS-encrypted with the policy retention', () => {
    const groups = resourcesOfType(template, 'AWS::Logs::LogGroup');
    expect(groups.length).toBeGreaterThanOrEqual(5);
    for (const [id, group] of groups) {
      expect(props(group).RetentionInDays, id).toBe(RETENTION);
      expect(props(group).KmsKeyId, id).toBeDefined();
    }
  });

  it.each(sources)('subscribes the %s log group to its own delivery stream', (name, group) => {
    const filters = resourcesOfType(template, 'AWS::Logs::SubscriptionFilter').filter(
      ([, r]) => refOf(props(r).LogGroupName) === idOf(group),
    );
    expect(filters).toHaveLength(1);
    const filter = props(filters[0]?.[1]);
    expect(filter.FilterPattern).toBe('');
    const streamId = idOf(audit.deliveryStreams[name]);
    expect(filter.DestinationArn).toEqual({ 'Fn::GetAtt': [streamId, 'Arn'] });
    expect(refOf(filter.RoleArn)).toBe(idOf(audit.subscriptionRole));
    const destination = props(all[streamId]).ExtendedS3DestinationConfiguration as Record<
      string,
      unknown
    >;
    expect(destination.BucketARN).toEqual(bucketArn);
    expect(destination.Prefix).toBe(
      `${name}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/`,
    );
    expect(destination.ErrorOutputPrefix).toMatch(
      new RegExp(`^errors/${name}/!\\{firehose:error-output-type\\}/`),
    );
  });

  it('encrypts the streams with the audit key and writes plain log lines, gzipped', () => {
    for (const stream of Object.values(audit.deliveryStreams)) {
      const streamProps = props(all[idOf(stream)]);
      expect(streamProps.DeliveryStreamEncryptionConfigurationInput).toEqual({
        KeyType: 'CUSTOMER_MANAGED_CMK',
        KeyARN: { 'Fn::GetAtt': [idOf(audit.key), 'Arn'] },
      });
      const destination = streamProps.ExtendedS3DestinationConfiguration as {
        CompressionFormat: string;
        EncryptionConfiguration: unknown;
        CloudWatchLoggingOptions: { Enabled: boolean };
        ProcessingConfiguration: { Processors: { Type: string }[] };
      };
      expect(destination.CompressionFormat).toBe('GZIP');
      expect(destination.EncryptionConfiguration).toEqual({
        KMSEncryptionConfig: { AWSKMSKeyARN: { 'Fn::GetAtt': [idOf(audit.key), 'Arn'] } },
      });
      expect(destination.CloudWatchLoggingOptions.Enabled).toBe(true);
      expect(destination.ProcessingConfiguration.Processors.map((x) => x.Type)).toEqual([
        'Decompression',
        'CloudWatchLogProcessing',
        'AppendDelimiterToRecord',
      ]);
    }
  });

  it('lets CloudWatch Logs of this account, and only it, put records into the streams', () => {
    const trust = statements(p(audit.subscriptionRole).AssumeRolePolicyDocument);
    expect(trust[0]?.Principal).toEqual({ Service: 'logs.amazonaws.com' });
    expect(renderString(trust[0]?.Condition?.StringLike?.['aws:SourceArn'])).toBe(
      'arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:*',
    );
    const [put] = statements(p(audit.subscriptionPolicy).PolicyDocument);
    expect(put?.Action).toEqual(['firehose:PutRecord', 'firehose:PutRecordBatch']);
    expect(list(put?.Resource)).toHaveLength(sources.length);
  });

  it("limits Firehose's object wildcards to the sources' prefixes", () => {
    const trust = statements(p(audit.deliveryRole).AssumeRolePolicyDocument);
    expect(trust[0]?.Condition?.StringEquals?.['sts:ExternalId']).toEqual({
      Ref: 'AWS::AccountId',
    });
    const doc = statements(p(audit.deliveryPolicy).PolicyDocument);
    const wild = doc.flatMap((s) =>
      list(s.Resource)
        .map(renderString)
        .filter((r) => r.includes('*')),
    );
    expect(wild.map((r) => r.replace(/^.*"Arn"\]\}/, '<bucket>'))).toEqual([
      '<bucket>/proxy/*',
      '<bucket>/errors/proxy/*',
      '<bucket>/flow/*',
      '<bucket>/errors/flow/*',
      '<bucket>/dns/*',
      '<bucket>/errors/dns/*',
      '<bucket>/tasks/*',
      '<bucket>/errors/tasks/*',
      '<bucket>/probe/*',
      '<bucket>/errors/probe/*',
    ]);
    for (const s of doc) expect(list(s.Action).some((a) => a.includes('*'))).toBe(false);
  });

  it('uses no inline IAM policies', () => {
    expect(
      resourcesOfType(template, 'AWS::IAM::Policy').filter(([id]) => id.startsWith('Audit')),
    ).toEqual([]);
  });
});

describe('alarms', () => {
  const filter = (name: string) => p(audit.metricFilters[name]);
  const alarm = (name: string) => p(audit.alarms[name]);
  const topic = { Ref: idOf(audit.alarmTopic) };

  it('counts refused requests from the proxy access log contract', () => {
    expect(deniedRequestsPattern()).toBe(
      `{ ($.route_name = "${DENY_PREFIX}*") || ($.filter_chain = "${DENY_PREFIX}*") || ($.response_code_details = "rbac_access_denied_matched_policy[${DENY_PREFIX}*") || ($.response_code_details = "local_rate_limited") }`,
    );
    // CloudWatch Logs refuses filter patterns over 1,024 characters.
    expect(deniedRequestsPattern().length).toBeLessThan(1024);
    expect(proxyServerErrorsPattern()).toBe('{ $.response_code >= 500 }');
    expect(Object.keys(ACCESS_LOG_FIELDS)).toEqual(
      expect.arrayContaining(['route_name', 'response_code']),
    );
    expect(filter('ProxyDeniedRequests')).toMatchObject({
      // The egress probe's own refusals are left out (test/cdk/audit/alarms.test.ts).
      FilterPattern: deniedRequestsPattern(stack.probe?.signature),
      LogGroupName: { Ref: idOf(proxy.logGroup) },
      MetricTransformations: [
        { MetricName: 'ProxyDeniedRequests', MetricNamespace: 'AgentPerimeter/test' },
      ],
    });
    expect(filter('ProxyServerErrors').LogGroupName).toEqual({ Ref: idOf(proxy.logGroup) });
  });

  it('counts DNS firewall blocks from the query log', () => {
    expect(filter('DnsBlockedQueries')).toMatchObject({
      FilterPattern: blockedDnsQueriesPattern(stack.probe?.signature),
      LogGroupName: { Ref: idOf(network.dnsQueryLogGroup) },
    });
  });

  it('counts rejected egress flows captured in the agent subnets', () => {
    const pattern = renderString(filter('AgentRejectedFlows').FilterPattern);
    const subnets = network.agentSubnets.map((s) => `subnet_id = "<${idOf(s)}>"`).join(' || ');
    expect(pattern).toContain(subnets);
    expect(pattern).toContain('action = "REJECT"');
    expect(pattern).toContain('flow_direction = "egress"');
    expect(pattern).toContain('ecs_task_definition_arn != "*/agent-perimeter-test--probe:*"');
    expect(filter('AgentRejectedFlows').LogGroupName).toEqual({ Ref: idOf(network.flowLogGroup) });
  });

  it.each([
    ['ProxyDeniedRequests', 1],
    ['AgentRejectedFlows', 1],
    ['DnsBlockedQueries', 1],
    ['ProxyServerErrors', 25],
  ])('raises %s at %d events in 5 minutes on the encrypted topic', (name, threshold) => {
    expect(alarm(name)).toMatchObject({
      Threshold: threshold,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Period: 300,
      Statistic: 'Sum',
      TreatMissingData: 'notBreaching',
      AlarmActions: [topic],
      OKActions: [topic],
      MetricName: name,
    });
  });

  it('alarms when a delivery stream stops reaching the bucket', () => {
    for (const name of ['proxy', 'flow', 'dns', 'tasks', 'probe']) {
      expect(alarm(`${name}Delivery`)).toMatchObject({
        Namespace: 'AWS/Firehose',
        MetricName: 'DeliveryToS3.DataFreshness',
        Dimensions: [
          { Name: 'DeliveryStreamName', Value: { Ref: idOf(audit.deliveryStreams[name]) } },
        ],
        AlarmActions: [topic],
      });
    }
  });

  it('publishes to a KMS-encrypted, TLS-only topic that only this account’s alarms may use', () => {
    expect(p(audit.alarmTopic).KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [idOf(audit.key), 'Arn'] });
    const [[, policy] = []] = resourcesOfType(template, 'AWS::SNS::TopicPolicy');
    const doc = statements(props(policy).PolicyDocument);
    expect(doc.some((s) => s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'])).toBe(
      true,
    );
    expect(doc.find((s) => s.Effect === 'Allow')).toMatchObject({
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Action: 'sns:Publish',
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'secops@example.com',
    });
  });
});

describe('filter patterns', () => {
  const format = (stack.network.flowLog.node.defaultChild as ec2.CfnFlowLog).logFormat ?? '';
  const fields = flowLogFields(format);
  const line = (overrides: Record<string, string>) =>
    fields.map((f) => overrides[f] ?? (f === 'version' ? '5' : '-')).join(' ');
  const pattern = rejectedAgentFlowsPattern(format, ['subnet-agent-a', 'subnet-agent-b']);

  it("parses the network's flow-log format", () => {
    expect(fields).toEqual(expect.arrayContaining(['subnet_id', 'action', 'flow_direction']));
    expect(fields[0]).toBe('version');
  });

  it('matches a rejected flow leaving an agent subnet, and nothing else', () => {
    const reject = { subnet_id: 'subnet-agent-b', action: 'REJECT', flow_direction: 'egress' };
    expect(matchesSpaceDelimited(pattern, line(reject))).toBe(true);
    expect(matchesSpaceDelimited(pattern, line({ ...reject, action: 'ACCEPT' }))).toBe(false);
    expect(matchesSpaceDelimited(pattern, line({ ...reject, subnet_id: 'subnet-proxy' }))).toBe(
      false,
    );
    expect(matchesSpaceDelimited(pattern, line({ ...reject, flow_direction: 'ingress' }))).toBe(
      false,
    );
  });

  it('refuses a flow-log format that cannot tell agent traffic apart', () => {
    expect(() => rejectedAgentFlowsPattern(`\${srcaddr} \${action}`, ['subnet-a'])).toThrow(
      `the flow log format lacks \${subnet-id}`,
    );
    expect(() => flowLogFields(`\${srcaddr} oops`)).toThrow(AuditLoggingError);
  });
});

describe('the task-event record (which task had which address when)', () => {
  const rule = p(audit.taskEventRule);
  const policy = p(audit.taskEventLogPolicy);
  const group = audit.taskEventLogGroup as logs.LogGroup;
  const clusterArn = { 'Fn::GetAtt': [idOf(stack.agents.cluster), 'Arn'] };

  it('matches ECS task state changes of the perimeter cluster and nothing else', () => {
    expect(rule.State).toBe('ENABLED');
    expect(rule.EventPattern).toEqual({
      source: ['aws.ecs'],
      'detail-type': ['ECS Task State Change'],
      detail: { clusterArn: [clusterArn] },
    });
    expect(taskStateChangePattern('arn:x').detail.clusterArn).toEqual(['arn:x']);
  });

  it('delivers the whole event into a KMS-encrypted log group with the policy retention', () => {
    const targets = rule.Targets as { Arn: unknown; Input?: unknown; InputPath?: unknown }[];
    expect(targets).toHaveLength(1);
    const arn = renderString(targets[0]?.Arn);
    expect(arn).toBe(
      `arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:<${idOf(group)}>`,
    );
    // No transformer: the task ARN, definition, group, times and ENI address all stay.
    expect(targets[0]?.Input).toBeUndefined();
    expect(targets[0]?.InputPath).toBeUndefined();
    expect(p(group)).toMatchObject({
      RetentionInDays: RETENTION,
      KmsKeyId: { 'Fn::GetAtt': [idOf(network.logKey), 'Arn'] },
    });
    expect(audit.sources.map((s) => s.name)).toContain(TASK_EVENTS_SOURCE);
  });

  it('lets only EventBridge, for this rule in this account, write into that log group', () => {
    // toJsonString renders a Fn::Join of JSON text and tokens: name each token in place.
    const [sep, parts] = (policy.PolicyDocument as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
    const text = parts
      .map((part) => {
        if (typeof part === 'string') return part;
        const token = part as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
        return token.Ref ?? (token['Fn::GetAtt'] ?? []).join('.');
      })
      .join(sep);
    const doc = JSON.parse(text) as { Statement: Statement[] };
    expect(doc.Statement).toHaveLength(1);
    const [only] = doc.Statement;
    expect(only?.Effect).toBe('Allow');
    expect(only?.Principal).toEqual({ Service: [...TASK_EVENT_WRITERS] });
    const actions = list(only?.Action ?? []);
    expect(actions.sort()).toEqual([...TASK_EVENT_WRITE_ACTIONS].sort());
    expect(actions.some((a) => a.includes('*'))).toBe(false);
    expect(only?.Resource).toBe(`${idOf(group)}.Arn`);
    expect(only?.Condition).toEqual({
      StringEquals: { 'aws:SourceAccount': 'AWS::AccountId' },
      ArnEquals: { 'aws:SourceArn': `${idOf(audit.taskEventRule)}.Arn` },
    });
  });

  it('is an audit source: subscribed, delivered under tasks/ and alarmed when stale', () => {
    expect(audit.deliveryStreams[TASK_EVENTS_SOURCE]).toBeDefined();
    expect(audit.alarms[`${TASK_EVENTS_SOURCE}Delivery`]).toBeDefined();
  });
});

describe('synth-time checks of the sources', () => {
  /** AuditLogging alone, on log groups built here. */
  const standalone = (encrypted: boolean, retention: logs.RetentionDays) => {
    const scaffoldApp = new App();
    const scaffold = new Stack(scaffoldApp, 'Scaffold');
    const key = new kms.Key(scaffold, 'Key', { enableKeyRotation: true });
    const vpc = new ec2.Vpc(scaffold, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [],
    });
    const subnet = new ec2.Subnet(scaffold, 'Subnet', {
      vpcId: vpc.vpcId,
      availabilityZone: 'a',
      cidrBlock: '10.0.0.0/24',
    });
    const group = (id: string) =>
      new logs.LogGroup(scaffold, id, { retention, ...(encrypted ? { encryptionKey: key } : {}) });
    new AuditLogging(scaffold, 'Audit', {
      policy: POLICY,
      proxyAccessLogGroup: group('Proxy'),
      flowLogGroup: group('Flow'),
      flowLogFormat: `\${subnet-id} \${action}`,
      dnsQueryLogGroup: group('Dns'),
      agentSubnets: [subnet],
      logKey: key,
    });
    return () => scaffoldApp.synth();
  };

  it('fails synth for an unencrypted source or a retention other than the policy', () => {
    expect(standalone(false, logs.RetentionDays.ONE_YEAR)).toThrow(
      /audit source "proxy" .* is not encrypted with a customer-managed KMS key[\s\S]*keeps events for 365 days, not the policy's logging.retention_days \(90\)/,
    );
  });

  it('accepts encrypted sources with the policy retention', () => {
    expect(standalone(true, logs.RetentionDays.THREE_MONTHS)).not.toThrow();
  });
});

describe('compliance', () => {
  it.each(packRows())('%s reports zero unacknowledged findings', (_name, pack) => {
    expect(packFindings(pack, stack)).toEqual([]);
  });

  it('every audit acknowledgement matches a finding on the resource it sits on', () => {
    expect(unusedAcknowledgements(audit)).toEqual([]);
    const ids = acknowledgementsUnder(audit).map((a) => `${a.path.split('/').at(-2)} ${a.id}`);
    expect(ids.filter((id) => id.includes('IAM5'))).toHaveLength(10);
    expect(ids.filter((id) => id.includes('S3BucketReplicationEnabled'))).toHaveLength(6);
    expect(ids.filter((id) => id.includes('S3DefaultEncryptionKMS'))).toHaveLength(3);
    expect(ids.filter((id) => id.startsWith('AccessLogBucket ControlTower::'))).toHaveLength(2);
    expect(ids).toHaveLength(21);
  });
});
