import type { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance, type NagRuleResult } from 'cdk-nag';
import { isAgentTaskDefinition } from '../agent-tier.js';
import { resolved } from '../lookup.js';

/**
 * C10/C18: agent tasks use awsvpc networking, so each task has its own interface with the
 * agent security group; bridge or host networking shares the instance's network and groups.
 */
export function agentTaskAwsvpc(node: CfnResource): NagRuleResult {
  if (!isAgentTaskDefinition(node)) return NagRuleCompliance.NOT_APPLICABLE;
  const mode = resolved(node, (node as unknown as { networkMode?: unknown }).networkMode);
  return mode === 'awsvpc' ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
}
