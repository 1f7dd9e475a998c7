import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { planGcp } from '../../../app/gcp-plan.js';
import { preparePolicy } from '../../../app/prepare.js';
import {
  formatViolation,
  type TemplateReport,
  verifyTemplate,
} from '../../../lib/containment/index.js';
import type { ExpectedProxy } from '../../../lib/contract/proxy-identity.js';
import type { GcpPlan } from '../../../pulumi/plan/types.js';
import { tempFiles } from '../../helpers/cli.js';
import { runVerify } from '../../helpers/containment-cli.js';
import {
  type MutationCase,
  mutationCase,
  mutationCases,
  plantGcp,
} from '../../helpers/mutation-fixtures.js';
import { asStackExport, GCP } from '../../helpers/pulumi-plan.js';

/*
 * Containment on GCP: the offline plan and a `pulumi stack export` of it verify clean, and
 * each planted escape (a small edit of a copy of the plan) is reported on the resource that
 * opened it, with its channel.
 */

let plan: GcpPlan;
let withJobs: GcpPlan;
let expectedProxy: ExpectedProxy;

beforeAll(async () => {
  plan = await planGcp();
  expectedProxy = preparePolicy().expectedProxy;
  withJobs = await planGcp({ config: { agentRuntime: 'both', agentGoogleApis: 'false' } });
});

const lines = (r: TemplateReport) => r.violations.map((v) => formatViolation(v));

const GCP_MUTATIONS = mutationCases('gcp');

/** The inputs of the planned resource of `type` whose cloud name is `name` (to edit in place). */
function inputsOf(p: GcpPlan, type: string, name: string): GcpPlan['resources'][number]['inputs'] {
  const found = p.resources.find(
    (r) => r.type === type && (r.inputs.name ?? r.inputs.responsePolicyName) === name,
  );
  if (found === undefined) throw new Error(`no ${type} named ${name}`);
  return found.inputs;
}

function planted(m: MutationCase): { plan: GcpPlan; report: TemplateReport } {
  const copy = structuredClone(plan);
  plantGcp(copy, m);
  return { plan: copy, report: verifyTemplate(copy, 'gcp-plan.json', { expectedProxy }) };
}

describe('the unmodified GCP perimeter', () => {
  it('the plan verifies clean: agents reach only the proxy and restricted Google APIs', () => {
    const report = verifyTemplate(plan, 'gcp-plan.json', { expectedProxy });
    expect(lines(report)).toEqual([]);
    expect(report.format).toBe('gcp-plan');
    expect(report.proxyPorts).toEqual([3128, 8081]);
    const agent = report.agents.find((a) => a.resource === 'demo-claude-code');
    expect(agent).toMatchObject({
      kind: 'Cloud Run service',
      subnet: 'demo-agents',
      reachable: 'tcp 443 to 199.36.153.4/30; tcp 3128,8081 to 10.80.16.253/32',
    });
    // The egress probe's job runs among the agents, as one.
    expect(report.agents.map((a) => a.kind).sort()).toEqual([
      'Cloud Run job',
      'Cloud Run service',
      'agent subnet',
    ]);
    expect(report.agents.find((a) => a.resource === 'demo-probe')?.reachable).toBe(
      agent?.reachable,
    );
  });

  it('the same program with jobs and without Google APIs verifies clean', () => {
    const report = verifyTemplate(withJobs, 'gcp-plan.json');
    expect(lines(report)).toEqual([]);
    expect(report.agents.map((a) => a.kind).sort()).toEqual([
      'Cloud Run job',
      'Cloud Run job',
      'Cloud Run service',
      'agent subnet',
    ]);
    for (const a of report.agents) expect(a.reachable).toBe('tcp 3128,8081 to 10.80.16.253/32');
  });

  it('what is deployed (pulumi stack export, self links and all) verifies clean', () => {
    const report = verifyTemplate(asStackExport(plan), 'stack.json');
    expect(lines(report)).toEqual([]);
    expect(report.format).toBe('gcp-stack-export');
    expect(report.agents).toHaveLength(3);
  });

  it('drift in the deployed stack is found too', () => {
    const exported = asStackExport(plan);
    const nat = exported.deployment.resources?.find((r) => r.type === GCP.nat);
    (nat?.outputs as { sourceSubnetworkIpRangesToNat?: string }).sourceSubnetworkIpRangesToNat =
      'ALL_SUBNETWORKS_ALL_IP_RANGES';
    const report = verifyTemplate(exported, 'stack.json');
    expect(report.violations).toEqual([
      expect.objectContaining({ resource: 'demo-proxy-nat', channel: 'route-to-internet' }),
    ]);
  });

  it('a wide allow below the deny-all is shadowed, so still contained', () => {
    const copy = structuredClone(plan) as GcpPlan & { resources: GcpPlan['resources'][number][] };
    const deny = inputsOf(copy, GCP.firewall, 'demo-deny-all-egress');
    copy.resources.push({
      ...(copy.resources.find((r) => r.inputs === deny) as GcpPlan['resources'][number]),
      urn: 'urn:pulumi:plan::agent-perimeter::gcp:compute/firewall:Firewall::shadowed',
      name: 'shadowed',
      inputs: {
        ...deny,
        name: 'shadowed',
        priority: 65535,
        denies: [],
        allows: [{ protocol: 'all' }],
      },
    });
    expect(lines(verifyTemplate(copy, 'gcp-plan.json'))).toEqual([]);
  });
});

