import { z } from 'zod';
import { PolicySchema } from './schema.js';

/** The policy schema as JSON Schema (draft 2020-12), for editors and other tools. */
export function policyJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(PolicySchema, { io: 'input', target: 'draft-2020-12' });
  return {
    ...schema,
    $id: 'https://github.com/agent-perimeter/agent-perimeter/schema/agent-perimeter.schema.json',
  };
}

/** The committed file's exact text: stable key order, two-space indent, trailing newline. */
export function policyJsonSchemaText(): string {
  return `${JSON.stringify(policyJsonSchema(), null, 2)}\n`;
}
