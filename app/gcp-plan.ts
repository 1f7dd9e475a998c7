// The offline GCP plan: runs the Pulumi program (bin/pulumi-program.ts) under Pulumi's mocks,
// without the Pulumi CLI or Google credentials, and records every resource it would create.
import { relative, resolve } from 'node:path';
import type { JsonObject } from '../lib/json.js';
import { writeFileAtomic } from '../lib/write-file.js';
import { canonicalJson, recordUnderMocks } from '../pulumi/plan/record.js';
import { GCP_PLAN_FORMAT, type GcpPlan, type PlannedResource } from '../pulumi/plan/types.js';
import { PLAN_PROJECT, PLAN_REGION } from './gcp-plan-placeholders.js';
import { buildGcpProgram, readProgramConfig } from './gcp-program.js';
import { type PreparedPolicy, preparePolicy } from './prepare.js';

export interface GcpPlanOptions {
  /** Policy file. @default the embedded agent-perimeter.yaml */
  readonly policyFile?: string;
  /** The policy, already prepared, instead of reading `policyFile`. */
  readonly prepared?: PreparedPolicy;
  /** @default PLAN_PROJECT */
  readonly project?: string;
  /** @default PLAN_REGION */
  readonly region?: string;
  /** More program config, short keys as in Pulumi.<stack>.yaml (e.g. { agentRuntime: "both" }). */
  readonly config?: Readonly<Record<string, string>>;
}

/** Runs the program under mocks and returns the plan. One plan at a time per process. */
export async function planGcp(options: GcpPlanOptions = {}): Promise<GcpPlan> {
  const project = options.project ?? PLAN_PROJECT;
  const region = options.region ?? PLAN_REGION;
  const prepared = options.prepared ?? preparePolicy(options.policyFile);
  const config: Record<string, string> = { 'agent-perimeter:policy': prepared.file.path };
  for (const [key, value] of Object.entries(options.config ?? {})) {
    config[key.includes(':') ? key : `agent-perimeter:${key}`] = value;
  }
  const { resources, outputs } = await recordUnderMocks({ project, region, config }, () => {
    const { outputs: programOutputs } = buildGcpProgram(readProgramConfig(), prepared);
    return programOutputs;
  });
  return {
    format: GCP_PLAN_FORMAT,
    policy: outputs.policy,
    project,
    region,
    outputs: canonicalJson(outputs) as JsonObject,
    warnings: [...outputs.warnings],
    resources,
  };
}

/** The plan as the JSON text written to disk: sorted keys, two-space indent, final newline. */
export function gcpPlanJson(plan: GcpPlan): string {
  return `${JSON.stringify(canonicalJson(plan), null, 2)}\n`;
}

const ofType = (plan: GcpPlan, type: string): PlannedResource[] =>
  plan.resources.filter((r) => r.type === type);

/** A few lines that say what the plan contains, read from the planned resources themselves. */
export function summarizeGcpPlan(plan: GcpPlan): string[] {
  const count = (type: string) => ofType(plan, type).length;
  const custom = plan.resources.filter((r) => r.custom).length;
  const nat = ofType(plan, 'gcp:compute/routerNat:RouterNat')[0]?.inputs;
  const natSubnets = Array.isArray(nat?.subnetworks)
    ? nat.subnetworks.map((s) =>
        String((s as JsonObject).name)
          .split('/')
          .pop(),
      )
    : [];
  const autoscaler = ofType(plan, 'gcp:compute/regionAutoscaler:RegionAutoscaler')[0]?.inputs
    .autoscalingPolicy as JsonObject | undefined;
  const template = ofType(plan, 'gcp:compute/instanceTemplate:InstanceTemplate')[0]?.inputs;
  const forwarding = ofType(plan, 'gcp:compute/forwardingRule:ForwardingRule')[0]?.inputs;
  const ports = forwarding?.allPorts === true ? 'all ports' : (forwarding?.ports ?? []);
  const services = ofType(plan, 'gcp:cloudrunv2/service:Service').map((r) => String(r.inputs.name));
  const jobs = ofType(plan, 'gcp:cloudrunv2/job:Job').map((r) => String(r.inputs.name));
  const bucket = ofType(plan, 'gcp:logging/projectBucketConfig:ProjectBucketConfig')[0]?.inputs;
  return [
    `  resources  ${custom} GCP resources in ${plan.resources.length - custom} components (project ${plan.project}, region ${plan.region})`,
    `  network    ${count('gcp:compute/subnetwork:Subnetwork')} subnets, ${count('gcp:compute/route:Route')} routes, ${count('gcp:compute/firewall:Firewall')} firewall rules, Cloud NAT for ${natSubnets.join(', ') || 'nothing'}, ${count('gcp:dns/responsePolicyRule:ResponsePolicyRule')} DNS allowlist rules`,
    `  proxy      ${String(template?.machineType)} x ${String(autoscaler?.minReplicas)}-${String(autoscaler?.maxReplicas)} behind ${String(forwarding?.ipAddress)} (${Array.isArray(ports) ? ports.join(', ') : ports}), ${count('gcp:compute/networkFirewallPolicyRule:NetworkFirewallPolicyRule')} FQDN policy rules`,
    `  agents     ${services.length} Cloud Run service(s) on gen1 (gVisor)${services.length > 0 ? `: ${services.join(', ')}` : ''}; ${jobs.length} job(s) on gen2${jobs.length > 0 ? `: ${jobs.join(', ')}` : ''}`,
    `  audit      log bucket ${String(bucket?.bucketId)}: ${String(bucket?.retentionDays)} days${bucket?.locked === true ? ', locked' : ''}`,
    ...plan.warnings.map((w) => `  warning    ${w}`),
  ];
}

/**
 * Plans, writes the JSON to `outFile` and returns the plan with a one-line headline and the
 * summary lines (for `plan-gcp` and `synth`).
 */
export async function writeGcpPlan(
  options: GcpPlanOptions & { readonly outFile: string },
): Promise<{ plan: GcpPlan; file: string; headline: string; summary: string[] }> {
  const started = performance.now();
  const plan = await planGcp(options);
  const file = resolve(options.outFile);
  writeFileAtomic(file, gcpPlanJson(plan));
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const shown = relative(process.cwd(), file) || file;
  return {
    plan,
    file,
    headline: `GCP plan of policy "${plan.policy}": ${plan.resources.filter((r) => r.custom).length} resources -> ${shown} (offline, Pulumi mocks, ${seconds}s)`,
    summary: summarizeGcpPlan(plan),
  };
}
