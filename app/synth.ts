import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

import {
  combine,
  formatReport,
  type VerifyReport,
  verifyTemplate,
} from '../lib/containment/index.js';
import { UserError } from '../lib/errors.js';
import {
  modelAccessCloud,
  type Policy,
  policyWarnings,
  proxyEgress,
  proxyModelAccess,
  proxyPorts,
  warningText,
  withProfilePorts,
} from '../lib/policy/index.js';
import { writeFileAtomic } from '../lib/write-file.js';
import { envoyYaml } from '../proxy/yaml.js';
import { buildAwsApp } from './aws.js';
import { writeGcpPlan } from './gcp-plan.js';
import { type PackCount, packResults } from './packs.js';
import { type PreparedPolicy, preparePolicy } from './prepare.js';

/*
 * `npm run synth` as one pipeline, computed once: policy -> Envoy config -> AWS assembly (with
 * its checks) -> GCP plan (with its check) -> a report value. The command only prints it.
 */

export type { PackCount } from './packs.js';

export interface SynthReport {
  readonly prepared: PreparedPolicy;
  /** CloudFormation resource types of the stack. */
  readonly stackName: string;
  readonly resourceTypes: readonly string[];
  readonly packs: readonly PackCount[];
  /** The AWS containment proof, as the synth's own plugin computed it. */
  readonly awsContainment: VerifyReport;
  /** The GCP plan and its proof; undefined when the policy's model access is AWS-only. */
  readonly gcp: Awaited<ReturnType<typeof writeGcpPlan>> | undefined;
  readonly gcpContainment: VerifyReport | undefined;
  readonly files: {
    readonly template: string;
    readonly envoy: string;
    readonly nag: string;
    readonly gcpPlan: string | undefined;
  };
  readonly seconds: number;
  /** False when a check failed after the assembly was written (today: the GCP proof). */
  readonly ok: boolean;
}

export interface SynthOptions {
  /** Policy file. @default the embedded default */
  readonly policyFile?: string;
  /**
   * The policy, already prepared (the command passes the one it read).
   * @default - prepared from `policyFile`
   */
  readonly prepared?: PreparedPolicy;
  /** Output directory (absolute). */
  readonly outdir: string;
}

/**
 * Synthesizes and checks everything for one policy. Throws (before writing anything) for a bad
 * policy; a failing AWS check makes `app.synth()` throw, which the caller reports.
 */
export async function synthesize(options: SynthOptions): Promise<SynthReport> {
  const started = performance.now();
  const prepared = options.prepared ?? preparePolicy(options.policyFile);
  const cloud = modelAccessCloud(proxyModelAccess(prepared.policy));
  if (cloud === 'gcp') {
    throw new UserError(
      `${prepared.file.shown}: model_access.provider is "vertex", which only a GCP proxy can serve (its service account mints the tokens), so there is no AWS stack to synthesize. Fix: plan it with \`npx agent-perimeter plan-gcp --policy ${prepared.file.shown}\`.`,
    );
  }
  const { app, stack, containment } = buildAwsApp({
    prepared,
    outdir: options.outdir,
    context: { '@aws-cdk/core:validationReportJson': true },
  });
  app.synth();

  const template = join(options.outdir, `${stack.stackName}.template.json`);
  const types = Object.values(
    (JSON.parse(readFileSync(template, 'utf8')) as { Resources: Record<string, { Type: string }> })
      .Resources,
  ).map((r) => r.Type);
  const envoy = join(options.outdir, `${stack.stackName}.envoy.yaml`);
  writeFileAtomic(envoy, envoyYaml(prepared.envoyConfig, prepared.file.shown));

  const { packs, acknowledgements: acks } = packResults(options.outdir, stack);
  const nag = join(options.outdir, 'agent-perimeter-nag.json');
  writeFileAtomic(nag, `${JSON.stringify({ packs, acknowledgements: acks }, null, 2)}\n`);

  // The GCP perimeter from the same prepared policy, planned offline (Pulumi mocks), unless
  // the model access needs the AWS proxy's identity (Bedrock).
  const gcp =
    cloud === 'aws'
      ? undefined
      : await writeGcpPlan({ prepared, outFile: join(options.outdir, 'gcp-plan.json') });
  const gcpContainment =
    gcp === undefined
      ? undefined
      : combine([
          verifyTemplate(gcp.plan, relative(process.cwd(), gcp.file) || gcp.file, {
            proxyPorts: [...proxyPorts(prepared.policy).agentFacing],
            ...withProfilePorts(prepared.policy),
            expectedProxy: prepared.expectedProxy,
          }),
        ]);
  return {
    prepared,
    stackName: stack.stackName,
    resourceTypes: types,
    packs,
    awsContainment: containment.lastReport(),
    gcp,
    gcpContainment,
    files: { template, envoy, nag, gcpPlan: gcp?.file },
    seconds: (performance.now() - started) / 1000,
    ok: gcpContainment?.contained ?? true,
  };
}

