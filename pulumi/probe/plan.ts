import { agentEnvironment } from '../../lib/agent-env.js';
import type { Policy } from '../../lib/policy/index.js';
import { probeCommand } from '../../lib/probe/bundle.js';
import {
  DEFAULT_DEPLOYMENT,
  isProbeInterval,
  NOT_A_PROBE_INTERVAL,
  type ProbeSettings,
  probeTargetsFor,
} from '../../lib/probe/deploy.js';
import { PROBE_IMAGE, PROBE_NAME } from '../../lib/probe/image.js';
import { OUTCOMES, type Outcome, PROBE_ID } from '../../lib/probe/report.js';
import { DEFAULT_TARGETS, TARGETS_ENV } from '../../lib/probe/targets.js';
import { GcpPerimeterError } from '../errors.js';
import { fitName, labels, serviceAccountId } from '../names.js';

/*
 * The egress probe on GCP, as data: a Cloud Run job beside the agents (same subnet, tag and
 * egress), Cloud Scheduler, log-based metrics and alerts. Pure code, tested on its own; the
 * component in ./probe-job.ts wires the resources.
 */

/**
 * Metadata targets on Cloud Run. Its metadata server always hands any workload an access
 * token for its own service account (the probe's has no roles, which `verify` proves on the
 * plan), so the token URL the CLI's defaults try would report an escape on every run. The
 * job checks instead that AWS's endpoint does not answer and that the instance's custom
 * metadata holds no credential.
 */
export const GCP_METADATA_TARGETS = [
  DEFAULT_TARGETS.metadata[0],
  'http://metadata.google.internal/computeMetadata/v1/instance/attributes/?recursive=true',
] as const;

export interface ProbeJobPlan {
  readonly name: string;
  readonly serviceAccountId: string;
  readonly schedulerAccountId: string;
  readonly schedulerName: string;
  readonly image: string;
  readonly commands: readonly string[];
  /** Arguments after `node`; the proxy address is appended by the component. */
  readonly argsBeforeProxy: readonly string[];
  readonly targets: Readonly<Record<string, unknown>>;
  readonly cron: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Log-based metric names by outcome, plus `runs` for finished runs. */
  readonly metrics: Readonly<Record<Outcome | 'runs', string>>;
  readonly deployment: ProbeSettings;
}

/** Cloud Scheduler's cron for a probe interval in minutes (see {@link isProbeInterval}). */
export function probeCron(minutes: number): string {
  if (!isProbeInterval(minutes)) {
    throw new GcpPerimeterError('ProbeJob', `everyMinutes ${minutes} ${NOT_A_PROBE_INTERVAL}`);
  }
  if (minutes < 60) return `*/${minutes} * * * *`;
  if (minutes < 1440) return `0 */${minutes / 60} * * *`;
  return '0 0 * * *';
}

/** The Cloud Logging clause of everything the probe job logs (the audit sink takes it). */
export function probeJobLogClause(job: string): string {
  return `resource.type="cloud_run_job" AND resource.labels.job_name="${job}"`;
}

/** The Cloud Logging filter of the probe job's log lines of one kind. */
export function probeLogFilter(job: string, extra: string): string {
  return [probeJobLogClause(job), `jsonPayload.probe="${PROBE_ID}"`, extra].join(' AND ');
}

/** The filters of the log-based metrics: checks by outcome, and summaries. */
export function probeMetricFilters(job: string): Record<Outcome | 'runs', string> {
  const out = {} as Record<Outcome | 'runs', string>;
  for (const outcome of OUTCOMES)
    out[outcome] = probeLogFilter(
      job,
      `jsonPayload.type="check" AND jsonPayload.outcome="${outcome}"`,
    );
  out.runs = probeLogFilter(job, 'jsonPayload.type="summary"');
  return out;
}

export function planProbeJob(
  policy: Policy,
  deployment: Partial<ProbeSettings> = {},
  options: { readonly image?: string } = {},
): ProbeJobPlan {
  const settings = { ...DEFAULT_DEPLOYMENT, ...deployment };
  const name = fitName(`${policy.name}-${PROBE_NAME}`, 49);
  const [command, ...rest] = probeCommand([]);
  // The cloud's own metadata server: see GCP_METADATA_TARGETS.
  const targets = probeTargetsFor(
    policy,
    { metadata: [...GCP_METADATA_TARGETS], ...settings.targets },
    'probe targets',
  );
  const metrics = {} as Record<Outcome | 'runs', string>;
  for (const key of [...OUTCOMES, 'runs'] as const)
    metrics[key] = fitName(`${policy.name}-probe-${key}`, 100).replace(/-/g, '_');
  return {
    name,
    serviceAccountId: serviceAccountId(policy, PROBE_NAME),
    schedulerAccountId: serviceAccountId(policy, 'probe-scheduler'),
    schedulerName: fitName(`${policy.name}-probe`, 500),
    image: options.image ?? PROBE_IMAGE.gcp,
    commands: [command as string],
    // probeCommand([]) ends with "--"; the component appends --proxy HOST:PORT --jsonl.
    argsBeforeProxy: rest,
    targets,
    cron: probeCron(settings.everyMinutes),
    labels: { ...labels(policy, 'agent'), 'agent-perimeter-role': PROBE_NAME },
    metrics,
    deployment: settings,
  };
}

/** The probe job's environment: the agents' plus its targets, sorted by name. */
export function probeEnvs(
  policy: Policy,
  plan: ProbeJobPlan,
  proxyHost: string,
): { name: string; value: string }[] {
  const env: Record<string, string> = {
    ...agentEnvironment(policy, proxyHost),
    [TARGETS_ENV]: JSON.stringify(plan.targets),
  };
  return Object.keys(env)
    .sort()
    .map((key) => ({ name: key, value: env[key] as string }));
}
