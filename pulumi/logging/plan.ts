import type { Policy } from '../../lib/policy/index.js';
import { GcpPerimeterError } from '../errors.js';

/*
 * What the audit trail keeps and for how long, as data. The sink filter is Cloud Logging
 * query language; each clause names one log the perimeter produces.
 */

/** Cloud Logging buckets keep logs for at most this many days. */
export const GCP_MAX_RETENTION_DAYS = 3650;

/** The logs routed into the locked audit bucket, by what they prove. */
export const AUDIT_LOGS: Readonly<Record<string, string>> = {
  // Envoy's JSON access log (every request, allowed or denied) from the COS logging agent.
  proxyAccess: 'log_id("cos_containers")',
  vpcFlows: 'log_id("compute.googleapis.com/vpc_flows")',
  // VPC firewall rules and network firewall policy rules.
  firewall: 'log_id("compute.googleapis.com/firewall")',
  natFlows: 'log_id("compute.googleapis.com/nat_flows")',
  dnsQueries: 'log_id("dns.googleapis.com/dns_queries")',
  // Who read an injected credential (needs DATA_READ audit logs on Secret Manager).
  secretAccess:
    '(log_id("cloudaudit.googleapis.com/data_access") AND protoPayload.serviceName="secretmanager.googleapis.com")',
  // Which Cloud Run instance of which agent service or job ran when: instance start and stop,
  // written by Cloud Run (labels.instanceId, the revision or job execution). Cloud Run logs no
  // instance address, and VPC flow logs do not name the revision for Direct VPC egress, so
  // attribution joins these to proxy lines by profile and time, not by address. The agents'
  // own stdout/stderr (written by the agent, so untrusted) stays out.
  cloudRunInstances:
    '(log_id("run.googleapis.com/varlog/system") AND resource.type=("cloud_run_revision" OR "cloud_run_job"))',
  // Changes to the perimeter itself: network, DNS, Cloud Run, IAM, secrets, logging.
  perimeterChanges:
    '(log_id("cloudaudit.googleapis.com/activity") AND protoPayload.serviceName=("compute.googleapis.com" OR "dns.googleapis.com" OR "run.googleapis.com" OR "iam.googleapis.com" OR "secretmanager.googleapis.com" OR "logging.googleapis.com" OR "cloudresourcemanager.googleapis.com"))',
};

export interface AuditLoggingPlan {
  readonly bucketId: string;
  readonly sinkName: string;
  readonly dnsPolicyName: string;
  readonly retentionDays: number;
  readonly filter: string;
}

/** The sink filter: any of {@link AUDIT_LOGS}, and any `extra` clause (e.g. the probe's reports). */
export function auditSinkFilter(extra: readonly string[] = []): string {
  return [...Object.values(AUDIT_LOGS), ...extra].join('\nOR ');
}

/** Plans the audit trail of `policy`. Throws for a retention Cloud Logging cannot keep. */
export function planAuditLogging(policy: Policy, extra: readonly string[] = []): AuditLoggingPlan {
  const days = policy.logging.retention_days;
  if (days > GCP_MAX_RETENTION_DAYS) {
    throw new GcpPerimeterError(
      'AuditLogging',
      `logging.retention_days ${days} is more than the ${GCP_MAX_RETENTION_DAYS} days a Cloud Logging bucket keeps logs. Fix: use 3288 or less.`,
    );
  }
  return {
    bucketId: `${policy.name}-audit`,
    sinkName: `${policy.name}-audit`,
    dnsPolicyName: `${policy.name}-dns-logging`,
    retentionDays: days,
    filter: auditSinkFilter(extra),
  };
}
