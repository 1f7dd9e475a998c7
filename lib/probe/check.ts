import type { ProxyAddress } from './net/connect.js';
import type { Outcome, SkippedCheck } from './report.js';
import type { ProbeTargets } from './targets.js';

/** Everything a check may look at: where the proxy is, what to aim at, the environment. */
export interface ProbeContext {
  readonly proxy: ProxyAddress;
  readonly targets: ProbeTargets;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Unique per run: the canary label, so each lookup is new to every cache. */
  readonly nonce: string;
  /** The probe's home directory and working directory (credential files are looked for there). */
  readonly home: string;
  readonly cwd: string;
}

export interface Verdict {
  readonly outcome: Outcome;
  readonly detail: string;
}

/** A check that found out, while running, that it cannot run here (e.g. no `ping`). */
export interface Skip {
  readonly skip: string;
}

/** One check of the battery, not yet run. */
export interface PlannedCheck {
  readonly name: string;
  readonly target: string;
  readonly run: () => Promise<Verdict | Skip>;
}

/** A module's checks: what it will run, and what it cannot run here (with why). */
export interface Planned {
  readonly checks: readonly PlannedCheck[];
  readonly skipped: readonly SkippedCheck[];
}

/** A check the module does not plan at all: it has no target to aim at (shown as "-"). */
export const notPlanned = (name: string, reason: string): SkippedCheck => ({
  name,
  target: '-',
  reason,
});

export const blocked = (detail: string): Verdict => ({ outcome: 'blocked', detail });
export const escaped = (detail: string): Verdict => ({ outcome: 'escape', detail });
export const broken = (detail: string): Verdict => ({ outcome: 'broken', detail });
