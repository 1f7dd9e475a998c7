import type { CfnResource, CfnTemplate } from '../containment/aws/template.js';
import {
  AWS_PRICE_REGION,
  AWS_PRICES,
  FARGATE_MINIMUM_SECONDS,
  HOURS_PER_MONTH,
} from './prices.js';
import { asArray, asRecord } from './read.js';
import {
  type CostLine,
  type CostReport,
  costLine,
  hourlyLine,
  monthlyLine,
  report,
  type UsageRate,
} from './report.js';

/*
 * The idle monthly cost of a synthesized CloudFormation template, read from the resources
 * themselves (what would be deployed), priced with the dated table in prices.ts. Charges that
 * depend on traffic, log volume or runs are listed as rates.
 */

type Json = unknown;
/**
 * A template's resources, typed as the verifier reads them; any JSON is priced, so they may be
 * missing.
 */
type Template = Partial<Pick<CfnTemplate, 'Resources'>>;

/** The logical id a `{ Ref }` or `{ Fn::GetAtt }` names, if it is one. */
function referencedId(value: Json): string | undefined {
  const record = asRecord(value);
  if (record === undefined) return undefined;
  if (typeof record.Ref === 'string') return record.Ref;
  const att = asArray(record['Fn::GetAtt']);
  return typeof att[0] === 'string' ? att[0] : undefined;
}

/** Every logical id referenced anywhere inside `value`. */
function referencedIds(value: Json, out: Set<string> = new Set()): Set<string> {
  const id = referencedId(value);
  if (id !== undefined) out.add(id);
  if (Array.isArray(value)) for (const v of value) referencedIds(v, out);
  else {
    const record = asRecord(value);
    if (record !== undefined) for (const v of Object.values(record)) referencedIds(v, out);
  }
  return out;
}

const resourcesOf = (template: Template, type: string) =>
  Object.entries(template.Resources ?? {}).filter(([, r]) => r.Type === type);

/** A Fargate task size as the template states it. */
export interface FargateSize {
  readonly vcpu: number;
  readonly memoryGb: number;
  readonly arch: 'x86_64' | 'arm64';
}

function taskSize(template: Template, taskDefinition: Json): FargateSize | undefined {
  const id = referencedId(taskDefinition);
  const props = id === undefined ? undefined : template.Resources?.[id]?.Properties;
  if (props === undefined) return undefined;
  const platform = asRecord(props.RuntimePlatform);
  return {
    vcpu: Number(props.Cpu) / 1024,
    memoryGb: Number(props.Memory) / 1024,
    arch: platform?.CpuArchitecture === 'ARM64' ? 'arm64' : 'x86_64',
  };
}

function fargateParts(size: FargateSize, hours: number) {
  const arm = size.arch === 'arm64';
  return [
    {
      price: arm ? AWS_PRICES.fargateArmVcpuHour : AWS_PRICES.fargateX86VcpuHour,
      quantity: size.vcpu * hours,
    },
    {
      price: arm ? AWS_PRICES.fargateArmGbHour : AWS_PRICES.fargateX86GbHour,
      quantity: size.memoryGb * hours,
    },
  ];
}

const describeSize = (s: FargateSize) =>
  `${s.vcpu} vCPU, ${s.memoryGb} GB, ${s.arch === 'arm64' ? 'ARM64 (Graviton)' : 'x86_64'}`;

/** Idle task count of each ECS service: the autoscaler's minimum, else the desired count. */
function idleTasks(template: Template, serviceId: string, service: CfnResource): number {
  for (const [, target] of resourcesOf(template, 'AWS::ApplicationAutoScaling::ScalableTarget')) {
    const props = target.Properties ?? {};
    if (props.ScalableDimension !== 'ecs:service:DesiredCount') continue;
    if (referencedIds(props.ResourceId).has(serviceId)) return Number(props.MinCapacity);
  }
  const desired = service.Properties?.DesiredCount;
  return desired === undefined ? 1 : Number(desired);
}

function fargateServices(template: Template): CostLine[] {
  return resourcesOf(template, 'AWS::ECS::Service').flatMap(([id, service]) => {
    const props = service.Properties ?? {};
    if (props.LaunchType !== 'FARGATE') return [];
    const size = taskSize(template, props.TaskDefinition);
    if (size === undefined) return [];
    return [
      costLine(
        `Fargate service ${id}`,
        idleTasks(template, id, service),
        describeSize(size),
        fargateParts(size, HOURS_PER_MONTH),
      ),
    ];
  });
}

/** Runs a month of an EventBridge Scheduler `rate(...)` expression; undefined for cron. */
export function runsPerMonth(expression: string): number | undefined {
  const match = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (match === null) return undefined;
  const minutes = { minute: 1, hour: 60, day: 1440 }[
    (match[2] as string).replace(/s$/, '') as 'minute' | 'hour' | 'day'
  ];
  return (HOURS_PER_MONTH * 60) / (Number(match[1]) * minutes);
}

