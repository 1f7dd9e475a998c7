import type { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance, type NagRuleResult } from 'cdk-nag';
import { looksLikeSecret } from '../../../lib/policy/index.js';
import { containers, isAgentTaskDefinition } from '../agent-tier.js';
import { field } from '../lookup.js';

/**
 * C2: agent containers hold no credentials: no `secrets`, no environment files (their
 * contents cannot be checked) and no environment value that looks like a key or token.
 * Findings name the container and variable: `app:GITHUB_TOKEN`.
 */
export function agentTaskNoSecrets(node: CfnResource): NagRuleResult {
  if (!isAgentTaskDefinition(node)) return NagRuleCompliance.NOT_APPLICABLE;
  const findings: string[] = [];
  for (const c of containers(node)) {
    const secrets = field(c.definition, 'secrets');
    if (Array.isArray(secrets)) {
      for (const s of secrets) findings.push(`${c.name}:${String(field(s, 'name') ?? 'secret')}`);
    }
    const files = field(c.definition, 'environmentFiles');
    if (Array.isArray(files) && files.length > 0) findings.push(`${c.name}:environmentFiles`);
    const environment = field(c.definition, 'environment');
    for (const e of Array.isArray(environment) ? environment : []) {
      const value = field(e, 'value');
      if (typeof value === 'string' && looksLikeSecret(value) !== undefined) {
        findings.push(`${c.name}:${String(field(e, 'name') ?? 'variable')}`);
      }
    }
  }
  return findings.length === 0 ? NagRuleCompliance.COMPLIANT : findings;
}
