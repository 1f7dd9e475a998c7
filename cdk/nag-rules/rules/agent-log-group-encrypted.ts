import type { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance, type NagRuleResult } from 'cdk-nag';
import { containers, isAgentTaskDefinition } from '../agent-tier.js';
import { field, referencedResource } from '../lookup.js';

/**
 * C21: agent containers log with the awslogs driver into a log group of this stack that is
 * KMS-encrypted and has a retention period. Findings: `<container>:<problem>`.
 */
export function agentLogGroupEncrypted(node: CfnResource): NagRuleResult {
  if (!isAgentTaskDefinition(node)) return NagRuleCompliance.NOT_APPLICABLE;
  const findings: string[] = [];
  for (const c of containers(node)) {
    const config = field(c.definition, 'logConfiguration');
    if (config === undefined) {
      findings.push(`${c.name}:no-logging`);
      continue;
    }
    if (field(config, 'logDriver') !== 'awslogs') {
      findings.push(`${c.name}:not-awslogs`);
      continue;
    }
    const group = field(field(config, 'options'), 'awslogs-group');
    const logGroup = referencedResource(node, group);
    if (logGroup === undefined || logGroup.cfnResourceType !== 'AWS::Logs::LogGroup') {
      findings.push(`${c.name}:log-group-outside-stack`);
      continue;
    }
    const p = logGroup as unknown as { kmsKeyId?: unknown; retentionInDays?: unknown };
    if (p.kmsKeyId === undefined) findings.push(`${c.name}:unencrypted`);
    if (p.retentionInDays === undefined) findings.push(`${c.name}:no-retention`);
  }
  return findings.length === 0 ? NagRuleCompliance.COMPLIANT : findings;
}