/** Scheduled Fargate tasks, at Fargate's one-minute minimum per run (a floor, not a guess). */
function scheduledTasks(template: Template): CostLine[] {
  return resourcesOf(template, 'AWS::Scheduler::Schedule').flatMap(([id, schedule]) => {
    const props = schedule.Properties ?? {};
    const ecs = asRecord(asRecord(props.Target)?.EcsParameters);
    const runs = runsPerMonth(String(props.ScheduleExpression));
    if (ecs === undefined || ecs.LaunchType !== 'FARGATE' || runs === undefined) return [];
    const size = taskSize(template, ecs.TaskDefinitionArn);
    if (size === undefined) return [];
    const hours = FARGATE_MINIMUM_SECONDS / 3600;
    return [
      costLine(
        `Scheduled Fargate task ${id} (one-minute minimum per run)`,
        runs * Number(ecs.TaskCount ?? 1),
        `${describeSize(size)}, ${props.ScheduleExpression}`,
        fargateParts(size, hours),
      ),
    ];
  });
}

function interfaceEndpoints(template: Template): { endpoints: number; azHours: number } {
  let endpoints = 0;
  let azHours = 0;
  for (const [, endpoint] of resourcesOf(template, 'AWS::EC2::VPCEndpoint')) {
    const props = endpoint.Properties ?? {};
    if (props.VpcEndpointType !== 'Interface') continue;
    endpoints += 1;
    // One network interface per subnet, and the perimeter puts one subnet per zone.
    azHours += asArray(props.SubnetIds).length;
  }
  return { endpoints, azHours };
}

/** Public IPv4 addresses: Elastic IPs, and tasks of services that assign public IPs. */
function publicIpv4(template: Template): { eips: number; taskIps: number } {
  const eips = resourcesOf(template, 'AWS::EC2::EIP').length;
  const taskIps = resourcesOf(template, 'AWS::ECS::Service')
    .filter(
      ([, s]) =>
        asRecord(asRecord(s.Properties?.NetworkConfiguration)?.AwsvpcConfiguration)
          ?.AssignPublicIp === 'ENABLED',
    )
    .reduce((sum, [id, s]) => sum + idleTasks(template, id, s), 0);
  return { eips, taskIps };
}

function alarmMetrics(template: Template): { standard: number; high: number } {
  let standard = 0;
  let high = 0;
  for (const [, alarm] of resourcesOf(template, 'AWS::CloudWatch::Alarm')) {
    const props = alarm.Properties ?? {};
    const stats = asArray(props.Metrics)
      .map((m) => asRecord(asRecord(m)?.MetricStat))
      .filter((s) => s !== undefined);
    const periods = stats.length > 0 ? stats.map((s) => Number(s.Period)) : [Number(props.Period)];
    for (const period of periods) {
      if (period < 60) high += 1;
      else standard += 1;
    }
  }
  return { standard, high };
}

/** Custom metrics the metric filters publish, one per namespace, name and dimension set. */
function customMetrics(template: Template): number {
  const metrics = new Set<string>();
  for (const [, filter] of resourcesOf(template, 'AWS::Logs::MetricFilter')) {
    for (const t of asArray(filter.Properties?.MetricTransformations)) {
      const m = asRecord(t) ?? {};
      metrics.add(JSON.stringify([m.MetricNamespace, m.MetricName, m.Dimensions ?? []]));
    }
  }
  return metrics.size;
}

/** Secrets the task definitions read from Secrets Manager (created by the deployer). */
function secretNames(template: Template): string[] {
  const names = new Set<string>();
  for (const [, td] of resourcesOf(template, 'AWS::ECS::TaskDefinition')) {
    for (const container of asArray(td.Properties?.ContainerDefinitions)) {
      for (const secret of asArray(asRecord(container)?.Secrets)) {
        const text = JSON.stringify(asRecord(secret)?.ValueFrom ?? '');
        const name = /:secret:([A-Za-z0-9/_+=.@-]+)/.exec(text)?.[1];
        if (name !== undefined) names.add(name);
      }
    }
  }
  return [...names].sort();
}

function dnsFirewallDomains(template: Template): number {
  return resourcesOf(template, 'AWS::Route53Resolver::FirewallDomainList').reduce(
    (sum, [, list]) => sum + asArray(list.Properties?.Domains).length,
    0,
  );
}

const count = (template: Template, type: string) => resourcesOf(template, type).length;

