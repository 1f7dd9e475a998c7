import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { keyAdministrationStatements } from '../kms-admin.js';

/** S3 calling KMS on a principal's behalf, in this region. */
export function viaS3(scope: Construct): Record<string, unknown> {
  const { region, urlSuffix } = Stack.of(scope);
  return { StringEquals: { 'kms:ViaService': `s3.${region}.${urlSuffix}` } };
}

export interface AuditKeyInputs {
  /** Principals that may read (decrypt) audit objects through S3. */
  readonly readers: readonly iam.IPrincipal[];
}

/**
 * The audit key: encrypts the audit bucket, the Firehose streams' buffers and the alarm topic.
 * Its policy names everyone who may use it for data: the account for administration only,
 * CloudWatch alarms (publishing to the encrypted topic) and the audit readers (decrypt through
 * S3). The Firehose delivery role is added by {@link allowAuditDelivery}.
 */
export function createAuditKey(scope: Construct, id: string, inputs: AuditKeyInputs): kms.Key {
  const policy = new iam.PolicyDocument({
    statements: [
      ...keyAdministrationStatements(),
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublishToAlarmTopic',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        // SNS uses the key on CloudWatch's behalf; the topic policy limits CloudWatch to
        // this account's alarms.
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    ],
  });
  if (inputs.readers.length > 0) {
    policy.addStatements(
      new iam.PolicyStatement({
        sid: 'AuditReadersDecryptThroughS3',
        principals: [...inputs.readers],
        actions: ['kms:Decrypt', 'kms:DescribeKey'],
        resources: ['*'],
        conditions: viaS3(scope),
      }),
    );
  }
  return new kms.Key(scope, id, {
    description: 'agent-perimeter: encrypts the audit bucket, its delivery streams and alarm topic',
    enableKeyRotation: true,
    policy,
  });
}

/** Lets the Firehose delivery role encrypt the objects it writes to the audit bucket. */
export function allowAuditDelivery(key: kms.Key, role: iam.IRole): void {
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'FirehoseWritesAuditObjectsThroughS3',
      principals: [new iam.ArnPrincipal(role.roleArn)],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: ['*'],
      conditions: viaS3(key),
    }),
  );
}
