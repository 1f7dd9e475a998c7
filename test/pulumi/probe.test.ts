import { beforeAll, describe, expect, it } from 'vitest';
import { planGcp } from '../../app/gcp-plan.js';
import { verifyTemplate } from '../../lib/containment/index.js';
import type { JsonObject } from '../../lib/json.js';
import { loadPolicy, proxyPorts } from '../../lib/policy/index.js';
import { probeBundle } from '../../lib/probe/bundle.js';
import { TARGETS_ENV } from '../../lib/probe/index.js';
import { GCP_METADATA_TARGETS, probeCron, probeMetricFilters } from '../../pulumi/index.js';
import type { GcpPlan } from '../../pulumi/plan/types.js';
import { GCP, ofType, one } from '../helpers/pulumi-plan.js';

/*
 * The egress probe on GCP, read from the offline plan (the program under Pulumi's mocks):
 * a Cloud Run job placed exactly like the agents, Cloud Scheduler, log-based metrics and
 * alerts, and its logs in the audit bucket.
 */

const policy = loadPolicy();
let plan: GcpPlan;
let strict: GcpPlan;
let off: GcpPlan;
beforeAll(async () => {
  plan = await planGcp();
  strict = await planGcp({
    config: { probe: '{"onDeploy": "fail-on-escape", "everyMinutes": 30}' },
  });
  off = await planGcp({ config: { probe: 'false' } });
});

const job = (p: GcpPlan) =>
  one(p, GCP.runJob, 'demo-probe').inputs as JsonObject & {
    template: {
      template: Record<string, unknown> & {
        containers: {
          args: string[];
          envs: { name: string; value: string }[];
          commands: string[];
        }[];
      };
    };
  };

describe('the probe job', () => {
  it('runs in the agent subnet with the agent tag and all traffic through the VPC, like an agent', () => {
    const agent = one(plan, GCP.runService).inputs as { template: { vpcAccess: unknown } };
    const t = job(plan).template.template;
    expect(t.vpcAccess).toEqual(agent.template.vpcAccess);
    expect(t).toMatchObject({
      executionEnvironment: 'EXECUTION_ENVIRONMENT_GEN2',
      maxRetries: 0,
      serviceAccount: 'demo-probe@agent-perimeter-plan.iam.gserviceaccount.com',
    });
  });

  it('runs the probe bundle with node, at the proxy, reporting JSON lines', () => {
    const [container] = job(plan).template.template.containers;
    expect(container?.commands).toEqual(['node']);
    const args = container?.args ?? [];
    expect(args.slice(0, 2)).toEqual(['--input-type=module', '--eval']);
    expect(args[2]).toBe(probeBundle());
    expect(args.slice(3)).toEqual(['--', '--proxy', '10.80.16.253:3128', '--jsonl']);
  });

  it("gets the agents' environment and targets that fit Cloud Run's metadata server", () => {
    const envs = Object.fromEntries(
      (job(plan).template.template.containers[0]?.envs ?? []).map((e) => [e.name, e.value]),
    );
    expect(envs.ANTHROPIC_BASE_URL).toBe('http://10.80.16.253:8081');
    const targets = JSON.parse(envs[TARGETS_ENV] ?? '{}') as Record<string, unknown>;
    expect(targets).toMatchObject({
      allowed_host: 'registry.npmjs.org:443',
      denied_host: 'example.com:443',
      metadata: [...GCP_METADATA_TARGETS],
    });
  });

  it('has a role-less identity: the only grant in its name is the scheduler running it', () => {
    const grants = plan.resources.filter((r) => /Iam(Member|Binding|Policy)$/.test(r.type));
    const probeGrants = grants.filter((g) => JSON.stringify(g.inputs).includes('demo-probe'));
    expect(probeGrants.map((g) => [g.type, g.inputs.role, g.inputs.member])).toEqual([
      [
        'gcp:cloudrunv2/jobIamMember:JobIamMember',
        'roles/run.invoker',
        'serviceAccount:demo-probe-scheduler@agent-perimeter-plan.iam.gserviceaccount.com',
      ],
    ]);
  });

  it('is started by Cloud Scheduler through the Cloud Run Admin API, hourly', () => {
    expect(one(plan, 'gcp:cloudscheduler/job:Job').inputs).toMatchObject({
      schedule: '0 */1 * * *',
      timeZone: 'Etc/UTC',
      httpTarget: {
        httpMethod: 'POST',
        uri: 'https://run.googleapis.com/v2/projects/agent-perimeter-plan/locations/us-central1/jobs/demo-probe:run',
        oauthToken: {
          serviceAccountEmail: 'demo-probe-scheduler@agent-perimeter-plan.iam.gserviceaccount.com',
        },
      },
    });
    expect(one(strict, 'gcp:cloudscheduler/job:Job').inputs.schedule).toBe('*/30 * * * *');
    expect([5, 60, 180, 1440].map(probeCron)).toEqual([
      '*/5 * * * *',
      '0 */1 * * *',
      '0 */3 * * *',
      '0 0 * * *',
    ]);
    expect(() => probeCron(7)).toThrow(
      'everyMinutes 7 is not a supported interval. Fix: one of 5, 10, 15, 20, 30, 60, 120, 180, 240, 360, 480, 720, 1440.',
    );
  });

  it('runs on pulumi up: started with "run", awaited (failing on a non-zero exit) with "fail-on-escape"', () => {
    expect(job(plan).startExecutionToken).toMatch(/^probe-[0-9a-f]{16}$/);
    expect(job(plan).runExecutionToken).toBeUndefined();
    expect(job(strict).runExecutionToken).toMatch(/^probe-[0-9a-f]{16}$/);
    expect(job(strict).startExecutionToken).toBeUndefined();
  });
});

