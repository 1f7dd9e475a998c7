import { createHash } from 'node:crypto';
import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { proxyPorts } from '../../lib/policy/index.js';
import type { ProbeSettings } from '../../lib/probe/deploy.js';
import { PROBE_NAME } from '../../lib/probe/image.js';
import { AgentJob, type AgentPlacementArgs, vpcAccess } from '../agents/agent-service.js';
import { resourceDescription } from '../names.js';
import {
  type ProbeJobPlan,
  planProbeJob,
  probeEnvs,
  probeJobLogClause,
  probeMetricFilters,
} from './plan.js';

/**
 * Arguments of {@link ProbeJob}. Its placement is an agent's; with several profiles,
 * `profileTag` is the first profile's, the one the probe runs as.
 */
export interface ProbeJobArgs extends AgentPlacementArgs {
  /** Schedule, deploy-time run and target overrides. @default - hourly, run once per change */
  readonly deployment?: Partial<ProbeSettings>;
  /** Image with Node 20 or later that Cloud Run can pull. @default PROBE_IMAGE.gcp */
  readonly image?: string;
  /**
   * Cloud Monitoring notification channels (ids) for the escape, broken and missing-run
   * alerts.
   * @default - none: the alerts open incidents in Cloud Monitoring only
   */
  readonly notificationChannels?: pulumi.Input<string>[];
}

/**
 * The egress probe as a Cloud Run job with the agents' network settings (Direct VPC egress,
 * all traffic, the agent subnet and tag) and a role-less service account, started by Cloud
 * Scheduler and, per `onDeploy`, once by `pulumi up` (`fail-on-escape` waits for the
 * execution, which fails on any non-zero exit). Its JSON lines become log-based metrics per
 * outcome, with alerts on escape, broken and a missing run. The job runs on the second
 * generation execution environment, like every Cloud Run job: it probes the network.
 */
export class ProbeJob extends pulumi.ComponentResource {
  readonly plan: ProbeJobPlan;
  readonly serviceAccount: gcp.serviceaccount.Account;
  readonly job: gcp.cloudrunv2.Job;
  readonly schedulerAccount: gcp.serviceaccount.Account;
  readonly invoker: gcp.cloudrunv2.JobIamMember;
  readonly scheduler: gcp.cloudscheduler.Job;
  readonly metrics: Readonly<Record<string, gcp.logging.Metric>>;
  readonly alerts: Readonly<Record<string, gcp.monitoring.AlertPolicy>>;
  /** The Cloud Logging clause of the probe's reports, for the audit sink. */
  readonly logFilter: string;

