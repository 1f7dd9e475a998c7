import { canonicalRef } from '../containment/gcp/facts/refs.js';
import type { GcpPlan, PlannedResource } from '../contract/gcp-plan.js';
import { GCP_PRICE_REGION, GCP_PRICES, gcpMachinePrice, HOURS_PER_MONTH } from './prices.js';
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
 * The idle monthly cost of a GCP plan (`plan-gcp`, or the same shape from `pulumi stack
 * export`), read from the planned resources, priced with the dated table in prices.ts.
 */

/** Ports one Cloud NAT address offers VMs (65,536 minus the 1,024 reserved). */
const NAT_PORTS_PER_IP = 64_512;
/** Cloud NAT bills per VM up to this many, then a flat gateway rate. */
const NAT_VM_CAP = 32;
/** Forwarding rules covered by the first block rate. */
const FORWARDING_RULE_BLOCK = 5;

const ofType = (plan: GcpPlan, type: string): PlannedResource[] =>
  plan.resources.filter((r) => r.custom && r.type === type);

/** A reference as the verifier compares them: "projects/p/.../x", no API prefix, no query. */
const resourcePath = (value: unknown): string => canonicalRef(String(value));

interface ProxyGroup {
  readonly name: string;
  readonly instances: number;
  readonly machineType: string;
  readonly diskGb: number;
  readonly diskType: string;
  readonly subnetworks: readonly string[];
}

function instanceGroups(plan: GcpPlan): ProxyGroup[] {
  const autoscalers = ofType(plan, 'gcp:compute/regionAutoscaler:RegionAutoscaler');
  const templates = ofType(plan, 'gcp:compute/instanceTemplate:InstanceTemplate');
  return ofType(plan, 'gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager').map(
    (group) => {
      const autoscaler = autoscalers.find((a) => resourcePath(a.inputs.target) === group.id);
      const min = asRecord(autoscaler?.inputs.autoscalingPolicy)?.minReplicas;
      const instances = Number(min ?? group.inputs.targetSize ?? 0);
      const templateId = resourcePath(
        asRecord(asArray(group.inputs.versions)[0])?.instanceTemplate,
      );
      const template = templates.find((t) => t.id === templateId)?.inputs ?? {};
      const boot = asRecord(asArray(template.disks).find((d) => asRecord(d)?.boot === true));
      return {
        name: String(group.inputs.name),
        instances,
        machineType: String(template.machineType),
        diskGb: Number(boot?.diskSizeGb ?? 10),
        diskType: String(boot?.diskType ?? 'pd-standard'),
        subnetworks: asArray(template.networkInterfaces).map((n) =>
          resourcePath(asRecord(n)?.subnetwork),
        ),
      };
    },
  );
}

/** VMs a Cloud NAT gateway serves at idle: the groups' instances in its subnetworks. */
function natVms(nat: PlannedResource, groups: readonly ProxyGroup[]): number {
  const all = nat.inputs.sourceSubnetworkIpRangesToNat !== 'LIST_OF_SUBNETWORKS';
  const natted = new Set(
    asArray(nat.inputs.subnetworks).map((s) => resourcePath(asRecord(s)?.name)),
  );
  return groups
    .filter((g) => all || g.subnetworks.some((s) => natted.has(s)))
    .reduce((sum, g) => sum + g.instances, 0);
}

function natLines(plan: GcpPlan, groups: readonly ProxyGroup[]): CostLine[] {
  const p = GCP_PRICES;
  return ofType(plan, 'gcp:compute/routerNat:RouterNat').flatMap((nat) => {
    const vms = natVms(nat, groups);
    const manual = asArray(nat.inputs.natIps).length;
    // Automatic allocation starts with the addresses the VMs' minimum ports need.
    const minPorts = Number(nat.inputs.minPortsPerVm ?? 64);
    const ips =
      nat.inputs.natIpAllocateOption === 'MANUAL_ONLY'
        ? manual
        : Math.max(1, Math.ceil((vms * minPorts) / NAT_PORTS_PER_IP));
    const gateway =
      vms > NAT_VM_CAP
        ? hourlyLine('Cloud NAT gateway', 1, `${vms} VMs (capped rate)`, p.natGatewayCapHour)
        : hourlyLine('Cloud NAT, per VM', vms, `VMs of ${String(nat.inputs.name)}`, p.natVmHour);
    return [
      gateway,
      hourlyLine(
        'Cloud NAT external IP address',
        ips,
        nat.inputs.natIpAllocateOption === 'MANUAL_ONLY' ? 'reserved' : 'allocated automatically',
        p.natIpHour,
      ),
    ];
  });
}

