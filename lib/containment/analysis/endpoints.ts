import { type Destinations, intersectionOf, isEmpty } from '../destinations.js';
import type { PolicyStatement, ServiceEndpoint } from '../model.js';
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
  const own = new Set(s.ownResources);
  const wide = (s.resources ?? []).filter((r) => isWideResource(r) && !own.has(r));
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
 * The service endpoints agents can reach: a gateway endpoint on an agent route table, an
 * interface in a group or at an address some agent's groups allow (or in an agent subnet),
 * and an endpoint outside the network's subnets (a Google API VIP) only with a route to it.
 */
export function reachableEndpoints(
  ctx: Context,
  reachableGroups: ReadonlySet<string>,
  reachableAddresses: Destinations,
  agentTables: ReadonlySet<string>,
): ServiceEndpoint[] {
  return ctx.model.endpoints.filter((endpoint) => {
    const byRoute =
      endpoint.kind === 'gateway' && endpoint.routeTables.some((t) => agentTables.has(t));
    const byGroup = endpoint.groups.some((g) => reachableGroups.has(g));
    const byAddress =
      endpoint.subnets.some(
        (s) =>
          ctx.agentSubnets.has(s) ||
          !isEmpty(intersectionOf(ctx.subnetAddresses(s), reachableAddresses)),
      ) || !isEmpty(intersectionOf(endpointAddresses(endpoint), reachableAddresses));
    if (!byRoute && !byGroup && !byAddress) return false;
    return endpoint.addresses === undefined || routedTo(ctx, endpoint, agentTables);
  });
}

/** Whether an agent route table has a route to the endpoint. */
function routedTo(ctx: Context, endpoint: ServiceEndpoint, tables: ReadonlySet<string>): boolean {
  return [...tables].some((t) =>
    ctx.routeTables.get(t)?.routes.some((r) => r.target.endpoint === endpoint.id),
  );
}
