import * as logs from 'aws-cdk-lib/aws-logs';
import { ProxyTierError } from './errors.js';

/** `logging.retention_days` as the CDK enum; throws for a period CloudWatch Logs lacks. */
export function logRetention(days: number): logs.RetentionDays {
  const known = Object.values(logs.RetentionDays).filter(
    (value): value is logs.RetentionDays =>
      typeof value === 'number' && value !== logs.RetentionDays.INFINITE,
  );
  const match = known.find((value) => value === days);
  if (match === undefined) {
    throw new ProxyTierError(
      `logging.retention_days ${days} is not a CloudWatch Logs retention period. Fix: use one of ${known.join(', ')}.`,
    );
  }
  return match;
}
