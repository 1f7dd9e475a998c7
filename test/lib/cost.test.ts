import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { allProfileCosts, COST_PROFILES, costMarkdown, type ProfileCost } from '../../app/cost.js';
import type { GcpPlan, PlannedResource } from '../../lib/contract/gcp-plan.js';
import {
  AWS_PRICES,
  awsIdleCost,
  type CostLine,
  type CostReport,
  GCP_PRICES,
  gcpIdleCost,
  HOURS_PER_MONTH,
  runsPerMonth,
} from '../../lib/cost/index.js';
import { biomeFormat } from '../../scripts/biome-format.js';

// The cost model over the real templates and GCP plans of both profiles, as `npm run cost`
// builds them. Expected numbers are computed here from the price table and the layout each
// profile should have, so a layout change or a price change shows up as a named difference.

const ROOT = join(import.meta.dirname, '../..');

let ha: ProfileCost;
let lean: ProfileCost;
beforeAll(async () => {
  const costs = await allProfileCosts();
  ha = costs.find((c) => c.profile === 'ha') as ProfileCost;
  lean = costs.find((c) => c.profile === 'lean') as ProfileCost;
}, 600_000);

const line = (r: CostReport, item: string): CostLine => {
  const found = r.lines.filter((l) => l.item.startsWith(item));
  expect(found, item).toHaveLength(1);
  return found[0] as CostLine;
};
const hourly = (usd: number) => usd * HOURS_PER_MONTH;

describe('AWS idle cost from the synthesized template', () => {
  it('ha: a NAT gateway and address per zone, four endpoints in two zones, two x86 tasks', () => {
    const r = ha.aws;
    expect(line(r, 'NAT gateway').count).toBe(2);
    expect(line(r, 'NAT gateway').monthlyUsd).toBeCloseTo(
      2 * hourly(AWS_PRICES.natGatewayHour.usd),
    );
    expect(line(r, 'Public IPv4').monthlyUsd).toBeCloseTo(
      2 * hourly(AWS_PRICES.publicIpv4Hour.usd),
    );
    // ECR API, ECR Docker, CloudWatch Logs and Secrets Manager (the demo injects a key).
    expect(line(r, 'Interface VPC endpoint').count).toBe(8);
    expect(line(r, 'Network Load Balancer').monthlyUsd).toBeCloseTo(hourly(AWS_PRICES.nlbHour.usd));
    const proxy = line(r, 'Fargate service');
    expect(proxy.count).toBe(2);
    expect(proxy.detail).toBe('0.5 vCPU, 1 GB, x86_64');
    expect(proxy.monthlyUsd).toBeCloseTo(
      2 * hourly(0.5 * AWS_PRICES.fargateX86VcpuHour.usd + 1 * AWS_PRICES.fargateX86GbHour.usd),
    );
    expect(line(r, 'KMS').count).toBe(2);
    // One more delivery alarm: the task-event record (tasks/).
    expect(line(r, 'CloudWatch alarm metric').count).toBe(12);
    expect(line(r, 'Secrets Manager secret').detail).toBe('anthropic-api-key');
  });

  it('lean: one NAT gateway, three endpoints in its zone, one small Graviton task, under $100', () => {
    const r = lean.aws;
    expect(line(r, 'NAT gateway').count).toBe(1);
    expect(line(r, 'Public IPv4').count).toBe(1);
    expect(line(r, 'Interface VPC endpoint').count).toBe(3);
    const proxy = line(r, 'Fargate service');
    expect(proxy.count).toBe(1);
    expect(proxy.detail).toBe('0.25 vCPU, 0.5 GB, ARM64 (Graviton)');
    expect(proxy.monthlyUsd).toBeCloseTo(
      hourly(0.25 * AWS_PRICES.fargateArmVcpuHour.usd + 0.5 * AWS_PRICES.fargateArmGbHour.usd),
    );
    const fixedNetwork = hourly(
      AWS_PRICES.natGatewayHour.usd +
        AWS_PRICES.publicIpv4Hour.usd +
        3 * AWS_PRICES.interfaceEndpointAzHour.usd +
        AWS_PRICES.nlbHour.usd,
    );
    const rest = r.lines
      .filter(
        (l) =>
          !/^(NAT gateway|Public IPv4|Interface VPC|Network Load|Fargate service)/.test(l.item),
      )
      .reduce((sum, l) => sum + l.monthlyUsd, 0);
    expect(r.totalUsd).toBeCloseTo(fixedNetwork + proxy.monthlyUsd + rest);
    expect(r.totalUsd).toBeLessThan(100);
    expect(r.totalUsd).toBeLessThan(ha.aws.totalUsd / 2);
  });

  it('totals are the sum of count x quantity x price of their lines', () => {
    for (const r of [ha.aws, lean.aws, ha.gcp, lean.gcp]) {
      const sum = r.lines.reduce(
        (s, l) => s + l.count * l.parts.reduce((e, p) => e + p.quantity * p.price.usd, 0),
        0,
      );
      expect(r.totalUsd).toBeCloseTo(sum, 6);
      for (const l of r.lines) expect(l.count, l.item).toBeGreaterThan(0);
    }
  });

  it('prices the hourly probe at the Fargate minimum per run', () => {
    expect(runsPerMonth('rate(1 hour)')).toBe(HOURS_PER_MONTH);
    expect(runsPerMonth('rate(15 minutes)')).toBe(HOURS_PER_MONTH * 4);
    expect(runsPerMonth('cron(0 * * * ? *)')).toBeUndefined();
    const probe = line(ha.aws, 'Scheduled Fargate task');
    expect(probe.count).toBe(HOURS_PER_MONTH);
    expect(probe.monthlyUsd).toBeCloseTo(
      HOURS_PER_MONTH *
        (60 / 3600) *
        (0.25 * AWS_PRICES.fargateX86VcpuHour.usd + 0.5 * AWS_PRICES.fargateX86GbHour.usd),
    );
  });

  it('lists traffic, log and run charges as rates, never in the total', () => {
    for (const r of [ha.aws, ha.gcp]) {
      expect(r.usage.length).toBeGreaterThan(5);
      for (const u of r.usage) expect(r.lines.some((l) => l.item === u.item)).toBe(false);
    }
    expect(ha.aws.usage.map((u) => u.price)).toContain(AWS_PRICES.natGatewayGb);
  });
});

