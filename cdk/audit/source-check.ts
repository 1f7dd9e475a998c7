import { Stack } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { IConstruct } from 'constructs';
import type { AuditSource } from './sources.js';

/**
 * Problems with the audit sources as CloudFormation will create them: each must be
 * KMS-encrypted and keep its events for `retentionDays` (the policy's retention). Log groups
 * imported from elsewhere cannot be inspected and are skipped.
 */
export function auditSourceProblems(
  sources: readonly AuditSource[],
  retentionDays: number,
): string[] {
  const problems: string[] = [];
  for (const source of sources) {
    const cfn = source.logGroup.node.defaultChild;
    if (!(cfn instanceof logs.CfnLogGroup)) continue;
    const stack = Stack.of(cfn);
    const where = `audit source "${source.name}" (${source.logGroup.node.path})`;
    if (stack.resolve(cfn.kmsKeyId) === undefined) {
      problems.push(
        `${where} is not encrypted with a customer-managed KMS key. Fix: create the log group with \`encryptionKey\`.`,
      );
    }
    const retention = stack.resolve(cfn.retentionInDays) as number | undefined;
    if (retention !== retentionDays) {
      problems.push(
        `${where} keeps events for ${retention === undefined ? 'ever' : `${retention} days`}, not the policy's logging.retention_days (${retentionDays}). Fix: create it with that retention.`,
      );
    }
  }
  return problems;
}

/** Registers {@link auditSourceProblems} as a tree validation on `scope`. */
export function guardAuditSources(
  scope: IConstruct,
  sources: readonly AuditSource[],
  retentionDays: number,
): void {
  scope.node.addValidation({ validate: () => auditSourceProblems(sources, retentionDays) });
}
