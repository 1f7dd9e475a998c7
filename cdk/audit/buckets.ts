import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import {
  acknowledge,
  acknowledgeControlTower,
  CONTROL_TOWER_RULES,
  REGULATORY_PACK_NAMES,
} from '../nag.js';

/** Prefix of the audit bucket's server access logs in the access-log bucket. */
export const ACCESS_LOG_PREFIX = 'audit-bucket/';

/**
 * Object-level events to EventBridge (CT.S3.PR.2), set on the CfnBucket itself: CDK's
 * `eventBridgeEnabled` would add a Lambda-backed custom resource for the same setting.
 */
function sendEventsToEventBridge(cfn: s3.CfnBucket): void {
  cfn.notificationConfiguration = { eventBridgeConfiguration: { eventBridgeEnabled: true } };
}

/**
 * What both buckets are: private, owner-enforced (no ACLs), TLS 1.2 or later only, versioned,
 * kept when the stack goes.
 */
const BUCKET_BASELINE = {
  blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
  objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
  enforceSSL: true,
  minimumTLSVersion: 1.2,
  versioned: true,
  removalPolicy: RemovalPolicy.RETAIN,
} as const satisfies s3.BucketProps;

const REPLICATION_REASON =
  'Cross-region replication needs a second region and bucket chosen by the operator; this blueprint deploys into one region. The audit bucket is already protected against deletion and overwrite by Object Lock in compliance mode and versioning. Add replication (with Object Lock on the replica) where the organisation requires a second copy.';

/**
 * The bucket that receives the audit bucket's S3 server access logs: private, TLS only,
 * versioned, Object Lock enabled, expiring after the audit retention. S3 delivers server access
 * logs only to buckets with SSE-S3 and without an Object Lock default retention, hence those
 * two differences from the audit bucket.
 */
export function createAccessLogBucket(scope: Construct, id: string, retentionDays: number) {
  const bucket = new s3.Bucket(scope, id, {
    ...BUCKET_BASELINE,
    encryption: s3.BucketEncryption.S3_MANAGED,
    // Enabled without a default retention (which would stop log delivery): the bucket can
    // take per-object locks, and CT.S3.PR.4 holds.
    objectLockEnabled: true,
    lifecycleRules: [
      {
        id: 'expire-after-audit-retention',
        expiration: Duration.days(retentionDays),
        noncurrentVersionExpiration: Duration.days(1),
        abortIncompleteMultipartUploadAfter: Duration.days(7),
      },
    ],
  });
  const cfn = bucket.node.defaultChild as s3.CfnBucket;
  sendEventsToEventBridge(cfn);
  // No access logs of its own: cdk-nag counts a bucket that receives another bucket's server
  // access logs as logged, and logging it into itself would loop.
  for (const pack of REGULATORY_PACK_NAMES) {
    acknowledge(
      cfn,
      `${pack}-S3DefaultEncryptionKMS`,
      'S3 server access logging delivers only to buckets encrypted with SSE-S3 (SSE-KMS destinations are not supported), so this bucket uses SSE-S3. The audit records themselves are in the SSE-KMS audit bucket.',
    );
    acknowledge(cfn, `${pack}-S3BucketReplicationEnabled`, REPLICATION_REASON);
  }
  acknowledgeControlTower(
    cfn,
    CONTROL_TOWER_RULES.s3Kms,
    'S3 server access logging delivers only to buckets encrypted with SSE-S3 (SSE-KMS destinations are not supported), so this bucket uses SSE-S3; the audit records are in the SSE-KMS audit bucket. The landing-zone setting uses the central log bucket instead of this one.',
  );
  acknowledgeControlTower(
    cfn,
    CONTROL_TOWER_RULES.s3Logging,
    "This bucket receives the audit bucket's server access logs; logging it into itself would loop and a second log bucket would need a third. The landing-zone setting uses the central log bucket instead of this one.",
  );
  return bucket;
}

