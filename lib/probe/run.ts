import { randomBytes } from 'node:crypto';
import { messageOf } from '../errors.js';
import {
  broken,
  type Planned,
  type PlannedCheck,
  type ProbeContext,
  type Skip,
  type Verdict,
} from './check.js';
import { baseUrlChecks } from './checks/base-url.js';
import { credentialChecks } from './checks/credentials.js';
import { directChecks } from './checks/direct.js';
import { dnsChecks } from './checks/dns.js';
import { metadataChecks } from './checks/metadata.js';
import { proxyChecks } from './checks/proxy.js';
import { byDeadline } from './net/settle.js';
import { buildReport, type CheckResult, type ProbeReport, type SkippedCheck } from './report.js';

/** The whole battery, in report order. */
export function planChecks(ctx: ProbeContext): Planned {
  const parts = [
    proxyChecks(ctx),
    baseUrlChecks(ctx),
    directChecks(ctx),
    dnsChecks(ctx),
    metadataChecks(ctx),
    credentialChecks(ctx),
  ];
  return {
    checks: parts.flatMap((p) => p.checks),
    skipped: parts.flatMap((p) => p.skipped),
  };
}

/** A fresh label for the canary lookup: 12 lowercase hex characters after "ap-". */
export function newNonce(): string {
  return `ap-${randomBytes(6).toString('hex')}`;
}

async function runOne(check: PlannedCheck, deadlineMs: number): Promise<Verdict | Skip> {
  try {
    return await byDeadline<Verdict | Skip>(check.run(), deadlineMs, () =>
      broken(`the check did not finish within ${deadlineMs} ms`),
    );
  } catch (error) {
    return broken(`the check failed: ${messageOf(error)}`);
  }
}

/**
 * Runs every check at once (each bounded by the targets' timeout, plus a deadline of a few
 * timeouts for checks that chain several steps) and builds the report.
 */
export async function runProbe(ctx: ProbeContext): Promise<ProbeReport> {
  const started = new Date();
  const t0 = performance.now();
  const { checks, skipped } = planChecks(ctx);
  const deadline = ctx.targets.timeout_ms * 4 + 2000;
  const results = await Promise.all(
    checks.map(async (check) => {
      const c0 = performance.now();
      const verdict = await runOne(check, deadline);
      return { check, verdict, ms: Math.round(performance.now() - c0) };
    }),
  );
  const done: CheckResult[] = [];
  const skippedToo: SkippedCheck[] = [...skipped];
  for (const { check, verdict, ms } of results) {
    if ('skip' in verdict)
      skippedToo.push({ name: check.name, target: check.target, reason: verdict.skip });
    else
      done.push({
        name: check.name,
        target: check.target,
        outcome: verdict.outcome,
        detail: verdict.detail,
        duration_ms: ms,
      });
  }
  return buildReport(ctx.proxy.text, started, Math.round(performance.now() - t0), done, skippedToo);
}
