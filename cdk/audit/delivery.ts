import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { acknowledge } from '../nag.js';
import { type AuditSource, errorPrefix, pascal, sourcePrefix } from './sources.js';

/** How long Firehose buffers before writing an object: the audit trail's delay. */
export const DELIVERY_BUFFER_SECONDS = 60;

/** Partitions the objects of a source by delivery date, for Athena partition projection. */
const DATE_PARTITIONS = 'year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/';

export interface DeliveryInputs {
  readonly sources: readonly AuditSource[];
  readonly bucket: s3.IBucket;
  readonly key: kms.IKey;
  /** Firehose's own delivery errors. */
  readonly errorLogGroup: logs.ILogGroup;
}

export interface DeliveryParts {
  readonly role: iam.Role;
  readonly policy: iam.ManagedPolicy;
  /** One delivery stream per source, keyed by source name. */
  readonly streams: Readonly<Record<string, firehose.CfnDeliveryStream>>;
  readonly errorLogStreams: Readonly<Record<string, logs.LogStream>>;
}

/**
 * One Firehose stream per source into the audit bucket: records are CloudWatch Logs batches,
 * which Firehose decompresses, reduces to the original log lines and writes one per line,
 * gzipped, under `<source>/year=/month=/day=/` (so Athena reads them directly). Failed records
 * go under `errors/<source>/`. The streams' buffers are encrypted with the audit key and the
 * objects with SSE-KMS under the same key.
 */
export function createDelivery(scope: Construct, inputs: DeliveryInputs): DeliveryParts {
  const { account } = Stack.of(scope);
  const { bucket, key } = inputs;
  const role = new iam.Role(scope, 'DeliveryRole', {
    description: 'agent-perimeter: Firehose writes the audit trail into the audit bucket',
    assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com', {
      conditions: { StringEquals: { 'sts:ExternalId': account } },
    }),
  });
  const objectArns = inputs.sources.flatMap((source) => [
    bucket.arnForObjects(`${sourcePrefix(source)}*`),
    bucket.arnForObjects(`${errorPrefix(source)}*`),
  ]);
  const policy = new iam.ManagedPolicy(scope, 'DeliveryPolicy', {
    description: "agent-perimeter: write audit objects under the sources' prefixes, nothing else",
    roles: [role],
    statements: [
      new iam.PolicyStatement({
        sid: 'WriteAuditObjects',
        actions: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'],
        resources: objectArns,
      }),
      new iam.PolicyStatement({
        sid: 'FindAuditBucket',
        actions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
        resources: [bucket.bucketArn],
      }),
      new iam.PolicyStatement({
        sid: 'EncryptAuditObjects',
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [key.keyArn],
        conditions: {
          StringEquals: {
            'kms:ViaService': `s3.${Stack.of(scope).region}.${Stack.of(scope).urlSuffix}`,
          },
        },
      }),
      new iam.PolicyStatement({
        sid: 'WriteDeliveryErrors',
        actions: ['logs:PutLogEvents'],
        resources: [inputs.errorLogGroup.logGroupArn],
      }),
    ],
  });
  const stack = Stack.of(scope);
  const cfnPolicy = policy.node.defaultChild as iam.CfnManagedPolicy;
  for (const arn of objectArns) {
    acknowledge(
      cfnPolicy,
      `AwsSolutions-IAM5[Resource::${flatten(stack.resolve(arn))}]`,
      "Firehose names each object it writes by delivery time, so object keys cannot be listed in advance; the wildcard is limited to one source's prefix (or its error prefix) in the audit bucket, where Object Lock keeps every object version it writes until the retention ends.",
    );
  }

  const streams: Record<string, firehose.CfnDeliveryStream> = {};
  const errorLogStreams: Record<string, logs.LogStream> = {};
  for (const source of inputs.sources) {
    const id = pascal(source.name);
    const logStream = new logs.LogStream(scope, `${id}DeliveryErrors`, {
      logGroup: inputs.errorLogGroup,
      logStreamName: `${source.name}-delivery`,
    });
    errorLogStreams[source.name] = logStream;
    const stream = new firehose.CfnDeliveryStream(scope, `${id}Delivery`, {
      deliveryStreamType: 'DirectPut',
      deliveryStreamEncryptionConfigurationInput: {
        keyType: 'CUSTOMER_MANAGED_CMK',
        keyArn: key.keyArn,
      },
      extendedS3DestinationConfiguration: {
        bucketArn: bucket.bucketArn,
        roleArn: role.roleArn,
        prefix: `${sourcePrefix(source)}${DATE_PARTITIONS}`,
        errorOutputPrefix: `${errorPrefix(source)}!{firehose:error-output-type}/${DATE_PARTITIONS}`,
        bufferingHints: { intervalInSeconds: DELIVERY_BUFFER_SECONDS, sizeInMBs: 5 },
        compressionFormat: 'GZIP',
        encryptionConfiguration: { kmsEncryptionConfig: { awskmsKeyArn: key.keyArn } },
        cloudWatchLoggingOptions: {
          enabled: true,
          logGroupName: inputs.errorLogGroup.logGroupName,
          logStreamName: logStream.logStreamName,
        },
        processingConfiguration: {
          enabled: true,
          processors: [
            {
              type: 'Decompression',
              parameters: [{ parameterName: 'CompressionFormat', parameterValue: 'GZIP' }],
            },
            {
              type: 'CloudWatchLogProcessing',
              parameters: [{ parameterName: 'DataMessageExtraction', parameterValue: 'true' }],
            },
            { type: 'AppendDelimiterToRecord' },
          ],
        },
      },
    });
    // Deliver from the first record: the role's permissions exist before the stream.
    stream.node.addDependency(cfnPolicy);
    streams[source.name] = stream;
  }
  return { role, policy, streams, errorLogStreams };
}

/** cdk-nag's rendering of a resolved ARN in finding ids: `<LogicalId.Arn>/prefix/*`. */
function flatten(value: unknown): string {
  if (typeof value === 'string') return value.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (typeof value === 'object' && value !== null) {
    const v = value as {
      Ref?: string;
      'Fn::GetAtt'?: [string, string];
      'Fn::Join'?: [string, unknown[]];
    };
    if (v.Ref !== undefined) return `<${v.Ref}>`;
    const getAtt = v['Fn::GetAtt'];
    if (getAtt !== undefined) return `<${getAtt[0]}.${getAtt[1]}>`;
    const join = v['Fn::Join'];
    if (join !== undefined) return join[1].map(flatten).join(join[0]);
  }
  return JSON.stringify(value);
}
