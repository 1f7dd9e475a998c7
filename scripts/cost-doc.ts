// `npm run cost`: prices both deployment profiles on AWS and GCP from their synthesized
// template and GCP plan, prints the result and regenerates docs/cost.md from it.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateCostDoc } from '../app/cost.js';
import { writeFileAtomic } from '../lib/write-file.js';
import { biomeFormat } from './biome-format.js';

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'cost.md');
const text = biomeFormat(await generateCostDoc(), 'docs/cost.md');
writeFileAtomic(out, text);
process.stdout.write(`${text}\nwrote ${out}\n`);
