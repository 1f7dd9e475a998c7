import type { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance, type NagRuleResult } from 'cdk-nag';
import { isAgentService } from '../agent-tier.js';
import { field, resolved } from '../lookup.js';

/** C10/C17: ECS services and task sets that run agents never assign public IPs. */
export function agentServiceNoPublicIp(node: CfnResource): NagRuleResult {
  if (
    node.cfnResourceType !== 'AWS::ECS::Service' &&
    node.cfnResourceType !== 'AWS::ECS::TaskSet'
  ) {
    return NagRuleCompliance.NOT_APPLICABLE;
  }
  if (!isAgentService(node)) return NagRuleCompliance.NOT_APPLICABLE;
  const config = resolved(
    node,
    (node as unknown as { networkConfiguration?: unknown }).networkConfiguration,
  );
  const assign = field(field(config, 'awsvpcConfiguration'), 'assignPublicIp');
  return assign === 'ENABLED' || (assign !== undefined && typeof assign !== 'string')
    ? NagRuleCompliance.NON_COMPLIANT
    : NagRuleCompliance.COMPLIANT;
}
