// `aws` for tests: answers from the snapshot in FAKE_AWS_SNAPSHOT (see ./fake-aws.ts), and
// records each call in FAKE_AWS_LOG.
import { appendFileSync } from 'node:fs';
import { fakeAwsAnswer } from './fake-aws.js';

const args = process.argv.slice(2);
if (process.env.FAKE_AWS_LOG !== undefined)
  appendFileSync(process.env.FAKE_AWS_LOG, `${args.join(' ')}\n`);
try {
  process.stdout.write(JSON.stringify(fakeAwsAnswer(process.env.FAKE_AWS_SNAPSHOT ?? '', args)));
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(254);
}
