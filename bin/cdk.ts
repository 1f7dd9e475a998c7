// The CDK app entry point (`cdk synth`, `cdk deploy`; see cdk.json): the policy from CDK context
// `policy` (else the embedded default), through the same pipeline as `npm run synth`.
import { buildAwsApp } from '../app/aws.js';
import { UserError } from '../lib/errors.js';

try {
  buildAwsApp().app.synth();
} catch (error) {
  if (!(error instanceof UserError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(error.exitCode);
}
