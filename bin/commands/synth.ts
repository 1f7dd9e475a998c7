import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { proxyPorts } from '../../lib/policy/index.js';
import { writeFileAtomic } from '../../lib/write-file.js';
import { renderCheckedProxyConfig } from '../../proxy/index.js';
import { envoyYaml } from '../../proxy/yaml.js';
import { parseCommandArgs } from './args.js';
import type { Command } from './command.js';

const PACKS = [
  'AwsSolutions',
  'NIST.800.53.R5',
  'HIPAA.Security',
  'PCI.DSS.321',
  'AgentPerimeter',
] as const;

interface ValidationReport {
  readonly pluginReports: readonly {
    readonly summary: { readonly pluginName: string };
    readonly violations: readonly { readonly ruleName: string; readonly severity: string }[];
  }[];
}

export const synthCommand: Command = {
  name: 'synth',
  summary: 'Synthesize the AWS stack from the policy, check it, and summarize.',
  usage: `Usage: agent-perimeter synth [--policy FILE] [--out DIR]

Builds the AWS CDK app from the policy (default: the embedded agent-perimeter.yaml), renders
and validates the Envoy config, synthesizes CloudFormation into DIR (default: cdk.out) with
the cdk-nag packs (AwsSolutions, NIST 800-53 R5, HIPAA Security, PCI DSS 3.2.1) and CDK's
CloudFormation validation, plans the GCP perimeter offline into DIR/gcp-plan.json (Pulumi
mocks, no CLI or credentials), and prints a summary. Exit 1 when a check fails.`,
  async run(argv, io) {
    const { values } = parseCommandArgs(
      'synth',
      argv,
      { policy: { type: 'string' }, out: { type: 'string', default: 'cdk.out' } },
      0,
    );
    // aws-cdk-lib takes about a second to load: only this command pays for it.
    const [{ buildCdkApp }, { acknowledgementsUnder }, { ContainmentChecks }, containmentLib] =
      await Promise.all([
        import('../cdk-app.js'),
        import('../../cdk/nag.js'),
        import('../../cdk/containment/index.js'),
        import('../../lib/containment/index.js'),
      ]);
    const outdir = resolve(values.out);
    const started = performance.now();
    const { app, policy, policyFile, stack } = buildCdkApp({
      ...(values.policy === undefined ? {} : { policyFile: values.policy }),
      outdir,
      context: { '@aws-cdk/core:validationReportJson': true },
    });
    const show = (path: string) => relative(process.cwd(), path) || '.';
    try {
      app.synth();
    } catch (error) {
      io.err(`synth failed: ${error instanceof Error ? error.message : String(error)}`);
      return 1;
    }

    const templateFile = join(outdir, `${stack.stackName}.template.json`);
    const template = JSON.parse(readFileSync(templateFile, 'utf8')) as {
      Resources: Record<string, { Type: string }>;
    };
    const types = Object.values(template.Resources).map((r) => r.Type);
    const envoyFile = join(outdir, `${stack.stackName}.envoy.yaml`);
    writeFileAtomic(envoyFile, envoyYaml(renderCheckedProxyConfig(policy), show(policyFile)));

    const report = JSON.parse(
      readFileSync(join(outdir, 'policy-validation-report.json'), 'utf8'),
    ) as ValidationReport;
    const acks = acknowledgementsUnder(stack);
    const nagFile = join(outdir, 'agent-perimeter-nag.json');
    const packs = PACKS.map((pack) => {
      const plugin = report.pluginReports.find((r) => r.summary.pluginName === pack);
      return {
        pack,
        unacknowledged: plugin?.violations.length ?? 0,
        acknowledged: acks.filter((a) => a.id.startsWith(`${pack}-`)).length,
      };
    });
    writeFileAtomic(nagFile, `${JSON.stringify({ packs, acknowledgements: acks }, null, 2)}\n`);

    // The plugin already failed synth on any violation; this re-run gives the summary line.
    const containment = containmentLib.verifyTemplateFiles(
      [templateFile],
      new ContainmentChecks(app, { proxyPorts: [...proxyPorts(policy).agentFacing] }).options(),
      [show(templateFile)],
    );

    // The GCP perimeter from the same policy, planned offline (Pulumi mocks; no CLI or credentials).
    const { writeGcpPlan } = await import('../gcp-plan.js');
    const gcp = await writeGcpPlan({ policyFile, outFile: join(outdir, 'gcp-plan.json') });
    const gcpContainment = containmentLib.verifyTemplateFiles(
      [gcp.file],
      { proxyPorts: [...proxyPorts(policy).agentFacing] },
      [show(gcp.file)],
    );
    const [gcpLine = ''] = containmentLib.formatReport(gcpContainment);

    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    io.out(
      [
        `agent-perimeter synth: policy "${policy.name}" (${show(policyFile)}) in ${seconds}s`,
        `  stack      ${stack.stackName}: ${types.length} resources (${byService(types)})`,
        `  egress     ${policy.egress.length} allowlisted host(s), ${policy.egress.filter((e) => e.inject).length} with credential injection`,
        ...packs.map(
          (p) =>
            `  cdk-nag    ${p.pack.padEnd(15)} ${p.unacknowledged} unacknowledged, ${p.acknowledged} acknowledged`,
        ),
        `  contain    ${containmentLib.formatReport(containment)[0]}`,
        process.env.CDK_VALIDATION === 'false'
          ? '  cfn        CloudFormation validation skipped (CDK_VALIDATION=false)'
          : "  cfn        CDK's CloudFormation validation passed",
        `  gcp        ${gcp.headline}`,
        `  contain    ${gcpContainment.contained ? gcpLine : `${gcpContainment.violations.length} way(s) out in the GCP plan:`}`,
        ...(gcpContainment.contained ? [] : containmentLib.formatReport(gcpContainment)),
        ...gcp.plan.warnings.map((w) => `  gcp        warning: ${w}`),
        `  outputs    ${show(templateFile)}`,
        `             ${show(envoyFile)}`,
        `             ${show(nagFile)} (acknowledgements with reasons)`,
        `             ${show(gcp.file)}`,
      ].join('\n'),
    );
    return gcpContainment.contained ? 0 : 1;
  },
};

/** `EC2 92, IAM 14, ...`: resource counts per AWS service, largest first. */
function byService(types: readonly string[]): string {
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
