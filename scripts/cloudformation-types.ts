// Regenerates test/fixtures/cloudformation-resource-types.json from the resource database of
// `@aws-cdk/aws-service-spec` (the CloudFormation registry schemas CDK is generated from):
//   npm pack @aws-cdk/aws-service-spec@<version> && tar xzf aws-cdk-aws-service-spec-*.tgz
//   npx tsx scripts/cloudformation-types.ts package/db.json.gz <version>
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { writeFileAtomic } from '../lib/write-file.js';

const [db, version] = process.argv.slice(2);
if (db === undefined || version === undefined) {
  process.stderr.write('usage: cloudformation-types.ts DB_JSON_GZ SPEC_VERSION\n');
  process.exit(2);
}
const data = JSON.parse(gunzipSync(readFileSync(db)).toString('utf8')) as {
  schema: { resource: { entities: { cloudFormationType: string }[] } };
};
const types = [...new Set(data.schema.resource.entities.map((e) => e.cloudFormationType))].sort();
const out = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  'test',
  'fixtures',
  'cloudformation-resource-types.json',
);
writeFileAtomic(
  out,
  `${JSON.stringify({ source: `@aws-cdk/aws-service-spec ${version}`, types }, null, 2)}\n`,
);
process.stdout.write(`${types.length} types -> ${out}\n`);
