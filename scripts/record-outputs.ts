// `npx tsx scripts/record-outputs.ts DIR`: writes what the pipeline produces for the default
// policy and every examples/*.yaml into DIR/<policy>/ (the synthesized CloudFormation template,
// the rendered Envoy config, the offline GCP plan, and the verifier's reports on both), so a
// refactor can be proven to change nothing: record before, record after, `diff -r` the two.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gcpPlanJson, planGcp } from '../app/gcp-plan.js';
import { preparePolicy } from '../app/prepare.js';
import { synthesize } from '../app/synth.js';
import { combine, type VerifyReport, verifyTemplate } from '../lib/containment/index.js';
import { UserError } from '../lib/errors.js';
import { proxyPorts, withProfilePorts } from '../lib/policy/index.js';
import { writeFileAtomic } from '../lib/write-file.js';
import { envoyYaml } from '../proxy/yaml.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = process.argv[2];
if (target === undefined) {
  process.stderr.write('usage: tsx scripts/record-outputs.ts DIR\n');
  process.exit(2);
}
const out = resolve(target);

const policies: [string, string | undefined][] = [
  ['default', undefined],
  ...readdirSync(join(root, 'examples'))
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f): [string, string] => [basename(f, '.yaml'), join(root, 'examples', f)]),
];

/**
 * Writes one recorded file with this checkout's path as `<repo>`, so recordings made in two
 * checkouts (a worktree and main) compare equal.
 */
const write = (path: string, text: string) =>
  writeFileAtomic(path, text.replaceAll(root, '<repo>'));

/** The report without wall times or paths of this run, so two runs compare equal. */
const reportJson = (r: VerifyReport) => `${JSON.stringify(r, null, 2)}\n`;

for (const [name, file] of policies) {
  const dir = join(out, name);
  mkdirSync(dir, { recursive: true });
  const scratch = mkdtempSync(join(tmpdir(), 'agent-perimeter-record-'));
  try {
    const report = await synthesize({
      outdir: scratch,
      ...(file === undefined ? {} : { policyFile: file }),
    });
    const stack = report.stackName;
    write(join(dir, 'template.json'), readFileSync(report.files.template, 'utf8'));
    write(join(dir, 'envoy.yaml'), readFileSync(report.files.envoy, 'utf8'));
    write(
      join(dir, 'aws-containment.json'),
      reportJson({
        ...report.awsContainment,
        templates: report.awsContainment.templates.map((t) => ({ ...t, source: stack })),
      }),
    );
    if (report.gcp !== undefined && report.gcpContainment !== undefined) {
      write(join(dir, 'gcp-plan.json'), gcpPlanJson(report.gcp.plan));
      write(
        join(dir, 'gcp-containment.json'),
        reportJson({
          ...report.gcpContainment,
          templates: report.gcpContainment.templates.map((t) => ({ ...t, source: 'gcp-plan' })),
          violations: report.gcpContainment.violations.map((v) => ({ ...v, source: 'gcp-plan' })),
        }),
      );
    }
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    // A refused policy records the message; a GCP-only one (Vertex model access) has no AWS
    // stack, so its plan is recorded instead.
    write(join(dir, 'synth-error.txt'), `${error.message}\n`);
    if (/only a GCP proxy/.test(error.message)) await recordGcpOnly(dir, file);
    else recordEnvoy(dir, file);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  process.stdout.write(`recorded ${name} -> ${dir}\n`);
}

/** The Envoy config of a policy whose deployment synth refuses (it renders on its own). */
function recordEnvoy(dir: string, file: string | undefined): void {
  try {
    const prepared = preparePolicy(file);
    write(join(dir, 'envoy.yaml'), envoyYaml(prepared.envoyConfig, prepared.file.shown));
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
  }
}

async function recordGcpOnly(dir: string, file: string | undefined): Promise<void> {
  recordEnvoy(dir, file);
  const prepared = preparePolicy(file);
  const plan = await planGcp({ prepared });
  write(join(dir, 'gcp-plan.json'), gcpPlanJson(plan));
  const report = verifyTemplate(plan, 'gcp-plan', {
    proxyPorts: [...proxyPorts(prepared.policy).agentFacing],
    ...withProfilePorts(prepared.policy),
    expectedProxy: prepared.expectedProxy,
  });
  write(join(dir, 'gcp-containment.json'), reportJson(combine([report])));
}
