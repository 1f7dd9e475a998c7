import type { Scope } from '../analysis/scope.js';
import type { Violation } from '../violations.js';

/**
 * What the agents' own identity may do with the provider's APIs. The endpoints carry the
 * calls; the grant decides what they can move or fetch, so it is judged like an endpoint
 * policy: an agent identity needs no permission at all (C20), and never credentials (C2).
 */
export function agentGrants({ ctx }: Scope): readonly Violation[] {
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