  constructor(name: string, args: ProbeJobArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super('agent-perimeter:gcp:ProbeJob', name, {}, opts);
    const { policy, project, region } = args;
    const plan = planProbeJob(
      policy,
      args.deployment,
      args.image === undefined ? {} : { image: args.image },
    );
    this.plan = plan;
    const parent = { parent: this };
    const { onDeploy, everyMinutes } = plan.deployment;

    this.serviceAccount = new gcp.serviceaccount.Account(
      `${name}-sa`,
      {
        project,
        accountId: plan.serviceAccountId,
        displayName: `agent-perimeter ${policy.name} egress probe`,
        description:
          'Identity of the egress probe in the agent subnet. Deliberately granted no roles, like the agents.',
      },
      parent,
    );
    const proxy = pulumi.output(args.proxyAddress);
    // A new execution token runs the job on `pulumi up`; it changes with the job's definition.
    const token = createHash('sha256')
      .update(JSON.stringify({ targets: plan.targets, policy: policy.egress, cron: plan.cron }))
      .digest('hex')
      .slice(0, 16);
    this.job = new gcp.cloudrunv2.Job(
      `${name}-job`,
      {
        name: plan.name,
        project,
        location: region,
        deletionProtection: false,
        labels: { ...plan.labels },
        ...(onDeploy === 'run' ? { startExecutionToken: `probe-${token}` } : {}),
        ...(onDeploy === 'fail-on-escape' ? { runExecutionToken: `probe-${token}` } : {}),
        template: {
          taskCount: 1,
          parallelism: 1,
          labels: { ...plan.labels },
          template: {
            executionEnvironment: AgentJob.EXECUTION_ENVIRONMENT,
            serviceAccount: this.serviceAccount.email,
            // A failed run (escape or broken) is a finding, not something to retry.
            maxRetries: 0,
            timeout: '300s',
            // As the agents: everything into the VPC, where no route leads out.
            vpcAccess: vpcAccess(args),
            containers: [
              {
                name: PROBE_NAME,
                image: plan.image,
                commands: [...plan.commands],
                args: proxy.apply((host) => [
                  ...plan.argsBeforeProxy,
                  '--proxy',
                  `${host}:${proxyPorts(policy).forwardProxy}`,
                  '--jsonl',
                ]),
                envs: proxy.apply((host) => probeEnvs(policy, plan, host)),
                resources: { limits: { cpu: '1', memory: '512Mi' } },
              },
            ],
          },
        },
      },
      parent,
    );

    this.schedulerAccount = new gcp.serviceaccount.Account(
      `${name}-scheduler-sa`,
      {
        project,
        accountId: plan.schedulerAccountId,
        displayName: `agent-perimeter ${policy.name} probe scheduler`,
        description:
          'Cloud Scheduler starts the egress probe job as this account; it may run that one job only.',
      },
      parent,
    );
    this.invoker = new gcp.cloudrunv2.JobIamMember(
      `${name}-invoker`,
      {
        project,
        location: region,
        name: this.job.name,
        role: 'roles/run.invoker',
        member: pulumi.interpolate`serviceAccount:${this.schedulerAccount.email}`,
      },
      parent,
    );
    this.scheduler = new gcp.cloudscheduler.Job(
      `${name}-schedule`,
      {
        project,
        region,
        name: plan.schedulerName,
        description: resourceDescription(
          policy,
          `egress probe from the agent subnet every ${everyMinutes} minutes`,
        ),
        schedule: plan.cron,
        timeZone: 'Etc/UTC',
        attemptDeadline: '320s',
        retryConfig: { retryCount: 0 },
        httpTarget: {
          httpMethod: 'POST',
          uri: pulumi.interpolate`https://run.googleapis.com/v2/projects/${project}/locations/${region}/jobs/${this.job.name}:run`,
          oauthToken: {
            serviceAccountEmail: this.schedulerAccount.email,
            scope: 'https://www.googleapis.com/auth/cloud-platform',
          },
        },
      },
      { parent: this, dependsOn: [this.invoker] },
    );

    const filters = probeMetricFilters(plan.name);
    this.logFilter = `(${probeJobLogClause(plan.name)})`;
    const metrics: Record<string, gcp.logging.Metric> = {};
    for (const [key, filter] of Object.entries(filters)) {
      metrics[key] = new gcp.logging.Metric(
        `${name}-metric-${key}`,
        {
          project,
          name: plan.metrics[key as keyof typeof plan.metrics],
          description:
            key === 'runs'
              ? 'Finished egress probe runs'
              : `Egress probe checks with outcome ${key}`,
          filter,
          metricDescriptor: { metricKind: 'DELTA', valueType: 'INT64', unit: '1' },
        },
        parent,
      );
    }
    this.metrics = metrics;
    const period = `${everyMinutes * 60}s`;
    const metricFilter = (key: string) =>
      pulumi.interpolate`metric.type="logging.googleapis.com/user/${(metrics[key] as gcp.logging.Metric).name}" AND resource.type="cloud_run_job"`;
    const channels = args.notificationChannels ?? [];
    const alert = (
      key: string,
      displayName: string,
      documentation: string,
      condition: gcp.types.input.monitoring.AlertPolicyCondition,
    ) =>
      new gcp.monitoring.AlertPolicy(
        `${name}-alert-${key}`,
        {
          project,
          displayName,
          combiner: 'OR',
          severity: key === 'escape' ? 'CRITICAL' : 'ERROR',
          notificationChannels: channels,
          documentation: { content: documentation, mimeType: 'text/markdown' },
          userLabels: { ...plan.labels },
          conditions: [condition],
        },
        parent,
      );
    const threshold = (key: string, title: string) => ({
      displayName: title,
      conditionThreshold: {
        filter: metricFilter(key),
        comparison: 'COMPARISON_GT',
        thresholdValue: 0,
        duration: '0s',
        aggregations: [{ alignmentPeriod: period, perSeriesAligner: 'ALIGN_SUM' }],
      },
    });
    this.alerts = {
      escape: alert(
        'escape',
        `agent-perimeter ${policy.name}: egress probe escape`,
        'The egress probe got out of the agent subnet by a path that must be closed. Treat it as an incident: docs/runbook.md "Probe reports" (what to do on escape).',
        threshold('escape', 'a probe check escaped'),
      ),
      broken: alert(
        'broken',
        `agent-perimeter ${policy.name}: egress probe broken`,
        'The egress probe could not use a path that must work (the proxy, an allowed host or a base-URL listener): docs/runbook.md "Probe reports".',
        threshold('broken', 'a probe check is broken'),
      ),
      missing: alert(
        'missing',
        `agent-perimeter ${policy.name}: egress probe not reporting`,
        'No egress probe run reported for two schedule intervals: the scheduler, the job or its logs are failing, so nothing proves containment right now.',
        {
          displayName: 'no probe run',
          conditionAbsent: {
            filter: metricFilter('runs'),
            duration: `${Math.min(everyMinutes * 2, 1440) * 60}s`,
            aggregations: [{ alignmentPeriod: period, perSeriesAligner: 'ALIGN_SUM' }],
          },
        },
      ),
    };
    this.registerOutputs({ jobName: this.job.name, scheduler: this.scheduler.name });
  }
}