/** `EC2 92, IAM 14, ...`: resource counts per AWS service, largest first. */
export function byService(types: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const type of types) {
    const service = type.startsWith('Custom::') ? 'custom' : (type.split('::')[1] ?? type);
    counts.set(service, (counts.get(service) ?? 0) + 1);
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([service, n]) => `${service} ${n}`)
    .join(', ');
}

/** The summary `npm run synth` prints. */
export function formatSynthReport(r: SynthReport): string[] {
  const show = (path: string) => relative(process.cwd(), path) || '.';
  const { policy, file } = r.prepared;
  const gcpLines =
    r.gcp === undefined || r.gcpContainment === undefined
      ? [
          `  gcp        skipped: model_access.provider "${proxyModelAccess(policy).provider}" is served by the AWS proxy's task role only`,
        ]
      : gcpReportLines(r.gcp, r.gcpContainment, policy);
  return [
    `agent-perimeter synth: policy "${policy.name}" (${file.shown}) in ${r.seconds.toFixed(1)}s`,
    `  stack      ${r.stackName}: ${r.resourceTypes.length} resources (${byService(r.resourceTypes)})`,
    `  egress     ${proxyEgress(policy).length} allowlisted host(s), ${proxyEgress(policy).filter((e) => e.inject).length} with credential injection${policy.agents.length > 1 ? `, ${policy.agents.length} profiles with their own listeners` : ''}`,
    ...r.packs.map(
      (p) =>
        `  ${p.engine.padEnd(10)} ${p.pack.padEnd(15)} ${p.unacknowledged} unacknowledged, ${p.acknowledged} acknowledged`,
    ),
    `  contain    ${formatReport(r.awsContainment)[0] ?? ''}`,
    process.env.CDK_VALIDATION === 'false'
      ? '  cfn        CloudFormation validation skipped (CDK_VALIDATION=false)'
      : "  cfn        CDK's CloudFormation validation passed",
    ...gcpLines,
    `  outputs    ${show(r.files.template)}`,
    `             ${show(r.files.envoy)}`,
    `             ${show(r.files.nag)} (acknowledgements with reasons)`,
    ...(r.files.gcpPlan === undefined ? [] : [`             ${show(r.files.gcpPlan)}`]),
  ];
}

function gcpReportLines(
  gcp: NonNullable<SynthReport['gcp']>,
  containment: VerifyReport,
  policy: Policy,
): string[] {
  const [line = ''] = formatReport(containment);
  // The policy's own warnings were printed when the command read it.
  const printed = new Set(policyWarnings(policy).map(warningText));
  return [
    `  gcp        ${gcp.headline}`,
    `  contain    ${containment.contained ? line : `${containment.violations.length} way(s) out in the GCP plan:`}`,
    ...(containment.contained ? [] : formatReport(containment)),
    ...gcp.plan.warnings.filter((w) => !printed.has(w)).map((w) => `  gcp        warning: ${w}`),
  ];
}
