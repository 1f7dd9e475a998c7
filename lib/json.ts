import { messageOf } from './errors.js';

/** A JSON value, as Envoy and CloudFormation read it. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/**
 * Parses JSON text the user gave us; text that is not JSON throws what `notJson` makes of the
 * parser's message, so each reader names its own input and the fix.
 */
export function parseJsonOr(text: string, notJson: (detail: string) => Error): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw notJson(messageOf(error));
  }
}