/** Where the audit bucket's server access logs go. */
export type AccessLogDestination =
  /** A bucket of this stack ({@link createAccessLogBucket}); its policy admits S3 logging. */
  | { readonly kind: 'own'; readonly bucket: s3.Bucket }
  /** The landing zone's central bucket, whose policy its owners keep. */
  | { readonly kind: 'central'; readonly bucketName: string; readonly prefix: string };

export interface AuditBucketInputs {
  readonly key: kms.IKey;
  readonly retentionDays: number;
  readonly accessLogs: AccessLogDestination;
  /** Principals that may list and read audit objects. */
  readonly readers: readonly iam.IPrincipal[];
}

/**
 * The one audit bucket: Object Lock in compliance mode for the policy's retention (nobody,
 * not even the account root, can delete or overwrite a record before it expires), versioned,
 * SSE-KMS with the audit key only, TLS only, public access blocked, no object deletion at
 * all (not even delete markers), and its own server access logs in a separate bucket.
 */
export function createAuditBucket(scope: Construct, id: string, inputs: AuditBucketInputs) {
  const bucket = new s3.Bucket(scope, id, {
    ...BUCKET_BASELINE,
    encryption: s3.BucketEncryption.KMS,
    encryptionKey: inputs.key,
    bucketKeyEnabled: true,
    objectLockEnabled: true,
    objectLockDefaultRetention: s3.ObjectLockRetention.compliance(
      Duration.days(inputs.retentionDays),
    ),
    lifecycleRules: [
      {
        id: 'expire-after-audit-retention',
        // Object Lock keeps every version until its retention ends; then the trail ages out
        // like the CloudWatch copies do.
        expiration: Duration.days(inputs.retentionDays + 1),
        noncurrentVersionExpiration: Duration.days(inputs.retentionDays + 1),
        abortIncompleteMultipartUploadAfter: Duration.days(7),
      },
    ],
  });
  // Server access logs through a bucket policy on the destination (not the legacy log-delivery
  // ACL, which BUCKET_OWNER_ENFORCED forbids).
  const cfn = bucket.node.defaultChild as s3.CfnBucket;
  sendEventsToEventBridge(cfn);
  const { accessLogs } = inputs;
  cfn.loggingConfiguration =
    accessLogs.kind === 'own'
      ? { destinationBucketName: accessLogs.bucket.bucketName, logFilePrefix: ACCESS_LOG_PREFIX }
      : {
          destinationBucketName: accessLogs.bucketName,
          logFilePrefix: `${accessLogs.prefix}${ACCESS_LOG_PREFIX}`,
        };
  const stack = Stack.of(scope);
  if (accessLogs.kind === 'own') {
    accessLogs.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'S3ServerAccessLogsOfTheAuditBucket',
        principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: [accessLogs.bucket.arnForObjects(`${ACCESS_LOG_PREFIX}*`)],
        conditions: {
          ArnLike: { 'aws:SourceArn': bucket.bucketArn },
          StringEquals: { 'aws:SourceAccount': stack.account },
        },
      }),
    );
  }
  bucket.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'DenyObjectDeletion',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      // Object Lock already protects every version; this also stops delete markers that would
      // hide records. Lifecycle expiration is not subject to bucket policies.
      actions: ['s3:DeleteObject', 's3:DeleteObjectVersion'],
      resources: [bucket.arnForObjects('*')],
    }),
  );
  bucket.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'DenyOtherEncryption',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['s3:PutObject'],
      resources: [bucket.arnForObjects('*')],
      conditions: {
        StringNotEqualsIfExists: {
          's3:x-amz-server-side-encryption-aws-kms-key-id': inputs.key.keyArn,
        },
      },
    }),
  );
  if (inputs.readers.length > 0) {
    bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AuditReaders',
        principals: [...inputs.readers],
        actions: ['s3:GetObject', 's3:GetObjectVersion', 's3:ListBucket', 's3:GetBucketLocation'],
        resources: [bucket.bucketArn, bucket.arnForObjects('*')],
      }),
    );
  }
  for (const pack of REGULATORY_PACK_NAMES) {
    acknowledge(cfn, `${pack}-S3BucketReplicationEnabled`, REPLICATION_REASON);
  }
  return bucket;
}
