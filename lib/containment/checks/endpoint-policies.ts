import { endpointPolicyProblems, reachableEndpoints } from '../analysis/endpoints.js';
import type { Scope } from '../analysis/scope.js';
import type { Violation } from '../violations.js';

/**
 * Service endpoints agents can reach are data channels unless their policies are scoped:
 * no wildcard actions, no "any resource" (a bucket in the attacker's account is as reachable
 * as ours), and for S3 (the ECR layer path) no writes.
 */
export function endpointPolicies({
  ctx,
  reachableGroups,
  reachableAddresses,
  agentTables,
}: Scope): readonly Violation[] {
  const out: Violation[] = [];
  for (const endpoint of reachableEndpoints(
    ctx,
    reachableGroups,
    reachableAddresses,
    agentTables,
  )) {
    const name = `${endpoint.kind} endpoint ${endpoint.resource}${endpoint.service === undefined ? '' : ` (${endpoint.service})`}`;
    if (endpoint.policy.kind === 'unresolved') {
      out.push({
        resource: endpoint.resource,
        channel: 'cannot-prove',
        explanation: `agents can reach ${name}, whose policy ${endpoint.policy.why}, so it cannot be checked. Fix: write the policy in this template.`,
      });
      continue;
    }
    const problems = endpointPolicyProblems(endpoint);
    if (problems.length === 0) continue;
    out.push({
      resource: endpoint.resource,
      channel: 'endpoint-policy',
      explanation: `agents can reach ${name}, and its policy ${problems.join('; ')}: the service becomes a data channel out that bypasses the proxy. Fix: ${endpoint.policy.kind === 'full-access' && endpoint.policy.fix !== undefined ? endpoint.policy.fix : `allow only the actions the tasks need on the resources they need${endpoint.service === 's3' ? ' (for ECR image layers: s3:GetObject on the ECR layer bucket)' : ''}.`}`,
    });
  }
  return out;
}
