import type { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance, type NagRuleResult } from 'cdk-nag';
import { containers, isAgentTaskDefinition } from '../agent-tier.js';
import { field } from '../lookup.js';

/** Whether a container drops ALL capabilities, adds none back and is not privileged. */
export function dropsAllCapabilities(definition: unknown): boolean {
  const capabilities = field(field(definition, 'linuxParameters'), 'capabilities');
  const drop = field(capabilities, 'drop');
  const add = field(capabilities, 'add');
  const dropsAll =
    Array.isArray(drop) && drop.some((c) => typeof c === 'string' && c.toUpperCase() === 'ALL');
  const addsNone = add === undefined || (Array.isArray(add) && add.length === 0);
  return dropsAll && addsNone && field(definition, 'privileged') !== true;
}

/** C5: every container of an agent task definition drops all Linux capabilities. */
export function agentTaskCapabilitiesDropped(node: CfnResource): NagRuleResult {
  if (!isAgentTaskDefinition(node)) return NagRuleCompliance.NOT_APPLICABLE;
  const failing = containers(node).filter((c) => !dropsAllCapabilities(c.definition));
  return failing.length === 0 ? NagRuleCompliance.COMPLIANT : failing.map((c) => c.name);
}
