/*
 * Reading the loosely typed JSON of a template or a plan, shared by the AWS and the GCP cost
 * model: a field is used as an object or a list only when it is one, so a missing or odd
 * field prices as nothing instead of throwing.
 */

/** `value` as an object, or undefined when it is none (null, a list, a scalar). */
export const asRecord = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;

/** `value` as a list, or an empty one when it is none. */
export const asArray = (value: unknown): readonly unknown[] => (Array.isArray(value) ? value : []);
