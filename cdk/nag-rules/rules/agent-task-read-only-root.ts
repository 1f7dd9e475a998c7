import type { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance, type NagRuleResult } from 'cdk-nag';
import { ecsCheck } from '../../../lib/contract/hardening.js';
import { containers, isAgentTaskDefinition } from '../agent-tier.js';

/** C8: every container of an agent task definition has a read-only root filesystem. */
export function agentTaskReadOnlyRoot(node: CfnResource): NagRuleResult {
  if (!isAgentTaskDefinition(node)) return NagRuleCompliance.NOT_APPLICABLE;
  const { holds } = ecsCheck('read-only-root');
  const writable = containers(node).filter((c) => !holds(c.definition));
  return writable.length === 0 ? NagRuleCompliance.COMPLIANT : writable.map((c) => c.name);
}
