import { FIREWALL_CHANNELS } from '../terms.js';
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
 *
 * Like a cdk-nag pack, this table holds what is said about each check (its id, which is its
 * file's name, the channels it reports and what it proves); each file holds only the check.
 */
export const CHECKS: readonly ContainmentCheck[] = [
  {
    id: 'unprovable-input',
    channels: ['cannot-prove'],
    description:
      'Everything that matters for containment is visible in the input (no unread nested stack, unknown value or uncounted condition case).',
    check: unprovableInput,
  },
  {
    id: 'agent-subnets-known',
    channels: ['cannot-prove'],
    description:
      'Every agent runs in a subnet the input defines (or one declared trusted), so its routes, ACL and addressing can be checked.',
    check: agentSubnetsKnown,
  },
  {
    id: 'agent-routes',
    channels: ['route-to-internet'],
    description:
      'The route tables of agent subnets keep only the local route and gateway endpoints; nothing leaves the network by a route.',
    check: agentRoutes,
  },
  {
    id: 'direct-internet',
    channels: ['route-to-internet'],
    description:
      'No agent workload reaches the internet without the network (a function outside any VPC).',
    check: directInternet,
  },
  {
    id: 'agent-nat',
    channels: ['route-to-internet'],
    description: 'No address translation (Cloud NAT) serves a subnet with agents.',
    check: agentNat,
  },
  {
    id: 'agent-acls',
    channels: [FIREWALL_CHANNELS.aclWeakened],
    description:
      "Each agent subnet's own stateless ACL lets nothing out beyond the allowed set, so one widened firewall group still leaves a second wall.",
    check: agentAcls,
  },
  {
    id: 'agent-addressing',
    channels: ['public-ip', 'ipv6'],
    description:
      'Agents and their subnets get no public address and no IPv6 (reported even before a route uses them).',
    check: agentAddressing,
  },
  {
    id: 'agent-workloads',
    channels: ['unprotected-workload'],
    description:
      'Every workload among the agents (in an agent subnet, tagged an agent, or on an agent host) wears the agent firewall group.',
    check: agentWorkloads,
  },
  {
    id: 'agent-firewall',
    channels: [FIREWALL_CHANNELS.groupEgress, FIREWALL_CHANNELS.groupIngress, 'lateral'],
    description:
      "Every agent's firewall groups allow out only the proxy tier on its ports and the endpoints on 443, nothing to other agents, and admit no connection.",
    check: agentFirewall,
  },
  {
    id: 'cross-profile',
    channels: ['cross-profile'],
    description:
      "Each agent carries exactly one profile's group, and reaches the proxy tier only on its own profile's listeners.",
    check: crossProfile,
  },
  {
    id: 'dns-filter',
    channels: ['dns-firewall'],
    description:
      "Each network with agents has a DNS filter that blocks every name by default, fails closed, and agents use the provider's filtered resolver.",
    check: dnsFilter,
  },
  {
    id: 'endpoint-policies',
    channels: ['endpoint-policy'],
    description:
      'Every service endpoint agents can reach has a scoped policy: no wildcard actions, no "any resource", no S3 writes.',
    check: endpointPolicies,
  },
  {
    id: 'agent-grants',
    channels: ['endpoint-policy'],
    description: "The agents' own identity holds no permission on the provider's APIs.",
    check: agentGrants,
  },
  {
    id: 'proxy-identity',
    channels: ['identity'],
    description:
      'Only the proxy workload the policy renders (its image, identity and configuration) and its load balancer sit in the proxy tier, and only service endpoints in the endpoint tier.',
    check: proxyIdentity,
  },
  {
    id: 'endpoint-identity',
    channels: ['identity'],
    description:
      "Every endpoint agents can reach fronts a first-party service the perimeter uses, and its policy names only the perimeter's own account's resources or ones the service itself owns.",
    check: endpointIdentity,
  },
];
