// `npm run cost`: prices both deployment profiles on AWS and GCP from their synthesized
// template and GCP plan, prints the result and regenerates docs/cost.md from it.
// `npm run cost -- my-policy.yaml` prints the idle cost of that policy instead (nothing written).
import { resolve } from 'node:path';
import { generateCostDoc, profileCost } from '../app/cost.js';
import { costTable, usd } from '../lib/cost/index.js';
import { packageFile } from '../lib/package-files.js';
import { loadPolicy } from '../lib/policy/index.js';
import { writeFileAtomic } from '../lib/write-file.js';
import { biomeFormat } from './biome-format.js';

const [given] = process.argv.slice(2);
if (given !== undefined) {
  const file = resolve(given);
  const cost = await profileCost(loadPolicy(file).deployment.profile, file);
  const text = [
    `# ${given} (deployment.profile: ${cost.profile})`,
    '',
    `## AWS ${cost.aws.region}: ${usd(cost.aws.totalUsd)} a month idle`,
    '',
    ...costTable(cost.aws),
    '',
    `## GCP ${cost.gcp.region}: ${usd(cost.gcp.totalUsd)} a month idle`,
    '',
    ...costTable(cost.gcp),
    '',
    'Usage-based rates, assumptions and the price table: docs/cost.md.',
    '',
  ].join('\n');
  process.stdout.write(biomeFormat(text, 'cost.md'));
} else {
  const out = packageFile('docs', 'cost.md');
  const text = biomeFormat(await generateCostDoc(), 'docs/cost.md');
  writeFileAtomic(out, text);
  process.stdout.write(`${text}\nwrote ${out}\n`);
}
