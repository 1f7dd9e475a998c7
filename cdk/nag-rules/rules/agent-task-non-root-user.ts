import type { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance, type NagRuleResult } from 'cdk-nag';
import { containers, isAgentTaskDefinition } from '../agent-tier.js';
import { field } from '../lookup.js';

const ROOT = new Set(['0', 'root']);

/** Whether `user` (`uid`, `uid:gid`, `name:group`) names neither the root user nor group. */
export function isNonRootUser(user: unknown): boolean {
  if (typeof user !== 'string' || user.trim() === '') return false;
  const [uid = '', gid] = user.trim().split(':');
  return !ROOT.has(uid) && (gid === undefined || !ROOT.has(gid));
}

/** C12: every container of an agent task definition runs as a non-root user (e.g. 1000:1000). */
export function agentTaskNonRootUser(node: CfnResource): NagRuleResult {
  if (!isAgentTaskDefinition(node)) return NagRuleCompliance.NOT_APPLICABLE;
  const root = containers(node).filter((c) => !isNonRootUser(field(c.definition, 'user')));
  return root.length === 0 ? NagRuleCompliance.COMPLIANT : root.map((c) => c.name);
}
