import { UserError } from '../../lib/errors.js';
import {
  loadPolicy,
  type Policy,
  type PolicyFile,
  resolvePolicyFile,
} from '../../lib/policy/index.js';

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
