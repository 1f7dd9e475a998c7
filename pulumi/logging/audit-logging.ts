import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import type { Policy } from '../../lib/policy/index.js';
import { resourceDescription } from '../names.js';
import { type AuditLoggingPlan, planAuditLogging } from './plan.js';

/** Arguments of {@link AuditLogging}. */
export interface AuditLoggingArgs {
  /** The validated policy: `logging.retention_days` sets the bucket's retention. */
  readonly policy: Policy;
  /** Project whose logs are routed (and that holds the bucket). */
  readonly project: pulumi.Input<string>;
  /** Location of the log bucket, e.g. the perimeter's region or "global". */
  readonly location: string;
  /**
   * The VPC whose DNS queries are logged (a Cloud DNS server policy with logging). A network
   * can have one server policy; leave this out if it already has one with logging on.
   * @default - no DNS server policy is created
   */
  readonly network?: pulumi.Input<string>;
  /**
   * Lock the bucket: nobody can shorten the retention or delete logs before it expires, and
   * the bucket cannot be deleted until then (`pulumi destroy` leaves it behind).
   * @default true
   */
  readonly locked?: boolean;
  /**
   * Turn on DATA_READ audit logs for Secret Manager, so every read of an injected credential
   * is recorded. This sets the project's audit config for that one service.
   * @default true
   */
  readonly secretAccessAudit?: boolean;
  /**
   * More Cloud Logging clauses routed into the bucket (e.g. the egress probe's reports).
   * @default - none
   */
  readonly additionalLogs?: readonly string[];
}

/**
 * The perimeter's audit trail (control C21): proxy access logs, VPC flow logs, firewall and
 * NAT logs, DNS query logs, secret reads and changes to the perimeter, routed by one sink
 * into a log bucket whose retention follows the policy and is locked.
 */
export class AuditLogging extends pulumi.ComponentResource {
  readonly plan: AuditLoggingPlan;
  readonly bucket: gcp.logging.ProjectBucketConfig;
  readonly sink: gcp.logging.ProjectSink;
  readonly dnsPolicy: gcp.dns.Policy | undefined;
  readonly secretAuditConfig: gcp.projects.IAMAuditConfig | undefined;

  constructor(name: string, args: AuditLoggingArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super('agent-perimeter:gcp:AuditLogging', name, {}, opts);
    const { policy, project } = args;
    this.plan = planAuditLogging(policy, args.additionalLogs ?? []);
    const parent = { parent: this };

    this.bucket = new gcp.logging.ProjectBucketConfig(
      `${name}-bucket`,
      {
        project,
        location: args.location,
        bucketId: this.plan.bucketId,
        description: resourceDescription(
          policy,
          `audit trail (proxy access, flows, firewall, NAT, DNS, secret reads), kept ${this.plan.retentionDays} days.`,
        ),
        retentionDays: this.plan.retentionDays,
        locked: args.locked ?? true,
      },
      // A locked bucket cannot be deleted before its logs expire; destroy leaves it.
      { parent: this, retainOnDelete: true },
    );
    this.sink = new gcp.logging.ProjectSink(
      `${name}-sink`,
      {
        project,
        name: this.plan.sinkName,
        description: resourceDescription(
          policy,
          `route the perimeter's audit logs to ${this.plan.bucketId}.`,
        ),
        destination: pulumi.interpolate`logging.googleapis.com/${this.bucket.id}`,
        filter: this.plan.filter,
        uniqueWriterIdentity: true,
      },
      parent,
    );
    this.dnsPolicy =
      args.network === undefined
        ? undefined
        : new gcp.dns.Policy(
            `${name}-dns-logging`,
            {
              project,
              name: this.plan.dnsPolicyName,
              description: resourceDescription(policy, 'log every DNS query in the perimeter VPC.'),
              enableLogging: true,
              enableInboundForwarding: false,
              networks: [{ networkUrl: args.network }],
            },
            parent,
          );
    this.secretAuditConfig =
      (args.secretAccessAudit ?? true)
        ? new gcp.projects.IAMAuditConfig(
            `${name}-secret-reads`,
            {
              project,
              service: 'secretmanager.googleapis.com',
              auditLogConfigs: [{ logType: 'DATA_READ' }],
            },
            parent,
          )
        : undefined;
    this.registerOutputs({ bucket: this.bucket.id, sink: this.sink.name });
  }
}
