import { agentAcls } from './agent-acls.js';
import { agentAddressing } from './agent-addressing.js';
import { agentFirewall } from './agent-firewall.js';
import { agentGrants } from './agent-grants.js';
import { agentNat } from './agent-nat.js';
import { agentRoutes } from './agent-routes.js';
import { agentSubnetsKnown } from './agent-subnets-known.js';
import { agentWorkloads } from './agent-workloads.js';
import type { ContainmentCheck } from './check.js';
import { crossProfile } from './cross-profile.js';
import { directInternet } from './direct-internet.js';
import { dnsFilter } from './dns-filter.js';
import { endpointIdentity } from './endpoint-identity.js';
import { endpointPolicies } from './endpoint-policies.js';
import { proxyIdentity } from './proxy-identity.js';
import { unprovableInput } from './unprovable-input.js';

export type { ContainmentCheck } from './check.js';

/**
 * Every containment check, layer by layer: what the input hides, routes, address
 * translation, the subnet ACL, addressing, workloads among the agents, firewall groups,
 * profiles, DNS, endpoint policies, the agents' grants, and who answers on the proxy and
 * endpoint tiers. Each is judged on its own, so a path one layer still blocks is reported
 * when another layer opened it (C4).
 */
export const CHECKS: readonly ContainmentCheck[] = [
  unprovableInput,
  agentSubnetsKnown,
  agentRoutes,
  directInternet,
  agentNat,
  agentAcls,
  agentAddressing,
  agentWorkloads,
  agentFirewall,
  crossProfile,
  dnsFilter,
  endpointPolicies,
  agentGrants,
  proxyIdentity,
  endpointIdentity,
];
