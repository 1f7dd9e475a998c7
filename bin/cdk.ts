// The CDK app entry point (`cdk synth`, `cdk deploy`; see cdk.json). `npm run synth` uses the
// same builder and adds a summary.
import { UserError } from '../lib/errors.js';
import { buildCdkApp } from './cdk-app.js';

try {
  buildCdkApp().app.synth();
} catch (error) {
  if (!(error instanceof UserError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(error.exitCode);
}
