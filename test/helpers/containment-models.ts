import type {
  AclEntry,
  Attachment,
  ContainmentModel,
  FirewallRule,
  Peer,
  Route,
  Traffic,
} from '../../lib/containment/index.js';

/** TCP on one port, as a rule or an ACL entry lets it through. */
export const tcp = (port: number): Traffic => ({ protocol: 6, ports: { from: port, to: port } });

/** Every IPv4 address, as a rule's peer: the internet. */
export const ANYWHERE: Peer = { kind: 'cidr', cidr: '0.0.0.0/0' };

/**
 * A small hand-written model: VPC 10.0.0.0/16 with an agent subnet (10.0.1.0/24, route
 * table `rt-agent`, ACL `acl-agent`), a proxy subnet (10.0.2.0/24), an endpoint subnet
 * (10.0.3.0/24), groups `sg-agent` / `sg-proxy` / `sg-endpoint`, a proxy listener on 3128, a
 * DNS firewall that blocks `*`, and one agent slot. Pieces can be replaced or extended.
 */
export function smallModel(
  overrides: {
    rules?: FirewallRule[];
    aclEntries?: AclEntry[];
    routes?: Route[];
    attachments?: Attachment[];
  } = {},
): ContainmentModel {
  return {
    provider: 'test',
    source: 'model',
    networks: [
      {
        id: 'vpc',
        resource: 'Vpc',
        cidrs: ['10.0.0.0/16'],
        mainRouteTable: 'rt-main',
        defaultAcl: 'allow-all',
      },
    ],
    subnets: [
      {
        id: 'agent',
        resource: 'AgentSubnet',
        network: 'vpc',
        tier: 'agent',
        cidrs: ['10.0.1.0/24'],
        routeTable: 'rt-agent',
        acl: 'acl-agent',
      },
      {
        id: 'proxy',
        resource: 'ProxySubnet',
        network: 'vpc',
        tier: 'proxy',
        cidrs: ['10.0.2.0/24'],
        routeTable: 'rt-proxy',
      },
      {
        id: 'endpoint',
        resource: 'EndpointSubnet',
        network: 'vpc',
        tier: 'endpoint',
        cidrs: ['10.0.3.0/24'],
        routeTable: 'rt-main',
      },
    ],
    routeTables: [
      { id: 'rt-main', resource: 'MainTable', network: 'vpc', routes: [] },
      { id: 'rt-agent', resource: 'AgentTable', network: 'vpc', routes: overrides.routes ?? [] },
      {
        id: 'rt-proxy',
        resource: 'ProxyTable',
        network: 'vpc',
        routes: [
          {
            resource: 'ProxyDefault',
            destination: { cidr: '0.0.0.0/0' },
            target: { kind: 'nat-gateway', label: 'NAT gateway Nat' },
          },
        ],
      },
    ],
    unplacedRoutes: [],
    networkAcls: [
      {
        id: 'acl-agent',
        resource: 'AgentAcl',
        network: 'vpc',
        entries: overrides.aclEntries ?? [
          {
            resource: 'ToProxy',
            direction: 'egress',
            ruleNumber: 100,
            action: 'allow',
            traffic: tcp(3128),
            cidr: '10.0.2.0/24',
          },
          {
            resource: 'ToEndpoints',
            direction: 'egress',
            ruleNumber: 110,
            action: 'allow',
            traffic: tcp(443),
            cidr: '10.0.3.0/24',
          },
        ],
      },
    ],
    firewallGroups: [
      { id: 'sg-agent', resource: 'AgentGroup', network: 'vpc', tier: 'agent' },
      { id: 'sg-proxy', resource: 'ProxyGroup', network: 'vpc', tier: 'proxy' },
      { id: 'sg-endpoint', resource: 'EndpointGroup', network: 'vpc', tier: 'endpoint' },
    ],
    firewallRules: overrides.rules ?? [
      egress('AgentToProxy', tcp(3128), { kind: 'group', group: 'sg-proxy' }),
      egress('AgentToEndpoints', tcp(443), { kind: 'group', group: 'sg-endpoint' }),
    ],
    prefixLists: [],
    endpoints: [],
    attachments: overrides.attachments ?? [
      {
        id: 'slot',
        resource: 'AgentSubnet',
        kind: 'agent subnet',
        role: 'slot',
        subnet: 'agent',
        groups: ['sg-agent'],
      },
      {
        id: 'lb',
        resource: 'ProxyLoadBalancer',
        kind: 'load balancer',
        role: 'service',
        subnet: 'proxy',
        groups: ['sg-proxy'],
        targets: [],
      },
      {
        id: 'ep',
        resource: 'Endpoint',
        kind: 'interface endpoint',
        role: 'service',
        subnet: 'endpoint',
        groups: ['sg-endpoint'],
        endpoint: 'ep',
      },
    ],
    dns: {
      ruleGroups: [
        {
          id: 'rg',
          resource: 'RuleGroup',
          rules: [
            { priority: 1, action: 'allow', domains: ['api.example.com'] },
            { priority: 2, action: 'block', domains: ['*'] },
          ],
        },
      ],
      associations: [{ resource: 'Association', network: 'vpc', priority: 1000, ruleGroup: 'rg' }],
      configs: [],
    },
    proxyListeners: [{ resource: 'Listener3128', port: 3128, protocols: ['tcp'] }],
    unprovable: [],
  };
}

/** An allow egress rule of the agent group. */
export function egress(
  resource: string,
  traffic: FirewallRule['traffic'],
  peer: FirewallRule['peer'],
  extra: Partial<FirewallRule> = {},
): FirewallRule {
  return {
    resource,
    group: 'sg-agent',
    direction: 'egress',
    action: 'allow',
    priority: 0,
    traffic,
    peer,
    ...extra,
  };
}
