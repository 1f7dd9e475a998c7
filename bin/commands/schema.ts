import { resolve } from 'node:path';
import { policyJsonSchemaText } from '../../lib/policy/index.js';
import { writeFileAtomic } from '../../lib/write-file.js';
import { type Command, defineCommand } from './command.js';

export const schemaCommand: Command = defineCommand({
  name: 'schema',
  summary: "Print (or write) the policy file's JSON Schema.",
  usage: `Usage: agent-perimeter schema [--out FILE]

Prints the JSON Schema of the policy file, generated from the same definition that validates
it. The repository keeps a copy in schema/agent-perimeter.schema.json for editors.`,
  options: { out: { type: 'string' } },
  async run({ values }, io) {
    const text = policyJsonSchemaText();
    if (values.out === undefined) io.out(text);
    else writeFileAtomic(resolve(values.out), text);
    return 0;
  },
});
