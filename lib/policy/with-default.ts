import type { z } from 'zod';

/**
 * `schema` with `fallback` as its default, described for editors (the JSON Schema) with the
 * trailing `@default <value>` every description of the policy uses (the AWS CDK's convention).
 * The value is written once, so the description cannot fall behind a changed default.
 * Strings are shown bare (`@default raw`), anything else as JSON (`@default [443]`).
 */
export function withDefault<T extends z.ZodType>(
  schema: T,
  fallback: z.util.NoUndefined<z.output<T>>,
  description?: string,
): z.ZodDefault<T> {
  const shown = typeof fallback === 'string' ? fallback : JSON.stringify(fallback);
  const text = description === undefined ? `@default ${shown}` : `${description} @default ${shown}`;
  return schema.default(fallback).meta({ description: text });
}
