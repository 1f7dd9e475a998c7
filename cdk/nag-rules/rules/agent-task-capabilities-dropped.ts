import type { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance, type NagRuleResult } from 'cdk-nag';
import { ecsCheck } from '../../../lib/contract/hardening.js';
import { containers, isAgentTaskDefinition } from '../agent-tier.js';

/** Whether a container drops ALL capabilities, adds none back and is not privileged. */
export function dropsAllCapabilities(definition: unknown): boolean {
  return (
    ecsCheck('capabilities-dropped').holds(definition) &&
    ecsCheck('not-privileged').holds(definition)
  );
}

/** C5: every container of an agent task definition drops all Linux capabilities. */
export function agentTaskCapabilitiesDropped(node: CfnResource): NagRuleResult {
  if (!isAgentTaskDefinition(node)) return NagRuleCompliance.NOT_APPLICABLE;
  const failing = containers(node).filter((c) => !dropsAllCapabilities(c.definition));
  return failing.length === 0 ? NagRuleCompliance.COMPLIANT : failing.map((c) => c.name);
}
