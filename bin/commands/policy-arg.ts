import { UserError } from '../../lib/errors.js';
import {
  formatWarning,
  loadPolicy,
  type Policy,
  type PolicyFile,
  policyWarnings,
  resolvePolicyFile,
} from '../../lib/policy/index.js';
import type { Io } from './command.js';

/**
 * `--policy FILE` as every command that reads a policy declares it: a path, or absent for the
 * embedded default (`policyFromArgs` resolves it, from any working directory).
 */
export const POLICY_OPTION = { policy: { type: 'string' } } as const;

/**
 * Loads the policy named on the command line (`--policy FILE`, or a positional FILE where a
 * command takes one as a shorthand), or the embedded default, from any working directory.
 */
export function policyFromArgs(
  flag: string | undefined,
  positional?: string,
  command?: string,
): { policy: Policy; source: string; file: PolicyFile } {
  if (flag !== undefined && positional !== undefined && flag !== positional) {
    throw new UserError(
      `agent-perimeter ${command ?? ''}: two policy files given ("${positional}" and --policy "${flag}"). Fix: give one.`,
    );
  }
  const file = resolvePolicyFile(flag ?? positional);
  return { policy: loadPolicy(file), source: file.shown, file };
}

/**
 * Prints the policy's warnings (images without a digest) to stderr, one line each. `check-policy`,
 * `synth` and `local` call it right after loading, so they print the same lines first.
 */
export function printPolicyWarnings(policy: Policy, source: string, io: Io): void {
  for (const warning of policyWarnings(policy)) io.err(formatWarning(source, warning));
}