function vmLines(groups: readonly ProxyGroup[]): CostLine[] {
  return groups.flatMap((g) => {
    const machine = gcpMachinePrice(g.machineType);
    const disk =
      g.diskType === 'pd-balanced' ? GCP_PRICES.pdBalancedGbMonth : GCP_PRICES.pdStandardGbMonth;
    return [
      ...(machine === undefined
        ? []
        : [hourlyLine(`Proxy VM (${g.name})`, g.instances, g.machineType, machine)]),
      costLine(`Proxy boot disk (${g.name})`, g.instances, `${g.diskGb} GB ${g.diskType}`, [
        { price: disk, quantity: g.diskGb },
      ]),
    ];
  });
}

function forwardingRuleLines(plan: GcpPlan): CostLine[] {
  const rules = ofType(plan, 'gcp:compute/forwardingRule:ForwardingRule').length;
  if (rules === 0) return [];
  return [
    hourlyLine(
      'Forwarding rules, first five',
      1,
      `${Math.min(rules, FORWARDING_RULE_BLOCK)} rule(s)`,
      GCP_PRICES.forwardingRulesHour,
    ),
    hourlyLine(
      'Forwarding rule beyond five',
      Math.max(0, rules - FORWARDING_RULE_BLOCK),
      'each',
      GCP_PRICES.extraForwardingRuleHour,
    ),
  ];
}

/** The idle monthly cost of `plan` at us-central1 list prices. */
export function gcpIdleCost(plan: GcpPlan, profile: string): CostReport {
  const p = GCP_PRICES;
  const groups = instanceGroups(plan);
  const unpriced = groups.filter((g) => gcpMachinePrice(g.machineType) === undefined);
  const secrets = new Set(
    ofType(plan, 'gcp:secretmanager/secretIamMember:SecretIamMember').map((r) =>
      String(r.inputs.secretId),
    ),
  );
  const lines: CostLine[] = [
    ...natLines(plan, groups),
    ...vmLines(groups),
    ...forwardingRuleLines(plan),
    monthlyLine(
      'Cloud KMS key version',
      ofType(plan, 'gcp:kms/cryptoKey:CryptoKey').length,
      'one active version each',
      p.kmsKeyVersionMonth,
    ),
    monthlyLine(
      'Cloud Scheduler job',
      ofType(plan, 'gcp:cloudscheduler/job:Job').length,
      'the probe schedule',
      p.schedulerJobMonth,
    ),
    monthlyLine(
      'Cloud DNS managed zone',
      ofType(plan, 'gcp:dns/managedZone:ManagedZone').length,
      'private',
      p.dnsZoneMonth,
    ),
    monthlyLine(
      'Secret Manager secret version (you create it)',
      secrets.size,
      [...secrets].sort().join(', '),
      p.secretVersionMonth,
    ),
  ];
  const jobs = ofType(plan, 'gcp:cloudrunv2/job:Job').length;
  const usage: UsageRate[] = [
    {
      item: 'Cloud NAT data',
      price: p.natGib,
      applies: 'everything the proxy sends or receives on the internet',
    },
    {
      item: 'Internal load balancer data',
      price: p.lbGib,
      applies: 'agent traffic to the proxy, each direction',
    },
    {
      item: 'Cloud Logging ingestion',
      price: p.loggingIngestGib,
      applies: 'proxy access log, NAT logs, subnet flow logs, DNS logs, audit logs',
    },
    {
      item: 'Cloud Logging retention',
      price: p.loggingRetentionGibMonth,
      applies: "the perimeter's log bucket, kept for the policy's retention",
    },
    {
      item: 'Cloud NGFW Standard inspection',
      price: p.ngfwStandardGb,
      applies: 'traffic matched by the FQDN firewall rules',
    },
    {
      item: 'Cloud DNS queries',
      price: p.dnsMillionQueries,
      applies: 'lookups answered by the private zone and response policy',
    },
    {
      item: 'Cloud Run (agents and probe)',
      price: p.runVcpuSecond,
      applies: `per vCPU-second while agents or the ${jobs} probe job run (plus memory); agent services scale to zero`,
    },
  ];
  const notes = [
    `${HOURS_PER_MONTH} hours a month; ${GCP_PRICE_REGION} on-demand list prices; no free tier, committed-use discounts or taxes (E2 machines get no sustained-use discount).`,
    'Cloud NAT allocates addresses automatically: one serves the idle proxy group; more are added as connections need ports.',
    `Alerting policies (${ofType(plan, 'gcp:monitoring/alertPolicy:AlertPolicy').length}) and log-based metrics are not priced here: check Cloud Monitoring pricing for alerting and metric-volume charges.`,
    'Private Google Access (agents and proxy reaching Google APIs) has no charge of its own.',
    ...unpriced.map(
      (g) =>
        `Machine type ${g.machineType} of ${g.name} is not in the price table: its VMs are not counted.`,
    ),
  ];
  return report({ cloud: 'gcp', region: GCP_PRICE_REGION, profile, lines, usage, notes });
}
