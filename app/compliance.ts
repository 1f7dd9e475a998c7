import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { CONTROL_TOWER_PACK, controlOfRule, controlTowerRules } from '../cdk/control-tower.js';
import { type AcknowledgementRecord, COMPLIANCE_PACK_NAMES, NAG_PACKS } from '../cdk/nag.js';
import { formatReport } from '../lib/containment/index.js';
import { packageFile } from '../lib/package-files.js';
import { buildAwsApp } from './aws.js';
import { type PackCount, packResults } from './packs.js';

/*
 * docs/compliance.md, generated from real synths of the two profiles (`npm run compliance`),
 * so the acknowledgements and counts it lists are the ones the code makes. A test regenerates
 * it and fails when the file differs.
 */

/** The profiles the document covers, by their policy files (relative to the repository). */
export const COMPLIANCE_PROFILES = [
  { label: 'demo', policyFile: 'agent-perimeter.yaml' },
  { label: 'landing zone', policyFile: 'examples/landing-zone.yaml' },
] as const;

export interface ProfileCompliance {
  readonly label: string;
  readonly policyFile: string;
  readonly stackName: string;
  readonly packs: readonly PackCount[];
  readonly acknowledgements: readonly AcknowledgementRecord[];
  readonly containment: string;
  /** The synthesized template, for callers that check more. */
  readonly template: unknown;
}

/**
 * Synthesizes one profile with every check on and collects what the checks said. `policyFile`
 * is relative to the repository, or absolute.
 */
