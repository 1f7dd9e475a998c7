import { type Destinations, intersectionOf, isEmpty } from '../destinations.js';
import type { PolicyStatement, ServiceEndpoint } from '../model.js';
import type { Violation } from '../violations.js';
import { endpointAddresses } from './allowed.js';
import type { Context } from './context.js';

/** Actions that have no resource-level permissions and carry no data out. */
const NO_RESOURCE_ACTIONS = new Set([
  'ecr:getauthorizationtoken',
  'ecr-public:getauthorizationtoken',
  'sts:getcalleridentity',
]);

const READ_PREFIXES = ['get', 'list', 'head', 'describe'];

export function isWildcardAction(action: string): boolean {
  return action === '*' || /^[^:]+:\*$/.test(action);
}

/** A resource that names nothing in particular: `*`, any account, any bucket. */
export function isWideResource(resource: string): boolean {
  if (resource === '*') return true;
  const parts = resource.split(':');
  if (parts[0] !== 'arn' || parts.length < 6) return resource.includes('*');
  const [, , service = '', , account = '', ...rest] = parts;
  const name = rest.join(':');
  if (name === '*' || name === '') return true;
  if (account.includes('*') || account.includes('?')) return true;
  if (service === 's3' || service.includes('*')) {
    const bucket = name.split('/')[0] ?? '';
    return bucket.includes('*') || bucket.includes('?') || service.includes('*');
  }
  return false;
}

/** Whether an S3 action pattern can write (anything but get/list/head/describe). */
export function canWrite(action: string): boolean {
  const name = (action.split(':')[1] ?? action).toLowerCase();
  const literal = name.split('*')[0] ?? '';
  return !READ_PREFIXES.some((p) => literal.startsWith(p));
}

function statementProblems(s: PolicyStatement, service: string | undefined): string[] {
  if (s.effect !== 'Allow') return [];
  const problems: string[] = [];
  if (s.notActions !== undefined) {
    problems.push(`uses NotAction (${s.notActions.join(', ')}), which allows every other action`);
  }
  if (s.notResources !== undefined) {
    problems.push(
      `uses NotResource (${s.notResources.join(', ')}), which allows every other resource`,
    );
  }
  const actions = s.actions ?? [];
  const wildcards = actions.filter(isWildcardAction);
  if (wildcards.length > 0) problems.push(`allows wildcard actions "${wildcards.join('", "')}"`);
  const wide = (s.resources ?? []).filter(isWideResource);
  const scoped =
    actions.length > 0 && actions.every((a) => NO_RESOURCE_ACTIONS.has(a.toLowerCase()));
  if (wide.length > 0 && !scoped) {
    problems.push(
      `allows ${actions.join(', ') || 'its actions'} on "${wide.join('", "')}" (any resource, so also one an attacker owns)`,
    );
  }
  if (service === 's3') {
    const writes = actions.filter((a) => wildcards.includes(a) || canWrite(a));
    if (writes.length > 0 && wildcards.length === 0) {
      problems.push(`allows S3 writes (${writes.join(', ')})`);
    }
  }
  return problems;
}

/** Problems of one endpoint's policy, each a sentence fragment. */
export function endpointPolicyProblems(endpoint: ServiceEndpoint): string[] {
  if (endpoint.service?.startsWith('vpce-svc-') === true) {
    return [
      `does not matter: it connects to PrivateLink endpoint service ${endpoint.service}, not an AWS service, so whoever runs that service receives what agents send`,
    ];
  }
  const p = endpoint.policy;
  if (p.kind === 'full-access') return [p.how];
  if (p.kind === 'unresolved') return [];
  return p.statements.flatMap((s, i) =>
    statementProblems(s, endpoint.service).map((x) => `statement ${i + 1} ${x}`),
  );
}

/**
 * Service endpoints agents can reach are data channels unless their policies are scoped:
 * no wildcard actions, no "any resource" (a bucket in the attacker's account is as reachable
 * as ours), and for S3 (the ECR layer path) no writes.
 */
export function checkEndpoints(
  ctx: Context,
  reachableGroups: ReadonlySet<string>,
  reachableAddresses: Destinations,
  agentTables: ReadonlySet<string>,
): Violation[] {
  const out: Violation[] = [];
  for (const endpoint of ctx.model.endpoints) {
    const byRoute =
      endpoint.kind === 'gateway' && endpoint.routeTables.some((t) => agentTables.has(t));
    const byGroup = endpoint.groups.some((g) => reachableGroups.has(g));
    const byAddress =
      endpoint.subnets.some(
        (s) =>
          ctx.agentSubnets.has(s) ||
          !isEmpty(intersectionOf(ctx.subnetAddresses(s), reachableAddresses)),
      ) || !isEmpty(intersectionOf(endpointAddresses(endpoint), reachableAddresses));
    if (!byRoute && !byGroup && !byAddress) continue;
    // An endpoint outside the network's subnets (a Google API VIP) needs a route to it.
    if (endpoint.addresses !== undefined && !routedTo(ctx, endpoint, agentTables)) continue;
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

/** Whether an agent route table has a route to the endpoint. */
function routedTo(ctx: Context, endpoint: ServiceEndpoint, tables: ReadonlySet<string>): boolean {
  return [...tables].some((t) =>
    ctx.routeTables.get(t)?.routes.some((r) => r.target.endpoint === endpoint.id),
  );
}

/**
 * What the agents' own identity may do with the provider's APIs. The endpoints carry the
 * calls; the grant decides what they can move or fetch, so it is judged like an endpoint
 * policy: an agent identity needs no permission at all (C20), and never credentials (C2).
 */
export function checkIdentityGrants(ctx: Context): Violation[] {
  if (ctx.agents.length === 0) return [];
  return (ctx.model.identityGrants ?? []).map((f) =>
    f.unresolved === true
      ? {
          resource: f.resource,
          channel: 'cannot-prove' as const,
          explanation: `${f.how}, so what agents may do with the provider's APIs cannot be checked. Fix: use literal values.`,
        }
      : {
          resource: f.resource,
          channel: 'endpoint-policy' as const,
          explanation: `${f.how}: every agent can get a token for that identity and use the grant through the API endpoints, a data channel (or a credential) that bypasses the proxy (C20, C2). Fix: ${f.fix ?? 'remove the grant; agent identities hold no permissions.'}`,
        },
  );
}
