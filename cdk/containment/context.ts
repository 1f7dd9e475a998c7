import type { IConstruct } from 'constructs';
import { parseJsonOr } from '../../lib/json.js';

/** CDK context key: export names (or literal ids) assumed not to open a path. */
export const TRUSTED_IMPORTS_CONTEXT = 'agent-perimeter:trustedImports';
/** CDK context key: parameters assumed not to open a path, whatever their value. */
export const TRUSTED_PARAMETERS_CONTEXT = 'agent-perimeter:trustedParameters';
/** CDK context key: literal AWS-managed prefix list ids by service, `{ "pl-63a5400a": "s3" }`. */
export const PREFIX_LISTS_CONTEXT = 'agent-perimeter:prefixLists';

/** Context given on the command line arrives as a string; JSON in it is parsed. */
function contextValue(scope: IConstruct | undefined, key: string): unknown {
  const value: unknown = scope?.node.tryGetContext(key);
  if (typeof value !== 'string') return value;
  const text = value.trim();
  if (!text.startsWith('[') && !text.startsWith('{')) return text;
  return parseJsonOr(
    text,
    () =>
      new Error(
        `CDK context "${key}" is not valid JSON: ${text}. Fix: pass a JSON array or object, or a comma-separated list.`,
      ),
  );
}

/** A list from context: a JSON array, or a comma-separated string (`-c key=a,b`). */
export function contextList(scope: IConstruct | undefined, key: string): string[] | undefined {
  const value = contextValue(scope, key);
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'string')
    return value
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  throw new Error(
    `CDK context "${key}" is ${JSON.stringify(value)}; expected a list of names. Fix: e.g. -c ${key}=shared-vpc-id,shared-subnet-a, or a JSON array in cdk.json.`,
  );
}

/** A `{ id: service }` map from context: an object, or `pl-1=s3,pl-2=dynamodb`. */
export function contextMap(
  scope: IConstruct | undefined,
  key: string,
): Record<string, string> | undefined {
  const value = contextValue(scope, key);
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'object' && !Array.isArray(value)) {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, String(v)]),
    );
  }
  if (typeof value === 'string') {
    const pairs = value.split(',').map((pair) => pair.split('=').map((s) => s.trim()));
    if (pairs.every((p) => p.length === 2 && p[0] !== '' && p[1] !== '')) {
      return Object.fromEntries(pairs as [string, string][]);
    }
  }
  throw new Error(
    `CDK context "${key}" is ${JSON.stringify(value)}; expected prefix list ids by service. Fix: e.g. -c ${key}=pl-63a5400a=s3, or {"pl-63a5400a": "s3"} in cdk.json.`,
  );
}