export function profileCompliance(label: string, policyFile: string): ProfileCompliance {
  const outdir = mkdtempSync(join(tmpdir(), 'agent-perimeter-compliance-'));
  try {
    const { app, stack, containment } = buildAwsApp({
      policyFile: isAbsolute(policyFile) ? policyFile : packageFile(policyFile),
      outdir,
      context: { '@aws-cdk/core:validationReportJson': true },
    });
    app.synth();
    const { packs, acknowledgements } = packResults(outdir, stack);
    const prefix = `${stack.stackName}/`;
    return {
      label,
      policyFile,
      stackName: stack.stackName,
      packs,
      acknowledgements: acknowledgements.map((a) => ({
        ...a,
        path: a.path === stack.stackName ? '(stack)' : a.path.replace(prefix, ''),
      })),
      containment: formatReport(containment.lastReport())[0] ?? '',
      template: JSON.parse(
        readFileSync(join(outdir, `${stack.stackName}.template.json`), 'utf8'),
      ) as unknown,
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

const require = createRequire(import.meta.url);
const versionOf = (file: string) =>
  (JSON.parse(readFileSync(require.resolve(file), 'utf8')) as { version: string }).version;

const PACK_DESCRIPTIONS: Record<string, string> = {
  [NAG_PACKS.awsSolutions]: 'AWS Solutions best practices',
  [NAG_PACKS.nist]: 'NIST 800-53 rev 5 (AWS Config conformance-pack rules)',
  [NAG_PACKS.hipaa]: 'HIPAA Security (AWS Config conformance-pack rules)',
  [NAG_PACKS.pci]: 'PCI DSS 3.2.1 (AWS Config conformance-pack rules)',
  [NAG_PACKS.agentPerimeter]: "the perimeter's own rules: agent task hardening (cdk/nag-rules)",
  [CONTROL_TOWER_PACK]: 'AWS Control Tower proactive controls (CloudFormation hooks)',
};

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const counted = (p: PackCount | undefined) =>
  p === undefined ? '-' : `${p.unacknowledged} open, ${p.acknowledged} acknowledged`;

/** The control set an acknowledgement belongs to. */
function setOf(id: string): string {
  if (id.startsWith(`${CONTROL_TOWER_PACK}::`)) return CONTROL_TOWER_PACK;
  if (id.startsWith('CloudFormation-Validate::')) return 'CloudFormation validation';
  return COMPLIANCE_PACK_NAMES.find((p) => id.startsWith(`${p}-`)) ?? 'other';
}

const SET_ORDER = [...COMPLIANCE_PACK_NAMES, CONTROL_TOWER_PACK, 'CloudFormation validation'];

function acknowledgementTables(profile: ProfileCompliance): string[] {
  const out: string[] = [];
  const bySet = new Map<string, AcknowledgementRecord[]>();
  for (const a of profile.acknowledgements) {
    const set = setOf(a.id);
    bySet.set(set, [...(bySet.get(set) ?? []), a]);
  }
  const sets = [...bySet.keys()].sort(
    (a, b) => ((SET_ORDER.indexOf(a) + 99) % 99) - ((SET_ORDER.indexOf(b) + 99) % 99),
  );
  for (const set of sets) {
    const list = (bySet.get(set) ?? []).sort(
      (a, b) => a.path.localeCompare(b.path) || a.id.localeCompare(b.id),
    );
    out.push(
      `#### ${set} (${list.length})`,
      '',
      '| resource | finding | reason |',
      '| --- | --- | --- |',
    );
    for (const a of list) {
      const id = a.id.replace(`${CONTROL_TOWER_PACK}::`, '');
      const control = set === CONTROL_TOWER_PACK ? `${controlOfRule(id) ?? '?'} ` : '';
      out.push(`| \`${cell(a.path)}\` | ${control}\`${cell(id)}\` | ${cell(a.reason)} |`);
    }
    out.push('');
  }
  return out;
}

/** The whole document. */
export function complianceMarkdown(profiles: readonly ProfileCompliance[]): string {
  const [demo] = profiles;
  const header = profiles.map((p) => `${p.label} (\`${p.policyFile}\`)`);
  const guard = versionOf('@cdklabs/cdk-validator-cfnguard/guard-version.json');
  const engines: Record<string, string> = {
    [CONTROL_TOWER_PACK]: `cfn-guard ${guard}, \`@cdklabs/cdk-validator-cfnguard\` ${versionOf('@cdklabs/cdk-validator-cfnguard/package.json')} (${controlTowerRules().length} rule files)`,
  };
  const nag = `cdk-nag ${versionOf('cdk-nag/package.json')}`;
  const lines = [
    '<!-- Generated by `npm run compliance` from real synths of both profiles. Do not edit: a test fails when this file is out of date. -->',
    '',
    '# Compliance',
    '',
    'Every `npm run synth` and `cdk synth` runs these control sets over the synthesized',
    'template and fails on any finding that is not acknowledged. An acknowledgement sits next to',
    'its resource in the code, with its reason; this page lists them all, for two profiles: the',
    'demo policy and the landing-zone setting (`landing_zone:` in the policy, see',
    "`examples/landing-zone.yaml` and README's landing-zone section). What none of this proves",
    'without a real account is listed at the end.',
    '',
    '## Control sets',
    '',
    `| control set | engine | what it checks | ${header.join(' | ')} |`,
    `| --- | --- | --- | ${header.map(() => '---').join(' | ')} |`,
  ];
  for (const pack of demo?.packs ?? []) {
    lines.push(
      `| ${pack.pack} | ${engines[pack.pack] ?? nag} | ${PACK_DESCRIPTIONS[pack.pack] ?? ''} | ${profiles
        .map((p) => counted(p.packs.find((q) => q.pack === pack.pack)))
        .join(' | ')} |`,
    );
  }
  lines.push(
    `| containment | \`agent-perimeter verify\` (CDK plugin) | agents reach only the proxy tier and the endpoints (docs/containment.md) | ${profiles.map((p) => cell(p.containment)).join(' | ')} |`,
    `| CloudFormation validation | aws-cdk-lib | CDK's own check of the template against the CloudFormation resource schemas | on (acknowledgements below) | on |`,
    '',
    '## Control Tower rules the demo profile does not meet',
    '',
    'Each is acknowledged in the demo profile, so its synth passes; in a landing zone that enables',
    'the control, deployment of the demo profile would be refused. The landing-zone setting meets',
    'every one (zero failures, zero acknowledgements).',
    '',
    '| control | rule | resource | why the demo keeps it | what the landing-zone setting does |',
    '| --- | --- | --- | --- | --- |',
  );
  const ct = (demo?.acknowledgements ?? [])
    .filter((a) => setOf(a.id) === CONTROL_TOWER_PACK)
    .map((a) => ({ ...a, rule: a.id.replace(`${CONTROL_TOWER_PACK}::`, '') }))
    .sort(
      (a, b) =>
        (controlOfRule(a.rule) ?? '').localeCompare(controlOfRule(b.rule) ?? '') ||
        a.path.localeCompare(b.path),
    );
  for (const a of ct) {
    const [why, instead = ''] = a.reason.split(/ (?=The landing-zone setting)/);
    lines.push(
      `| ${controlOfRule(a.rule) ?? '?'} | \`${a.rule}\` | \`${cell(a.path)}\` | ${cell(why ?? '')} | ${cell(instead)} |`,
    );
  }
  lines.push('', '## Acknowledgements', '');
  for (const profile of profiles) {
    lines.push(`### ${profile.label} (\`${profile.policyFile}\`, stack ${profile.stackName})`, '');
    lines.push(...acknowledgementTables(profile));
  }
  lines.push(
    '## Not proven offline',
    '',
    '- The Control Tower rules are the ones `@cdklabs/cdk-validator-cfnguard` ships; a landing',
    '  zone may enable controls that are not in that set (detective controls, SCPs, newer',
    '  proactive controls), and the hooks themselves have not been run against a deployment.',
    "- The landing-zone setting assumes the central log bucket's policy admits S3 server access",
    '  logging and ELB log delivery under the prefix, and that the landing zone closes default',
    '  security groups; neither can be checked from here.',
    '',
  );
  return `${lines.join('\n')}`;
}

/** Synthesizes both profiles and renders the document. */
export function generateComplianceDoc(): string {
  return complianceMarkdown(
    COMPLIANCE_PROFILES.map((p) => profileCompliance(p.label, p.policyFile)),
  );
}
