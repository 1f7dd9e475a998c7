import { relative } from 'node:path';
import { DEFAULT_POLICY_FILE, loadPolicy, type Policy } from '../../lib/policy/index.js';

/** Loads the policy named on the command line, or the embedded default. */
export function policyFromArgs(file: string | undefined): { policy: Policy; source: string } {
  const path = file ?? DEFAULT_POLICY_FILE;
  const source = file ?? (relative(process.cwd(), DEFAULT_POLICY_FILE) || 'agent-perimeter.yaml');
  return { policy: loadPolicy(path), source };
}
