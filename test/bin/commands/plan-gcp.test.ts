import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { gcpPlanJson, planGcp } from '../../../app/gcp-plan.js';
import { readProgramConfig } from '../../../app/gcp-program.js';
import { prepareParsed } from '../../../app/prepare.js';
import { planGcpCommand } from '../../../bin/commands/plan-gcp.js';
import { UserError } from '../../../lib/errors.js';
import { DEFAULT_POLICY_FILE } from '../../../lib/policy/index.js';
import { recordUnderMocks } from '../../../pulumi/plan/record.js';
import { GCP_PLAN_FORMAT, type GcpPlan } from '../../../pulumi/plan/types.js';
import { tempFiles } from '../../helpers/cli.js';
import { policyYaml, validPolicy } from '../../helpers/policy.js';
import { GCP, ofType } from '../../helpers/pulumi-plan.js';

/*
 * The entry points: the Pulumi program `pulumi up` runs (bin/pulumi-program.ts) and the
 * `plan-gcp` command. Mocks are process-global, so the runs below go one after the other.
 */

function capture() {
  const lines = { out: [] as string[], err: [] as string[] };
  return {
    lines,
    io: { out: (t: string) => lines.out.push(t), err: (t: string) => lines.err.push(t) },
  };
}

afterEach(() => {
  vi.restoreAllMocks();
  pulumi.runtime.setAllConfig({});
});

describe('the Pulumi program entry (Pulumi.yaml main)', () => {
  it('exports only a default function, as Pulumi requires of an ESM entry module', async () => {
    const entry = await import('../../../bin/pulumi-program.js');
    expect(Object.keys(entry)).toEqual(['default']);
    expect(typeof entry.default).toBe('function');
  });

  it('deploys the perimeter and logs its warnings', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const { default: program } = await import('../../../bin/pulumi-program.js');
    const { resources, outputs } = await recordUnderMocks(
      {
        project: 'my-project',
        region: 'europe-west1',
        config: { 'agent-perimeter:policy': DEFAULT_POLICY_FILE },
      },
      program,
    );
    expect(outputs.proxyAddress).toBe('10.80.16.253');
    expect(outputs.proxyServiceAccount).toBe('demo-proxy@my-project.iam.gserviceaccount.com');
    expect(resources.filter((r) => r.type === GCP.subnet).map((r) => r.inputs.region)).toEqual([
      'europe-west1',
      'europe-west1',
    ]);
    expect(warn.mock.calls.map((c) => String(c[0])).join('\n')).toContain(
      'Cloud Run cannot pull "public.ecr.aws/',
    );
  });

  it('stops with a RunError naming the fix when the config is incomplete or wrong', async () => {
    const { default: program } = await import('../../../bin/pulumi-program.js');
    pulumi.runtime.setAllConfig({ 'gcp:region': 'us-central1' });
    expect(() => readProgramConfig()).toThrow(/pulumi config set gcp:project/);
    pulumi.runtime.setAllConfig({
      'gcp:project': 'p',
      'gcp:region': 'us-central1',
      'agent-perimeter:policy': '/nonexistent/policy.yaml',
    });
    await expect(program()).rejects.toThrow(pulumi.RunError);
    await expect(program()).rejects.toThrow('no such policy file');
    pulumi.runtime.setAllConfig({
      'gcp:project': 'p',
      'gcp:region': 'us-central1',
      'agent-perimeter:agentRuntime': 'lambda',
    });
    expect(() => readProgramConfig()).toThrow(/agentRuntime is "lambda"/);
  });
});

describe('planning under mocks', () => {
  it('recovers after a program that fails half-way, and queues concurrent plans', async () => {
    const tooBig = validPolicy(
      policyYaml('  - host: example.com', 'agents:\n  - name: big\n    image: node\n    cpu: 16'),
    );
    await expect(planGcp({ prepared: prepareParsed(tooBig) })).rejects.toThrow(
      'AgentService: agent "big": cpu 16 is more than Cloud Run',
    );
    const [a, b] = await Promise.all([
      planGcp({ region: 'europe-west1' }),
      planGcp({ region: 'asia-east1' }),
    ]);
    for (const [plan, region] of [
      [a, 'europe-west1'],
      [b, 'asia-east1'],
    ] as const) {
      expect(ofType(plan, GCP.subnet).map((r) => r.inputs.region)).toEqual([region, region]);
    }
    // The same plan but for the region (in resources sorted by name: the proxy's Artifact
    // Registry host names the region, so its DNS rule sorts elsewhere).
    const byUrn = (json: string) =>
      [...(JSON.parse(json) as GcpPlan).resources].sort((x, y) => x.urn.localeCompare(y.urn));
    expect(byUrn(gcpPlanJson(a).replaceAll('europe-west1', 'asia-east1'))).toEqual(
      byUrn(gcpPlanJson(b)),
    );
  });
});

describe('agent-perimeter plan-gcp', () => {
  it('writes the plan and prints a summary', async () => {
    const dir = tempFiles({});
    const out = join(dir, 'plan.json');
    const { io, lines } = capture();
    const code = await planGcpCommand.run(
      ['--out', out, '--project', 'acme', '--region', 'europe-west4', '--agents', 'both'],
      io,
    );
    expect(code).toBe(0);
    const plan = JSON.parse(readFileSync(out, 'utf8')) as GcpPlan;
    expect(plan).toMatchObject({
      format: GCP_PLAN_FORMAT,
      project: 'acme',
      region: 'europe-west4',
    });
    expect(ofType(plan, GCP.runService)).toHaveLength(1);
    // The agent's job and the egress probe's.
    expect(ofType(plan, GCP.runJob)).toHaveLength(2);
    const text = lines.out.join('\n');
    expect(text).toMatch(/^agent-perimeter plan-gcp: GCP plan of policy "demo": \d+ resources ->/);
    expect(text).toContain('Cloud NAT for demo-proxy,');
    expect(text).toContain('e2-small x 2-6 behind 10.80.16.253 (3128, 8081)');
    expect(text).toContain('1 Cloud Run service(s) on gen1 (gVisor): demo-claude-code');
    expect(text).toContain('log bucket demo-audit: 365 days, locked');
    expect(text).toContain('warning    agent "claude-code": Cloud Run cannot pull');
  });

  it('refuses an unknown runtime and a bad policy', async () => {
    const { io } = capture();
    await expect(planGcpCommand.run(['--agents', 'lambda'], io)).rejects.toThrow(UserError);
    const dir = tempFiles({ 'bad.yaml': 'name: Bad\negress: []\n' });
    await expect(
      planGcpCommand.run(['--policy', join(dir, 'bad.yaml'), '--out', join(dir, 'p.json')], io),
    ).rejects.toThrow(/invalid policy/);
  });
});
