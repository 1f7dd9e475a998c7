// One cold synth in a fresh process, for bench/synth.ts: `tsx bench/synth-once.ts bare|full DIR`.
import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { buildCdkApp } from '../bin/cdk-app.js';

const [which, outdir] = process.argv.slice(2);
if (which === 'bare') {
  const app = new App({ outdir });
  new ec2.Vpc(new Stack(app, 'Bare'), 'Vpc', { maxAzs: 2 });
  app.synth();
} else {
  buildCdkApp({ ...(outdir === undefined ? {} : { outdir }) }).app.synth();
}
