/*
 * The probe's verdicts and report. `blocked` is the good outcome of every check: a way out
 * that must fail failed, or (for the allowed paths) the one way out works as designed.
 * `escape` is a way out that worked; `broken` an allowed path that should work and does not.
 * The JSON field names are what operators and metric filters read: keep them.
 */

export const OUTCOMES = ['blocked', 'escape', 'broken'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** Exit codes: all good, any escape, broken only (2 is bad input, as everywhere in the CLI). */
export const EXIT_CODES = { blocked: 0, escape: 1, broken: 3 } as const satisfies Record<
  Outcome,
  number
>;

export interface CheckResult {
  /** Stable check name, e.g. `direct-tcp-ipv4`. Several checks share a name, one per target. */
  readonly name: string;
  /** What was tried: `1.1.1.1:443`, `registry.npmjs.org:443 via 10.0.0.5:3128`. */
  readonly target: string;
  readonly outcome: Outcome;
  /** What happened, in words (never a credential's value). */
  readonly detail: string;
  readonly duration_ms: number;
}

/** A check that could not run here (e.g. no `ping` program), with the reason. */
export interface SkippedCheck {
  readonly name: string;
  readonly target: string;
  readonly reason: string;
}

export interface ProbeReport {
  /** Always `agent-perimeter-probe`: lets log filters tell probe lines from anything else. */
  readonly probe: 'agent-perimeter-probe';
  /** Report format version. */
  readonly version: 1;
  /** The worst outcome: escape, else broken, else blocked. */
  readonly result: Outcome;
  readonly exit_code: number;
  readonly proxy: string;
  readonly started_at: string;
  readonly duration_ms: number;
  readonly counts: Readonly<Record<Outcome, number>>;
  readonly checks: readonly CheckResult[];
  readonly skipped: readonly SkippedCheck[];
}

export const PROBE_ID = 'agent-perimeter-probe';

/** The worst outcome among `checks`. */
export function worst(checks: readonly { readonly outcome: Outcome }[]): Outcome {
  if (checks.some((c) => c.outcome === 'escape')) return 'escape';
  if (checks.some((c) => c.outcome === 'broken')) return 'broken';
  return 'blocked';
}

export function buildReport(
  proxy: string,
  startedAt: Date,
  durationMs: number,
  checks: readonly CheckResult[],
  skipped: readonly SkippedCheck[],
): ProbeReport {
  const counts = { blocked: 0, escape: 0, broken: 0 };
  for (const c of checks) counts[c.outcome] += 1;
  const result = worst(checks);
  return {
    probe: PROBE_ID,
    version: 1,
    result,
    exit_code: EXIT_CODES[result],
    proxy,
    started_at: startedAt.toISOString(),
    duration_ms: durationMs,
    counts,
    checks,
    skipped,
  };
}

const MARK: Record<Outcome, string> = { blocked: 'ok     ', escape: 'ESCAPE ', broken: 'BROKEN ' };

/** The human summary: escapes first, then broken, then the rest; one line per check. */
export function formatReport(report: ProbeReport): string {
  const order: Record<Outcome, number> = { escape: 0, broken: 1, blocked: 2 };
  const checks = [...report.checks].sort((a, b) => order[a.outcome] - order[b.outcome]);
  const width = Math.max(...checks.map((c) => c.name.length), 4);
  const headline =
    report.result === 'escape'
      ? `ESCAPE: ${report.counts.escape} way(s) out worked`
      : report.result === 'broken'
        ? `BROKEN: ${report.counts.broken} allowed path(s) do not work; no way out found`
        : 'contained: every way out failed and the allowed paths work';
  return [
    `agent-perimeter probe via ${report.proxy}: ${headline} (${report.checks.length} checks, ${(report.duration_ms / 1000).toFixed(1)}s)`,
    ...checks.map((c) => `  ${MARK[c.outcome]}${c.name.padEnd(width)}  ${c.target}: ${c.detail}`),
    ...report.skipped.map((s) => `  skipped ${s.name.padEnd(width)}  ${s.target}: ${s.reason}`),
    ...(report.result === 'blocked'
      ? []
      : ['See docs/runbook.md "Probe reports" for what each check means and what to do.']),
  ].join('\n');
}

/**
 * One JSON object per line, for log pipelines: each check (with `probe` and the run's
 * `started_at`, so a metric filter can count outcomes), each skipped check, then a summary.
 */
export function reportLines(report: ProbeReport): string[] {
  const tag = { probe: report.probe, started_at: report.started_at };
  const { checks, skipped, ...summary } = report;
  return [
    ...checks.map((c) => JSON.stringify({ ...tag, type: 'check', ...c })),
    ...skipped.map((s) => JSON.stringify({ ...tag, type: 'skipped', ...s })),
    JSON.stringify({ ...summary, type: 'summary' }),
  ];
}