describe('planted GCP escapes', () => {
  it('plants at least 25 distinct escapes over every channel the perimeter can open', () => {
    expect(GCP_MUTATIONS.length).toBeGreaterThanOrEqual(25);
    expect(new Set(GCP_MUTATIONS.map((m) => m.name)).size).toBe(GCP_MUTATIONS.length);
    // nacl-weakened has no GCP counterpart: there is no subnet ACL layer.
    expect(new Set(GCP_MUTATIONS.map((m) => m.channel)).size).toBe(11);
  });

  for (const m of GCP_MUTATIONS) {
    it(`${m.channel}: ${m.name}`, () => {
      const { report } = planted(m);
      const hit = report.violations.find(
        (v) => v.channel === m.channel && v.resource === m.resource,
      );
      expect(
        hit,
        `expected ${m.channel} on ${m.resource}, got:\n${lines(report).join('\n')}`,
      ).toBeDefined();
      const line = formatViolation(hit as NonNullable<typeof hit>);
      const escaped = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
      expect(line).toMatch(
        new RegExp(`^VIOLATION ${escaped(m.resource)}: ${m.channel}: .*${escaped(m.resource)}`),
      );
      if (m.mentions !== undefined) expect(line).toContain(m.mentions);
    });
  }
});

describe('agent-perimeter verify on GCP input', () => {
  it('exits 0 on the plan and the stack export, 1 with VIOLATION lines on a mutated plan', async () => {
    const dir = tempFiles({});
    const clean = join(dir, 'gcp-plan.json');
    const exported = join(dir, 'stack.json');
    writeFileSync(clean, JSON.stringify(plan));
    writeFileSync(exported, JSON.stringify(asStackExport(plan)));
    const ok = await runVerify(clean);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(
      /^contained: 3 agent attachment\(s\) in 1 GCP plan reach only the proxy tier on 3128, 8081 and the endpoints on 443/,
    );
    expect((await runVerify(exported)).code).toBe(0);

    const m = mutationCase('gcp', 'Cloud Run egress PRIVATE_RANGES_ONLY');
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify(planted(m).plan));
    const r = await runVerify(bad);
    expect(r.code).toBe(1);
    expect(r.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(/^VIOLATION demo-claude-code: route-to-internet: Cloud Run service/),
    ]);
    const json = await runVerify(bad, '--json');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({
      contained: false,
      violations: [{ resource: 'demo-claude-code', channel: 'route-to-internet' }],
    });

    const both = await runVerify(clean, bad);
    expect(both.code).toBe(1);
    expect(both.stdout).toMatch(/^VIOLATION .*bad\.json:demo-claude-code: route-to-internet: /m);
  });

  it('exits 2 for JSON that is neither CloudFormation nor GCP', async () => {
    const dir = tempFiles({ 'other.json': '{"deployment": {"resources": "no"}}' });
    const r = await runVerify(join(dir, 'other.json'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/gcp-plan\.json/);
  });
});
