import type { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance, type NagRuleResult } from 'cdk-nag';
import { isAgentTaskDefinition } from '../agent-tier.js';
import { field, referencedId, referencedResource, resolved, resourcesOfType } from '../lookup.js';

/** AWS-managed policies that grant whole services (the ARN may end inside a Fn::Join). */
const BROAD_MANAGED =
  /:policy\/(AdministratorAccess|PowerUserAccess|[A-Za-z0-9]*FullAccess)(?=["\]}]*$)/;

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : v === undefined ? [] : [v];
}

/** Allow statements with `*` / `service:*` actions or NotAction, by policy. */
export function wildcardStatements(document: unknown): string[] {
  const out: string[] = [];
  for (const s of list(field(document, 'Statement') ?? field(document, 'statement'))) {
    if (field(s, 'Effect') !== 'Allow' && field(s, 'effect') !== 'Allow') continue;
    if (field(s, 'NotAction') !== undefined) out.push('NotAction');
    for (const a of list(field(s, 'Action'))) {
      if (typeof a === 'string' && (a === '*' || /^[^:]+:\*$/.test(a))) out.push(a);
    }
  }
  return out;
}

/** The construct's name: its id, or its parent's for an L2's `Resource`. */
function nameOf(node: CfnResource): string {
  return node.node.id === 'Resource' ? (node.node.scope?.node.id ?? node.node.id) : node.node.id;
}

/**
 * C20: the task role of an agent task definition allows no wildcard actions (`*`, `s3:*`),
 * no NotAction, and carries no broad AWS-managed policy. A role outside the stack cannot be
 * checked and is reported. Findings: `<policy>:<action>`.
 */
export function agentTaskRoleNoWildcards(node: CfnResource): NagRuleResult {
  if (!isAgentTaskDefinition(node)) return NagRuleCompliance.NOT_APPLICABLE;
  const arn = (node as unknown as { taskRoleArn?: unknown }).taskRoleArn;
  if (arn === undefined) return NagRuleCompliance.COMPLIANT;
  const role = referencedResource(node, arn);
  if (role === undefined || role.cfnResourceType !== 'AWS::IAM::Role')
    return ['role-outside-stack'];
  const roleId = referencedId(resolved(node, arn));
  const findings: string[] = [];
  const roleProps = role as unknown as { policies?: unknown; managedPolicyArns?: unknown };
  for (const p of list(resolved(role, roleProps.policies))) {
    const name = String(field(p, 'policyName') ?? 'inline');
    for (const a of wildcardStatements(field(p, 'policyDocument'))) findings.push(`${name}:${a}`);
  }
  for (const m of list(resolved(role, roleProps.managedPolicyArns))) {
    const text = typeof m === 'string' ? m : JSON.stringify(m);
    const broad = BROAD_MANAGED.exec(text);
    if (broad !== null) findings.push(`managed:${broad[1]}`);
    const managed = referencedResource(role, m);
    if (managed !== undefined) {
      const doc = resolved(
        managed,
        (managed as unknown as { policyDocument?: unknown }).policyDocument,
      );
      for (const a of wildcardStatements(doc)) findings.push(`${nameOf(managed)}:${a}`);
    }
  }
  for (const policy of resourcesOfType(node, 'AWS::IAM::Policy')) {
    const p = policy as unknown as { roles?: unknown; policyDocument?: unknown };
    const roles = list(resolved(policy, p.roles)).map(referencedId);
    if (roleId === undefined || !roles.includes(roleId)) continue;
    for (const a of wildcardStatements(resolved(policy, p.policyDocument)))
      findings.push(`${nameOf(policy)}:${a}`);
  }
  return findings.length === 0 ? NagRuleCompliance.COMPLIANT : findings;
}
