import { type IPolicyValidationPlugin, Validations } from 'aws-cdk-lib';
import {
  AwsSolutionsChecks,
  HIPAASecurityChecks,
  type NagPack,
  NIST80053R5Checks,
  PCIDSS321Checks,
} from 'cdk-nag';
import type { IConstruct } from 'constructs';

/** Names of the cdk-nag packs every app runs, as they appear in reports and rule ids. */
export const NAG_PACKS = {
  awsSolutions: 'AwsSolutions',
  nist: 'NIST.800.53.R5',
  hipaa: 'HIPAA.Security',
  pci: 'PCI.DSS.321',
  agentPerimeter: 'AgentPerimeter',
} as const;

/** Every pack of a synth, in the order the summary lists them. */
export const COMPLIANCE_PACK_NAMES: readonly string[] = Object.values(NAG_PACKS);

/** The three packs that share rule families (logging, encryption, deletion protection). */
export const REGULATORY_PACK_NAMES: readonly string[] = [
  NAG_PACKS.nist,
  NAG_PACKS.hipaa,
  NAG_PACKS.pci,
];

/** The compliance packs every agent-perimeter app is checked against. */
export function compliancePacks(scope?: IConstruct): NagPack[] {
  return [
    new AwsSolutionsChecks(scope),
    new NIST80053R5Checks(scope),
    new HIPAASecurityChecks(scope),
    new PCIDSS321Checks(scope),
  ];
}

/** Registers the compliance packs on an app so `cdk synth` fails on unacknowledged errors. */
export function addCompliancePacks(app: IConstruct, extra: IPolicyValidationPlugin[] = []): void {
  Validations.of(app).addPlugins(...compliancePacks(app), ...extra);
}

/**
 * Acknowledges one cdk-nag finding on one construct, with the reason next to the resource.
 * Use the finding's full id, including any `[Resource::...]` suffix, so the acknowledgement
 * covers exactly that finding and nothing broader.
 */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  if (reason.trim().length < 20) {
    throw new Error(`acknowledgement of ${id} at ${scope.node.path} needs a specific reason`);
  }
  Validations.of(scope).acknowledge({ id, reason });
}

export interface AcknowledgementRecord {
  readonly path: string;
  readonly id: string;
  readonly reason: string;
}

/** Every acknowledgement under `scope`, for reports and review snapshots. */
export function acknowledgementsUnder(scope: IConstruct): AcknowledgementRecord[] {
  const out: AcknowledgementRecord[] = [];
  for (const node of scope.node.findAll()) {
    for (const entry of node.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      const data = entry.data as Record<string, { reason?: string } | string>;
      for (const [key, value] of Object.entries(data)) {
        const reason = typeof value === 'string' ? value : (value.reason ?? '');
        out.push({ path: node.node.path, id: key.replace(/^annotation::/i, ''), reason });
      }
    }
  }
  return out;
}
