import { type Policy, PolicyError, parsePolicy } from '../../lib/policy/index.js';

/** A minimal valid policy as YAML, to which a test appends or swaps entries. */
export function policyYaml(egress: string, extra = ''): string {
  return `name: test\negress:\n${egress}\n${extra}`;
}

/** Parses text that must be valid. */
export function validPolicy(text: string): Policy {
  return parsePolicy(text, 'test.yaml');
}

/** Parses text that must be invalid and returns its problems. */
export function policyProblems(text: string): PolicyError['problems'] {
  try {
    parsePolicy(text, 'test.yaml');
  } catch (error) {
    if (error instanceof PolicyError) return error.problems;
    throw error;
  }
  throw new Error(`expected the policy to be invalid:\n${text}`);
}
