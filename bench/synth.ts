import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Measurement, report, time } from './harness.js';
import { synthBareVpcApp, synthFullApp } from './synth-apps.js';

/*
 * Wall time of a full synth (build the app, render and validate the Envoy config, synthesize
 * with CDK's CloudFormation validation and the four cdk-nag packs) against a bare CDK app with
 * one default VPC, synthesized the same way in the same run.
 */

const RUNS = 3;
const scratch = mkdtempSync(join(tmpdir(), 'agent-perimeter-bench-'));
let n = 0;
const outdir = () => join(scratch, String(n++));

/** A cold synth in a fresh process (what `npm run synth` costs), including Node start-up. */
function coldProcess(which: 'bare' | 'full'): void {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'synth-once.ts'), which, outdir()],
    { stdio: 'inherit' },
  );
  if (r.status !== 0) throw new Error(`synth-once ${which} failed`);
}

const cold: Measurement[] = [
  {
    name: 'bare one-VPC CDK app',
    ms: time(() => coldProcess('bare'), RUNS, { warmup: false }),
    runs: RUNS,
  },
  {
    name: 'agent-perimeter full stack',
    ms: time(() => coldProcess('full'), RUNS, { warmup: false }),
    runs: RUNS,
  },
];
report(
  'Cold synth in a fresh process (CloudFormation validation and cdk-nag on)',
  cold,
  'bare one-VPC CDK app',
);

const warm: Measurement[] = [
  { name: 'bare one-VPC CDK app', ms: time(() => synthBareVpcApp(outdir()), RUNS), runs: RUNS },
  { name: 'agent-perimeter full stack', ms: time(() => synthFullApp(outdir()), RUNS), runs: RUNS },
];
report('Warm synth in one process (after a first synth)', warm, 'bare one-VPC CDK app');
rmSync(scratch, { recursive: true, force: true });
