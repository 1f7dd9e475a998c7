import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IConstruct } from 'constructs';
import { CONTROL_TOWER_PACK } from '../cdk/control-tower.js';
import {
  type AcknowledgementRecord,
  acknowledgementsUnder,
  COMPLIANCE_PACK_NAMES,
} from '../cdk/nag.js';

/** One control set of a synth: how many findings are open and how many acknowledged. */
export interface PackCount {
  readonly pack: string;
  /** `cdk-nag`, or `cfn-guard` for the Control Tower rules. */
  readonly engine: 'cdk-nag' | 'cfn-guard';
  readonly unacknowledged: number;
  readonly acknowledged: number;
}

interface ValidationReport {
  readonly pluginReports: readonly {
    readonly summary: { readonly pluginName: string };
    readonly violations: readonly { readonly ruleName: string; readonly severity: string }[];
  }[];
}

export interface PackResults {
  readonly packs: readonly PackCount[];
  readonly acknowledgements: readonly AcknowledgementRecord[];
}

/**
 * The control sets of a synthesized app (`@aws-cdk/core:validationReportJson` on): the cdk-nag
 * packs and the Control Tower rules, counted from CDK's validation report in `outdir` and the
 * acknowledgements recorded under `stack`.
 */
export function packResults(outdir: string, stack: IConstruct): PackResults {
  const report = JSON.parse(
    readFileSync(join(outdir, 'policy-validation-report.json'), 'utf8'),
  ) as ValidationReport;
  const acknowledgements = acknowledgementsUnder(stack);
  const count = (pack: string, engine: PackCount['engine'], idPrefix: string): PackCount => ({
    pack,
    engine,
    unacknowledged:
      report.pluginReports.find((r) => r.summary.pluginName === pack)?.violations.length ?? 0,
    acknowledged: acknowledgements.filter((a) => a.id.startsWith(idPrefix)).length,
  });
  return {
    packs: [
      ...COMPLIANCE_PACK_NAMES.map((pack) => count(pack, 'cdk-nag', `${pack}-`)),
      count(CONTROL_TOWER_PACK, 'cfn-guard', `${CONTROL_TOWER_PACK}::`),
    ],
    acknowledgements,
  };
}
