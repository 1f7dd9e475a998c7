import type * as logs from 'aws-cdk-lib/aws-logs';

/** One CloudWatch log group the audit trail copies into the audit bucket. */
export interface AuditSource {
  /**
   * Short name: the S3 prefix of its records (`<name>/year=.../`) and part of resource ids.
   * Lowercase letters, digits and "-".
   */
  readonly name: string;
  readonly logGroup: logs.ILogGroup;
  /** What the log holds, for descriptions and the runbook. */
  readonly description: string;
}

/** Prefix of a source's records in the audit bucket. */
export function sourcePrefix(source: AuditSource): string {
  return `${source.name}/`;
}

/** Prefix of records Firehose failed to process or deliver for a source. */
export function errorPrefix(source: AuditSource): string {
  return `errors/${source.name}/`;
}

/** `proxy-access` -> `ProxyAccess`, for construct ids. */
export function pascal(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter((part) => part !== '')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
