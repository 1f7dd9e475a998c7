import type { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance, type NagRuleResult } from 'cdk-nag';
import { containers, isAgentTaskDefinition } from '../agent-tier.js';
import { field } from '../lookup.js';

/** C8: every container of an agent task definition has a read-only root filesystem. */
export function agentTaskReadOnlyRoot(node: CfnResource): NagRuleResult {
  if (!isAgentTaskDefinition(node)) return NagRuleCompliance.NOT_APPLICABLE;
  const writable = containers(node).filter(
    (c) => field(c.definition, 'readonlyRootFilesystem') !== true,
  );
  return writable.length === 0 ? NagRuleCompliance.COMPLIANT : writable.map((c) => c.name);
}
