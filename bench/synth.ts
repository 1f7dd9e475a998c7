import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { buildCdkApp } from '../bin/cdk-app.js';
import { type Measurement, report, time } from './harness.js';

/*
 * Wall time of a full synth (build the app, render and validate the Envoy config, synthesize
 * with CDK's CloudFormation validation and the four cdk-nag packs) against a bare CDK app with
 * one default VPC, synthesized the same way in the same run.
 */

const RUNS = 3;
const scratch = mkdtempSync(join(tmpdir(), 'agent-perimeter-bench-'));
let n = 0;
const outdir = () => join(scratch, String(n++));

function bareVpcApp(): void {
  const app = new App({ outdir: outdir() });
  new ec2.Vpc(new Stack(app, 'Bare'), 'Vpc', { maxAzs: 2 });
  app.synth();
}

function fullApp(): void {
  buildCdkApp({ outdir: outdir() }).app.synth();
}

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
  { name: 'bare one-VPC CDK app', ms: time(bareVpcApp, RUNS), runs: RUNS },
  { name: 'agent-perimeter full stack', ms: time(fullApp, RUNS), runs: RUNS },
];
report('Warm synth in one process (after a first synth)', warm, 'bare one-VPC CDK app');
rmSync(scratch, { recursive: true, force: true });
