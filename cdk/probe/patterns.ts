import { OUTCOMES, type Outcome, PROBE_ID } from '../../lib/probe/report.js';

/*
 * CloudWatch Logs filter patterns over the probe's `--jsonl` output (lib/probe/report.ts):
 * one event per check, then one summary.
 */

/** Checks of one outcome. */
export function probeOutcomePattern(outcome: Outcome): string {
  if (!OUTCOMES.includes(outcome)) throw new Error(`unknown probe outcome "${outcome}"`);
  return `{ $.probe = "${PROBE_ID}" && $.type = "check" && $.outcome = "${outcome}" }`;
}

/** One per finished probe run. */
export function probeRunPattern(): string {
  return `{ $.probe = "${PROBE_ID}" && $.type = "summary" }`;
}

/** `escape` -> `ProbeEscape`: the metric name of an outcome. */
export function probeMetricName(outcome: Outcome): string {
  return `Probe${outcome.charAt(0).toUpperCase()}${outcome.slice(1)}`;
}