describe('GCP idle cost from the plan', () => {
  it('ha: two e2-small proxy VMs with 20 GB disks behind Cloud NAT and one forwarding rule', () => {
    const r = ha.gcp;
    const vm = line(r, 'Proxy VM');
    expect([vm.count, vm.detail]).toEqual([2, 'e2-small']);
    expect(vm.monthlyUsd).toBeCloseTo(2 * hourly(GCP_PRICES['e2-small'].usd));
    expect(line(r, 'Proxy boot disk').monthlyUsd).toBeCloseTo(
      2 * 20 * GCP_PRICES.pdBalancedGbMonth.usd,
    );
    expect(line(r, 'Cloud NAT, per VM').monthlyUsd).toBeCloseTo(
      2 * hourly(GCP_PRICES.natVmHour.usd),
    );
    expect(line(r, 'Cloud NAT external IP').count).toBe(1);
    expect(line(r, 'Forwarding rules').monthlyUsd).toBeCloseTo(
      hourly(GCP_PRICES.forwardingRulesHour.usd),
    );
  });

  it('lean: one e2-micro with a 10 GB disk', () => {
    const vm = line(lean.gcp, 'Proxy VM');
    expect([vm.count, vm.detail]).toEqual([1, 'e2-micro']);
    expect(line(lean.gcp, 'Proxy boot disk').detail).toBe('10 GB pd-balanced');
    expect(lean.gcp.totalUsd).toBeLessThan(ha.gcp.totalUsd);
  });
});

describe('docs/cost.md', () => {
  it('is what `npm run cost` generates (run it after changing prices or the layout)', () => {
    const expected = biomeFormat(costMarkdown([ha, lean]), 'docs/cost.md');
    expect(readFileSync(join(ROOT, 'docs', 'cost.md'), 'utf8')).toBe(expected);
    expect(COST_PROFILES.map((p) => p.profile)).toEqual(['ha', 'lean']);
  });
});

