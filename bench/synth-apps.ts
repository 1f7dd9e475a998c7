import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { buildAwsApp } from '../app/aws.js';

/** The baseline: a bare CDK app with one default two-AZ VPC. */
export function synthBareVpcApp(outdir: string): void {
  const app = new App({ outdir });
  new ec2.Vpc(new Stack(app, 'Bare'), 'Vpc', { maxAzs: 2 });
  app.synth();
}

/** The full agent-perimeter app from the embedded policy, checks included. */
export function synthFullApp(outdir: string): void {
  buildAwsApp({ outdir }).app.synth();
}