/** The idle monthly cost of `template` at us-east-1 list prices. */
export function awsIdleCost(template: unknown, profile: string): CostReport {
  const t = template as Template;
  const p = AWS_PRICES;
  const nat = count(t, 'AWS::EC2::NatGateway');
  const endpoints = interfaceEndpoints(t);
  const nlbs = resourcesOf(t, 'AWS::ElasticLoadBalancingV2::LoadBalancer').filter(
    ([, lb]) => lb.Properties?.Type === 'network',
  ).length;
  const alarms = alarmMetrics(t);
  const secrets = secretNames(t);
  const ipv4 = publicIpv4(t);
  const lines: CostLine[] = [
    hourlyLine('NAT gateway', nat, 'proxy egress', p.natGatewayHour),
    hourlyLine(
      'Public IPv4 address',
      ipv4.eips + ipv4.taskIps,
      `${ipv4.eips} Elastic IP(s) (NAT gateways), ${ipv4.taskIps} public task address(es)`,
      p.publicIpv4Hour,
    ),
    hourlyLine(
      'Interface VPC endpoint, per zone',
      endpoints.azHours,
      `${endpoints.endpoints} endpoint(s) x their zones`,
      p.interfaceEndpointAzHour,
    ),
    hourlyLine('Network Load Balancer', nlbs, 'internal, in front of the proxy', p.nlbHour),
    ...fargateServices(t),
    ...scheduledTasks(t),
    monthlyLine(
      'KMS customer-managed key',
      count(t, 'AWS::KMS::Key'),
      'log and audit encryption',
      p.kmsKeyMonth,
    ),
    monthlyLine(
      'CloudWatch alarm metric',
      alarms.standard,
      'standard resolution',
      p.alarmMetricMonth,
    ),
    monthlyLine(
      'CloudWatch alarm metric',
      alarms.high,
      'high resolution',
      p.highResolutionAlarmMetricMonth,
    ),
    monthlyLine(
      'CloudWatch custom metric',
      customMetrics(t),
      'published by log metric filters',
      p.customMetricMonth,
    ),
    monthlyLine(
      'DNS Firewall domain name',
      dnsFirewallDomains(t),
      'stored in domain lists',
      p.dnsFirewallDomainMonth,
    ),
    monthlyLine(
      'Secrets Manager secret (you create it)',
      secrets.length,
      secrets.join(', '),
      p.secretMonth,
    ),
  ];
  const usage: UsageRate[] = [
    {
      item: 'NAT gateway data',
      price: p.natGatewayGb,
      applies: 'everything the proxy sends or receives on the internet',
    },
    {
      item: 'Interface endpoint data',
      price: p.interfaceEndpointGb,
      applies: 'image pulls, log delivery, secret reads through endpoints',
    },
    {
      item: 'NLB capacity units',
      price: p.nlbLcuHour,
      applies: 'agent connections to the proxy (new and active flows, bytes)',
    },
    {
      item: 'CloudWatch Logs ingestion',
      price: p.logsIngestGb,
      applies: 'proxy access log (one JSON line a request), agent logs, flow logs, DNS query logs',
    },
    {
      item: 'CloudWatch Logs storage',
      price: p.logsStorageGbMonth,
      applies: `${count(t, 'AWS::Logs::LogGroup')} log groups, kept for the policy's retention`,
    },
    {
      item: 'Firehose ingestion',
      price: p.firehoseGb,
      applies: `${count(t, 'AWS::KinesisFirehose::DeliveryStream')} delivery streams copying logs to the audit bucket`,
    },
    {
      item: 'S3 storage',
      price: p.s3StandardGbMonth,
      applies: 'the audit bucket (object-locked for the retention)',
    },
    {
      item: 'DNS Firewall queries',
      price: p.dnsFirewallMillionQueries,
      applies: 'every lookup in the VPC',
    },
    {
      item: 'Cross-zone data',
      price: p.crossAzGb,
      applies: 'agents and proxy tasks reaching a NAT gateway or endpoint in another zone',
    },
    {
      item: 'ECR storage',
      price: p.ecrStorageGbMonth,
      applies: 'images cached by the pull-through rule',
    },
    {
      item: 'Agent tasks',
      price: p.fargateX86VcpuHour,
      applies: 'per vCPU-hour while agents run (plus memory), none while idle',
    },
  ];
  const notes = [
    `${HOURS_PER_MONTH} hours a month; us-east-1 on-demand list prices; no free tier, Savings Plans or taxes.`,
    'Scheduled tasks are counted at the one-minute minimum Fargate bills per run; longer runs cost proportionally more.',
    'Custom metrics are billed for the hours they receive data; the probe, flow logs and health checks keep them publishing, so they are counted in full.',
    'KMS adds $1 a month per key for each of the first two automatic rotations (years two and three).',
    'Container Insights on the ECS clusters bills its metrics as custom metrics and its performance events as log ingestion: traffic- and task-dependent, not counted.',
  ];
  return report({ cloud: 'aws', region: AWS_PRICE_REGION, profile, lines, usage, notes });
}