describe('the model on hand-written templates and plans', () => {
  const task = (cpu: string, memory: string, arch?: string) => ({
    Type: 'AWS::ECS::TaskDefinition',
    Properties: {
      Cpu: cpu,
      Memory: memory,
      ...(arch === undefined ? {} : { RuntimePlatform: { CpuArchitecture: arch } }),
    },
  });

  it('counts public task addresses, high-resolution and metric-math alarms, desired counts', () => {
    const r = awsIdleCost(
      {
        Resources: {
          Td: task('1024', '2048', 'ARM64'),
          Svc: {
            Type: 'AWS::ECS::Service',
            Properties: {
              LaunchType: 'FARGATE',
              DesiredCount: 3,
              TaskDefinition: { Ref: 'Td' },
              NetworkConfiguration: { AwsvpcConfiguration: { AssignPublicIp: 'ENABLED' } },
            },
          },
          Fast: { Type: 'AWS::CloudWatch::Alarm', Properties: { Period: 10 } },
          Math: {
            Type: 'AWS::CloudWatch::Alarm',
            Properties: {
              Metrics: [
                { Id: 'a', MetricStat: { Period: 300 } },
                { Id: 'b', MetricStat: { Period: 300 } },
                { Id: 'e', Expression: 'a+b' },
              ],
            },
          },
          Gw: { Type: 'AWS::EC2::VPCEndpoint', Properties: { SubnetIds: ['x'] } },
        },
      },
      'test',
    );
    expect(line(r, 'Public IPv4').count).toBe(3);
    expect(line(r, 'Fargate service').monthlyUsd).toBeCloseTo(
      3 * hourly(AWS_PRICES.fargateArmVcpuHour.usd + 2 * AWS_PRICES.fargateArmGbHour.usd),
    );
    const alarms = r.lines.filter((l) => l.item === 'CloudWatch alarm metric');
    expect(alarms.map((l) => [l.detail, l.count])).toEqual([
      ['standard resolution', 2],
      ['high resolution', 1],
    ]);
    // A VPCEndpoint without a type is a gateway endpoint: free.
    expect(r.lines.some((l) => l.item.startsWith('Interface'))).toBe(false);
  });

  const resource = (
    type: string,
    id: string,
    inputs: Record<string, unknown>,
  ): PlannedResource => ({
    urn: `urn:${id}`,
    id,
    type,
    name: id,
    custom: true,
    parent: null,
    inputs: inputs as PlannedResource['inputs'],
    dependencies: [],
  });
  const plan = (vms: number, nat: Record<string, unknown>): GcpPlan => ({
    format: 'agent-perimeter/gcp-plan@1',
    policy: 't',
    project: 'p',
    region: 'r',
    outputs: {},
    warnings: [],
    resources: [
      resource(
        'gcp:compute/instanceTemplate:InstanceTemplate',
        'projects/p/global/instanceTemplates/t',
        {
          machineType: 'e2-medium',
          disks: [{ boot: true, diskSizeGb: 30, diskType: 'pd-standard' }],
          networkInterfaces: [{ subnetwork: 'projects/p/regions/r/subnetworks/s' }],
        },
      ),
      resource(
        'gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager',
        'projects/p/regions/r/instanceGroupManagers/g',
        {
          name: 'g',
          targetSize: vms,
          versions: [
            {
              instanceTemplate:
                'https://www.googleapis.com/compute/v1/projects/p/global/instanceTemplates/t',
            },
          ],
        },
      ),
      resource('gcp:compute/routerNat:RouterNat', 'n', { name: 'n', ...nat }),
    ],
  });

  it('caps Cloud NAT at 32 VMs, counts reserved NAT addresses, prices disks by type', () => {
    const many = gcpIdleCost(
      plan(40, { natIpAllocateOption: 'MANUAL_ONLY', natIps: ['a', 'b'] }),
      't',
    );
    expect(line(many, 'Cloud NAT gateway').monthlyUsd).toBeCloseTo(
      hourly(GCP_PRICES.natGatewayCapHour.usd),
    );
    expect(line(many, 'Cloud NAT external IP').count).toBe(2);
    expect(line(many, 'Proxy VM').monthlyUsd).toBeCloseTo(40 * hourly(GCP_PRICES['e2-medium'].usd));
    expect(line(many, 'Proxy boot disk').monthlyUsd).toBeCloseTo(
      40 * 30 * GCP_PRICES.pdStandardGbMonth.usd,
    );
    const few = gcpIdleCost(
      plan(3, { natIpAllocateOption: 'AUTO_ONLY', minPortsPerVm: 32_768 }),
      't',
    );
    expect(line(few, 'Cloud NAT, per VM').count).toBe(3);
    // 3 x 32,768 ports need two addresses of 64,512.
    expect(line(few, 'Cloud NAT external IP').count).toBe(2);
  });
});
