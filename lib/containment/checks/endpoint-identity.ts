import { reachableEndpoints } from '../analysis/endpoints.js';
import type { Scope } from '../analysis/scope.js';
import type { Violation } from '../violations.js';

/**
 * Who stands behind each endpoint agents can reach: a first-party service the perimeter
 * uses, with a policy naming only the perimeter's own account's resources or the service's
 * own (what the adapter found otherwise is in `ServiceEndpoint.ownership`).
 */
export function endpointIdentity({
  ctx,
  reachableGroups,
  reachableAddresses,
  agentTables,
}: Scope): readonly Violation[] {
  return reachableEndpoints(ctx, reachableGroups, reachableAddresses, agentTables).flatMap((e) =>
    (e.ownership ?? []).map(
      (f): Violation => ({
        resource: f.resource,
        channel: f.unresolved === true ? 'cannot-prove' : 'identity',
        explanation:
          f.unresolved === true
            ? `agents can reach ${e.kind} endpoint ${e.resource}, whose ${f.how}, so who stands behind what agents reach through it cannot be checked. Fix: use literal values or resources of this template.`
            : `agents can reach ${e.kind} endpoint ${e.resource}, whose ${f.how}: agents could move data to a resource the perimeter does not own, past the proxy. Fix: ${f.fix ?? "allow only this account's resources (or the service's own, such as the ECR layer bucket)."}`,
      }),
    ),
  );
}
