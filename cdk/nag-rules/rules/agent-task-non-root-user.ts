import type { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance, type NagRuleResult } from 'cdk-nag';
import { ecsCheck } from '../../../lib/contract/hardening.js';
import { containers, isAgentTaskDefinition } from '../agent-tier.js';

export { isNonRootUser } from '../../../lib/contract/hardening.js';

/** C12: every container of an agent task definition runs as a non-root user (e.g. 1000:1000). */
export function agentTaskNonRootUser(node: CfnResource): NagRuleResult {
  if (!isAgentTaskDefinition(node)) return NagRuleCompliance.NOT_APPLICABLE;
  const { holds } = ecsCheck('non-root-user');
  const root = containers(node).filter((c) => !holds(c.definition));
  return root.length === 0 ? NagRuleCompliance.COMPLIANT : root.map((c) => c.name);
}