describe('probe metrics, alerts and audit', () => {
  it('counts each outcome from the job log and alerts on escape, broken and a missing run', () => {
    const metrics = ofType(plan, 'gcp:logging/metric:Metric').map((m) => m.inputs);
    const filters = probeMetricFilters('demo-probe');
    expect(metrics.map((m) => m.filter).sort()).toEqual(Object.values(filters).sort());
    expect(metrics.map((m) => m.name).sort()).toEqual([
      'demo_probe_blocked',
      'demo_probe_broken',
      'demo_probe_escape',
      'demo_probe_runs',
    ]);
    const alerts = ofType(plan, 'gcp:monitoring/alertPolicy:AlertPolicy').map((a) => a.inputs);
    expect(alerts.map((a) => a.severity).sort()).toEqual(['CRITICAL', 'ERROR', 'ERROR']);
    const text = JSON.stringify(alerts);
    expect(text).toContain('logging.googleapis.com/user/demo_probe_escape');
    expect(text).toContain('logging.googleapis.com/user/demo_probe_broken');
    expect(text).toContain('"conditionAbsent"');
    expect(text).toContain('"duration":"7200s"');
  });

  it("routes the probe job's logs into the locked audit bucket", () => {
    const sink = one(plan, GCP.sink).inputs as { filter: string };
    expect(sink.filter).toContain(
      '(resource.type="cloud_run_job" AND resource.labels.job_name="demo-probe")',
    );
  });

  it('is off with Pulumi config probe=false', () => {
    expect(ofType(off, GCP.runJob)).toEqual([]);
    expect(ofType(off, 'gcp:cloudscheduler/job:Job')).toEqual([]);
    expect((one(off, GCP.sink).inputs as { filter: string }).filter).not.toContain('demo-probe');
  });
});

describe('the probe job and the containment proof', () => {
  const options = { proxyPorts: [...proxyPorts(policy).agentFacing] };

  it('the plan with the probe is contained; the probe is one of the agents', () => {
    const report = verifyTemplate(plan, 'gcp-plan.json', options);
    expect(report.violations).toEqual([]);
    expect(report.agents.find((a) => a.resource === 'demo-probe')).toMatchObject({
      kind: 'Cloud Run job',
      subnet: 'demo-agents',
    });
  });

  it('a probe job sending public traffic around the VPC is a way out', () => {
    const leaky = structuredClone(plan);
    const t = job(leaky).template.template as unknown as { vpcAccess: { egress: string } };
    t.vpcAccess.egress = 'PRIVATE_RANGES_ONLY';
    const violations = verifyTemplate(leaky, 'gcp-plan.json', options).violations;
    expect(violations.map((v) => `${v.resource} ${v.channel}`)).toContain(
      'demo-probe route-to-internet',
    );
  });
});
