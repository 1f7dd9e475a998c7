import type { NagPack } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { acknowledgementsUnder, CONTROL_TOWER_NAMESPACE, compliancePacks } from '../../cdk/nag.js';

/** One pack's unacknowledged findings under `scope`, one `severity rule at path` line each. */
export function packFindings(pack: NagPack, scope: IConstruct): string[] {
  return pack
    .validateScope(scope)
    .violations.flatMap((v) =>
      v.violatingResources.map((r) => `${v.severity} ${v.ruleName} at ${r.constructPath}`),
    );
}

/** `[name, pack]` rows for `it.each`, one per compliance pack. */
export function packRows(): (readonly [string, NagPack])[] {
  return compliancePacks().map((pack) => [pack.readPackName, pack] as const);
}

/** Unacknowledged findings of every compliance pack, one `pack: rule at path` line each. */
export function unacknowledgedFindings(scope: IConstruct): string[] {
  return compliancePacks().flatMap((pack) => packFindings(pack, scope));
}

/**
 * Acknowledgements under `scope` that match no finding: stale or misspelled ids, or ones placed
 * where the finding is not. Runs the packs with acknowledgements switched off.
 */
export function unusedAcknowledgements(scope: IConstruct): string[] {
  const raw: { rule: string; path: string }[] = [];
  for (const pack of compliancePacks()) {
    // cdk-nag v3 has no switch to report acknowledged findings; bypass its private check.
    (pack as unknown as { isAcknowledged: () => boolean }).isAcknowledged = () => false;
    for (const v of pack.validateScope(scope).violations) {
      for (const r of v.violatingResources) {
        raw.push({ rule: v.ruleName, path: r.constructPath ?? '' });
      }
    }
  }
  return (
    acknowledgementsUnder(scope)
      // Control Tower rules run on the synthesized template; test/cdk/control-tower.test.ts checks
      // that each of their acknowledgements matches a finding.
      .filter((ack) => !ack.id.startsWith(`${CONTROL_TOWER_NAMESPACE}::`))
      .filter(
        (ack) =>
          !raw.some(
            (f) => f.rule === ack.id && (f.path === ack.path || f.path.startsWith(`${ack.path}/`)),
          ),
      )
      .map((ack) => `${ack.id} at ${ack.path}`)
  );
}
