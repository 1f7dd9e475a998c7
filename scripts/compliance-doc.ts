// `npm run compliance`: regenerates docs/compliance.md from real synths of both profiles.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateComplianceDoc } from '../app/compliance.js';
import { writeFileAtomic } from '../lib/write-file.js';
import { biomeFormat } from './biome-format.js';

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'compliance.md');
writeFileAtomic(out, biomeFormat(generateComplianceDoc(), 'docs/compliance.md'));
process.stdout.write(`wrote ${out}\n`);
