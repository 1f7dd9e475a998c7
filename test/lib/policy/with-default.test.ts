import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { withDefault } from '../../../lib/policy/with-default.js';

describe('withDefault', () => {
  it.each([
    [withDefault(z.enum(['raw', 'bearer']), 'raw', 'How.'), 'raw', 'How. @default raw'],
    [withDefault(z.array(z.number()), [443], 'Ports.'), [443], 'Ports. @default [443]'],
    [withDefault(z.array(z.string()), [], 'More.'), [], 'More. @default []'],
    [withDefault(z.boolean(), false, 'Allow.'), false, 'Allow. @default false'],
    [withDefault(z.number().int(), 2048), 2048, '@default 2048'],
  ] as const)('defaults and describes the value once (%#)', (schema, value, description) => {
    expect(schema.parse(undefined)).toEqual(value);
    expect(z.toJSONSchema(schema, { io: 'input' })).toMatchObject({ default: value, description });
  });

  it('keeps the schema: a given value is checked as before', () => {
    const schema = withDefault(z.number().int().min(1).max(300), 10, 'Time.');
    expect(schema.parse(20)).toBe(20);
    expect(schema.safeParse(301).success).toBe(false);
  });
});
