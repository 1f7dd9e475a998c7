import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import {
  acknowledgeEcrLogin,
  type ImageRepository,
  imagePullStatements,
  logWriteStatement,
} from '../task-execution.js';

/** ARN(s) IAM must name to allow reading a secret. */
export function secretArnForPolicies(secret: secretsmanager.ISecret): string {
  // A secret known only by name has a partial ARN; Secrets Manager appends "-" and 6 random
  // characters, so the policy matches exactly that suffix and not "<name>-other".
  return secret.secretFullArn ?? `${secret.secretArn}-??????`;
}

export interface ExecutionPolicyInputs {
  readonly logGroup: logs.ILogGroup;
  readonly secrets: readonly secretsmanager.ISecret[];
  /** The secret that holds the private CA's key (intercepted hosts), in its own statement. */
  readonly caKey?: secretsmanager.ISecret;
  /** The one ECR repository the Envoy image is pulled from (always, on AWS). */
  readonly imageRepository?: ImageRepository;
}

/**
 * The only permissions the ECS agent needs to start an Envoy task: write its log stream, read
 * the injected secrets and the CA key of intercepted hosts (and decrypt them when they use a customer-managed key), and pull the
 * image from its one ECR repository (a pull-through cache's, or the mirror's). A customer-managed policy, not CDK's inline grants, so
 * the whole permission set is one reviewable document.
 */
export function executionPolicyStatements(inputs: ExecutionPolicyInputs): iam.PolicyStatement[] {
  const statements = [logWriteStatement('Envoy', inputs.logGroup)];
  if (inputs.secrets.length > 0) {
    statements.push(
      new iam.PolicyStatement({
        sid: 'ReadInjectedSecrets',
        actions: ['secretsmanager:GetSecretValue'],
        resources: inputs.secrets.map(secretArnForPolicies),
      }),
    );
  }
  if (inputs.caKey !== undefined) {
    // Exactly the one CA secret: the key signs certificates for the intercepted hosts.
    statements.push(
      new iam.PolicyStatement({
        sid: 'ReadCaKey',
        actions: ['secretsmanager:GetSecretValue'],
        resources: [secretArnForPolicies(inputs.caKey)],
      }),
    );
  }
  const all = [...inputs.secrets, ...(inputs.caKey === undefined ? [] : [inputs.caKey])];
  const keys = [...new Set(all.flatMap((s) => (s.encryptionKey ? [s.encryptionKey.keyArn] : [])))];
  if (keys.length > 0) {
    statements.push(
      new iam.PolicyStatement({
        sid: 'DecryptInjectedSecrets',
        actions: ['kms:Decrypt'],
        resources: keys,
        conditions: {
          StringEquals: { 'kms:ViaService': `secretsmanager.${Aws.REGION}.${Aws.URL_SUFFIX}` },
        },
      }),
    );
  }
  if (inputs.imageRepository !== undefined) {
    statements.push(...imagePullStatements('Envoy', inputs.imageRepository));
  }
  return statements;
}

/** Acknowledges the ECR login's wildcard: the PullEnvoyImage statement limits the pulls. */
export function acknowledgeProxyEcrLogin(policy: iam.ManagedPolicy): void {
  acknowledgeEcrLogin(
    policy,
    'Image pulls are limited to the one repository of the proxy image (its pull-through cache or its private ECR mirror) by the PullEnvoyImage statement.',
  );
}
