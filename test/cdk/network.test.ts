// The CloudFormation schema validator adds seconds per stack; this file checks templates itself.
process.env.CDK_VALIDATION = 'false';

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, CfnElement, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import {
  Peer,
  Port,
  type SecurityGroup,
  type SubnetConfiguration,
  SubnetType,
  Vpc,
} from 'aws-cdk-lib/aws-ec2';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { AgentPerimeter } from '../../app/aws-perimeter.js';
import { addAgentPerimeterChecks } from '../../cdk/checks.js';
import {
  AgentNetwork,
  type AgentNetworkProps,
  DNS_ALLOW_PRIORITY,
  DNS_BLOCK_PRIORITY,
  dnsAllowlist,
  type ExistingEndpoints,
  planNaclEntries,
  TIER_TAG_KEY,
} from '../../cdk/network/index.js';
import { verifyTemplate } from '../../lib/containment/index.js';
import {
  loadPolicy,
  nonInternalIpv4Cidrs,
  type Policy,
  portRanges,
  proxyPorts,
  proxyUpstreams,
  upstreamPorts,
} from '../../lib/policy/index.js';
import {
  type CfnResourceJson,
  naclVerdict,
  props,
  refOf,
  renderString,
  resources,
  resourcesOfType,
  securityGroupRules,
  tagValue,
} from '../helpers/cdk-network-template.js';
import { inLandingZoneVpc } from '../helpers/landing-zone-vpc.js';
import { packFindings, packRows } from '../helpers/nag.js';
import { policyYaml, validPolicy } from '../helpers/policy.js';

const policy = loadPolicy();
/** The default policy plus a host on an extra port, and no injected credentials. */
const variantPolicy = validPolicy(
  policyYaml(
    [
      '  - host: registry.npmjs.org',
      '  - host: api.example.org',
      '    ports: [443, 8443]',
      '  - host: "*.example.net"',
      '  - host: git.corp.example.org',
      '    ports: [8080]',
      '    private: ["10.20.0.0/16"]',
    ].join('\n'),
  ),
);

interface Built {
  readonly stack: Stack;
  readonly network: AgentNetwork;
  readonly template: Template;
  readonly id: (construct: IConstruct | undefined) => string;
  readonly sgNames: Record<string, string>;
}

function logicalId(stack: Stack, construct: IConstruct | undefined): string {
  let current = construct;
  while (current !== undefined && !CfnElement.isCfnElement(current))
    current = current.node.defaultChild;
  if (current === undefined)
    throw new Error(`no CloudFormation element under ${construct?.node.path}`);
  return stack.resolve((current as CfnElement).logicalId) as string;
}

function built(stack: Stack, network: AgentNetwork): Built {
  const id = (construct: IConstruct | undefined) => logicalId(stack, construct);
  const sgNames: Record<string, string> = {
    [id(network.agentSecurityGroup)]: 'Agent',
    [id(network.loadBalancerSecurityGroup)]: 'LoadBalancer',
    [id(network.proxySecurityGroup)]: 'Proxy',
  };
  if (network.endpointSecurityGroup !== undefined) {
    sgNames[id(network.endpointSecurityGroup)] = 'Endpoint';
  }
  if (network.secretsEndpointSecurityGroup !== undefined) {
    sgNames[id(network.secretsEndpointSecurityGroup)] = 'SecretsEndpoint';
  }
  return { stack, network, template: Template.fromStack(stack), id, sgNames };
}

/**
 * A perimeter with `given` in a two-zone ec2.Vpc (CDK's default subnets unless `layout`) of a
 * stack of its own.
 */
const inEc2Vpc =
  (given: Omit<AgentNetworkProps, 'policy' | 'vpc'>, layout?: SubnetConfiguration[]) => () => {
    const stack = new Stack(new App(), 'Ec2Vpc');
    const vpc = new Vpc(stack, 'Vpc', {
      maxAzs: 2,
      ...(layout === undefined ? {} : { subnetConfiguration: layout }),
    });
    return new AgentNetwork(stack, 'Network', { policy, vpc, ...given });
  };

let main: Built;
let variant: Built;
let existing: Built;

beforeAll(() => {
  // One app, one synthesis: the default policy, a variant policy, and an existing VPC.
  const app = new App();
  const mainStack = new Stack(app, 'Main');
  const mainNetwork = new AgentNetwork(mainStack, 'Network', { policy });
  const variantStack = new Stack(app, 'Variant');
  const variantNetwork = new AgentNetwork(variantStack, 'Network', {
    policy: variantPolicy,
    s3PrefixListId: 'pl-63a5400a',
  });
  const existingStack = new Stack(app, 'Existing');
  const existingNetwork = new AgentNetwork(existingStack, 'Network', {
    policy,
    ...inLandingZoneVpc(existingStack),
    logRetention: RetentionDays.ONE_MONTH,
  });
  main = built(mainStack, mainNetwork);
  variant = built(variantStack, variantNetwork);
  existing = built(existingStack, existingNetwork);
});

describe('pure planning', () => {
  it('derives the proxy ports and the upstream port union from the policy', () => {
    expect(proxyPorts(policy).agentFacing).toEqual([3128, 8081]);
    expect(upstreamPorts(policy)).toEqual([443]);
    expect(upstreamPorts(variantPolicy)).toEqual([443, 8080, 8443]);
    expect(proxyUpstreams(variantPolicy)).toEqual({
      publicPorts: [443, 8443],
      internal: [{ cidr: '10.20.0.0/16', ports: [8080] }],
    });
    expect(portRanges([8083, 443, 8081, 8082, 22])).toEqual([
      { from: 22, to: 22 },
      { from: 443, to: 443 },
      { from: 8081, to: 8083 },
    ]);
  });

  it('builds the DNS allowlist from the policy hosts, then AWS service names, then extras', () => {
    const names = dnsAllowlist(policy, 'eu-west-1', 'amazonaws.com', ['proxy.internal.example']);
    expect(names.slice(0, 5)).toEqual([
      'api.anthropic.com',
      'registry.npmjs.org',
      'github.com',
      'codeload.github.com',
      '*.githubusercontent.com',
    ]);
    expect(names).toEqual(
      expect.arrayContaining([
        'api.ecr.eu-west-1.amazonaws.com',
        '*.dkr.ecr.eu-west-1.amazonaws.com',
        'prod-eu-west-1-starport-layer-bucket.s3.eu-west-1.amazonaws.com',
        'logs.eu-west-1.amazonaws.com',
        'secretsmanager.eu-west-1.amazonaws.com',
        '*.elb.eu-west-1.amazonaws.com',
      ]),
    );
    expect(names.at(-1)).toBe('proxy.internal.example');
    expect(new Set(names).size).toBe(names.length);
    expect(names).not.toContain('*');
  });

  it('changes the allowlist when the policy gains a host', () => {
    const before = dnsAllowlist(policy, 'us-east-1', 'amazonaws.com');
    const after = dnsAllowlist(variantPolicy, 'us-east-1', 'amazonaws.com');
    expect(before).not.toContain('api.example.org');
    expect(after).toContain('api.example.org');
    expect(after).toContain('*.example.net');
  });

  it('plans request and return-traffic NACL rules, denying the rest of the VPC first', () => {
    const plan = planNaclEntries({
      connectsTo: [{ cidrs: ['10.0.1.0/24'], ports: [{ from: 3128, to: 3128 }] }],
      acceptsFrom: [],
      outsideVpc: [{ from: 443, to: 443 }],
      vpcCidr: '10.0.0.0/16',
    });
    expect(plan.egress.map((e) => [e.ruleNumber, e.action, e.cidr, e.ports])).toEqual([
      [100, 'allow', '10.0.1.0/24', { from: 3128, to: 3128 }],
      [110, 'deny', '10.0.0.0/16', undefined],
      [120, 'allow', '0.0.0.0/0', { from: 443, to: 443 }],
    ]);
    expect(plan.ingress.map((e) => [e.action, e.cidr, e.ports])).toEqual([
      ['allow', '10.0.1.0/24', { from: 32768, to: 65535 }],
      ['deny', '10.0.0.0/16', undefined],
      ['allow', '0.0.0.0/0', { from: 32768, to: 65535 }],
    ]);
    // Control Tower's CT.EC2.PR.5: nothing from anywhere may reach SSH or RDP.
    for (const e of plan.ingress.filter((x) => x.cidr === '0.0.0.0/0' && x.action === 'allow')) {
      for (const port of [22, 3389]) {
        expect(e.ports !== undefined && (e.ports.from > port || e.ports.to < port)).toBe(true);
      }
    }
  });
});

describe('subnets and routes (C17)', () => {
  const subnet = (b: Built, s: IConstruct) => resources(b.template)[b.id(s)];

  it('spreads every tier over two Availability Zones', () => {
    const { network } = main;
    for (const subnets of [network.agentSubnets, network.proxySubnets, network.endpointSubnets]) {
      expect(subnets).toHaveLength(2);
    }
    expect(resourcesOfType(main.template, 'AWS::EC2::NatGateway')).toHaveLength(2);
  });

  it('gives agent subnets no route out: only the S3 gateway endpoint is attached', () => {
    const { network, template, id } = main;
    const agentTables = network.agentSubnets.map((s) =>
      logicalId(main.stack, s.node.findChild('RouteTable')),
    );
    const routes = resourcesOfType(template, 'AWS::EC2::Route').filter(([, r]) =>
      agentTables.includes(refOf(props(r).RouteTableId) ?? ''),
    );
    // No route at all on an agent table, so none to a gateway, peering, instance or endpoint.
    expect(routes).toEqual([]);
    const s3 = props(resources(template)[id(network.s3Endpoint)]);
    expect((s3.RouteTableIds as unknown[]).map(refOf).sort()).toEqual([...agentTables].sort());
    for (const type of [
      'AWS::EC2::EgressOnlyInternetGateway',
      'AWS::EC2::TransitGatewayAttachment',
      'AWS::EC2::VPCPeeringConnection',
      'AWS::EC2::VPCCidrBlock',
    ]) {
      expect(resourcesOfType(template, type)).toEqual([]);
    }
  });

  it('assigns no public IPv4 or IPv6 addresses in agent (or any) subnets', () => {
    for (const s of main.network.agentSubnets) {
      expect(props(subnet(main, s)).MapPublicIpOnLaunch).toBe(false);
      expect(props(subnet(main, s)).AssignIpv6AddressOnCreation).toBeUndefined();
      expect(props(subnet(main, s)).Ipv6CidrBlock).toBeUndefined();
    }
    for (const [, s] of resourcesOfType(main.template, 'AWS::EC2::Subnet')) {
      expect(props(s).MapPublicIpOnLaunch).toBe(false);
    }
  });

  it('routes proxy subnets through a NAT gateway and nothing else', () => {
    const tables = main.network.proxySubnets.map((s) =>
      logicalId(main.stack, s.node.findChild('RouteTable')),
    );
    const routes = resourcesOfType(main.template, 'AWS::EC2::Route').filter(([, r]) =>
      tables.includes(refOf(props(r).RouteTableId) ?? ''),
    );
    expect(routes).toHaveLength(2);
    for (const [, route] of routes) {
      expect(props(route).DestinationCidrBlock).toBe('0.0.0.0/0');
      expect(props(route).NatGatewayId).toBeDefined();
      expect(props(route).GatewayId).toBeUndefined();
    }
  });

  it('tags every subnet and security group with its tier', () => {
    const { network } = main;
    const expectTier = (constructs: readonly IConstruct[], tier: string) => {
      for (const c of constructs) expect(tagValue(subnet(main, c), TIER_TAG_KEY)).toBe(tier);
    };
    expectTier(network.agentSubnets, 'agent');
    expectTier(network.proxySubnets, 'proxy');
    expectTier(network.endpointSubnets, 'endpoint');
    expectTier(network.publicSubnets, 'public');
    expectTier([network.agentSecurityGroup], 'agent');
    expectTier([network.loadBalancerSecurityGroup, network.proxySecurityGroup], 'proxy');
    expectTier([network.endpointSecurityGroup as SecurityGroup], 'endpoint');
    expectTier(
      network.secretsEndpointSecurityGroup ? [network.secretsEndpointSecurityGroup] : [],
      'endpoint',
    );
  });
});

describe('security groups (C18)', () => {
  const rules = (b: Built, group: SecurityGroup | undefined) =>
    securityGroupRules(b.template, b.id(group), b.sgNames);
  /** CDK's placeholder egress rule, which matches no traffic: a group with it sends nothing. */
  const NO_EGRESS = 'icmp 252-86 -> 255.255.255.255/32';

  it('lets agents reach only the load balancer on the proxy ports, the endpoints and S3', () => {
    const agent = rules(main, main.network.agentSecurityGroup);
    expect(agent.ingress).toEqual([]);
    expect(agent.egress).toEqual([
      NO_EGRESS,
      'tcp 3128 -> sg:LoadBalancer',
      'tcp 443 -> pl',
      'tcp 443 -> sg:Endpoint',
      'tcp 8081 -> sg:LoadBalancer',
    ]);
    // The S3 rule targets the S3 managed prefix list looked up at deploy time.
    const s3Rule = resourcesOfType(main.template, 'AWS::EC2::SecurityGroupEgress')
      .map(([, r]) => props(r))
      .find(
        (p) =>
          refOf(p.GroupId) === main.id(main.network.agentSecurityGroup) &&
          p.DestinationPrefixListId,
      );
    expect(refOf(s3Rule?.DestinationPrefixListId)).toBe(
      main.id(main.network.s3PrefixListLookup?.resource),
    );
  });

  it('never lets a group fall back to EC2 default allow-all egress', () => {
    // A group created without inline egress gets "all traffic to 0.0.0.0/0" until its first
    // separate rule exists; each group keeps the rule that matches no traffic inline instead.
    for (const [, sg] of resourcesOfType(main.template, 'AWS::EC2::SecurityGroup')) {
      expect((props(sg).SecurityGroupEgress as unknown[] | undefined)?.length).toBeGreaterThan(0);
    }
    const agent = props(resources(main.template)[main.id(main.network.agentSecurityGroup)]);
    expect(agent.SecurityGroupEgress).toEqual([
      {
        CidrIp: '255.255.255.255/32',
        Description: 'Disallow all traffic',
        FromPort: 252,
        IpProtocol: 'icmp',
        ToPort: 86,
      },
    ]);
    expect(agent.SecurityGroupIngress).toBeUndefined();
  });

  it('has no allow-all rule and describes every rule', () => {
    for (const [, r] of [
      ...resourcesOfType(main.template, 'AWS::EC2::SecurityGroupIngress'),
      ...resourcesOfType(main.template, 'AWS::EC2::SecurityGroupEgress'),
    ]) {
      expect(props(r).IpProtocol).not.toBe('-1');
      expect(String(props(r).Description ?? '')).not.toBe('');
    }
    for (const [, sg] of resourcesOfType(main.template, 'AWS::EC2::SecurityGroup')) {
      for (const rule of [
        ...((props(sg).SecurityGroupEgress ?? []) as Record<string, unknown>[]),
        ...((props(sg).SecurityGroupIngress ?? []) as Record<string, unknown>[]),
      ]) {
        expect(rule.IpProtocol).not.toBe('-1');
      }
    }
  });

  it('lets the load balancer take agent traffic and pass it to proxy tasks with health checks', () => {
    expect(rules(main, main.network.loadBalancerSecurityGroup)).toEqual({
      ingress: ['tcp 3128 <- sg:Agent', 'tcp 8081 <- sg:Agent'],
      egress: [NO_EGRESS, 'tcp 3128 -> sg:Proxy', 'tcp 8081 -> sg:Proxy', 'tcp 8099 -> sg:Proxy'],
    });
  });

  it('lets proxy tasks take only load-balancer traffic and reach only the policy ports', () => {
    expect(rules(main, main.network.proxySecurityGroup)).toEqual({
      ingress: [
        'tcp 3128 <- sg:LoadBalancer',
        'tcp 8081 <- sg:LoadBalancer',
        'tcp 8099 <- sg:LoadBalancer',
      ],
      egress: [
        // Public upstreams: everywhere outside the internal networks, never into the VPC.
        ...nonInternalIpv4Cidrs().map((cidr) => `tcp 443 -> ${cidr}`),
        'tcp 443 -> pl',
        'tcp 443 -> sg:Endpoint',
        'tcp 443 -> sg:SecretsEndpoint',
      ].sort(),
    });
    const egress = rules(main, main.network.proxySecurityGroup).egress;
    expect(
      egress.filter((r) => /-> (10\.|172\.(1[6-9]|2\d|3[01])\.|192\.168\.|0\.0\.0\.0\/0)/.test(r)),
    ).toEqual([]);
  });

  it('opens an extra upstream port on the proxy when the policy gains one', () => {
    const proxy = rules(variant, variant.network.proxySecurityGroup);
    // 443 and 8443 towards 38 blocks each would not fit one security group: one span does,
    // with a warning (Envoy still allows only the listed ports).
    expect(proxy.egress.filter((r) => r.includes('-> 8.0.0.0/7'))).toEqual([
      'tcp 443-8443 -> 8.0.0.0/7',
    ]);
    expect(
      Annotations.fromStack(variant.stack).findWarning(
        '*',
        Match.stringLikeRegexp('opens every port from 443 to 8443'),
      ),
    ).toHaveLength(1);
    // The internal entry's own range, on its own port only.
    expect(proxy.egress.filter((r) => r.includes('10.'))).toEqual(['tcp 8080 -> 10.20.0.0/16']);
    // No injected credentials: no Secrets Manager endpoint and no path to one.
    expect(variant.network.secretsManagerEndpoint).toBeUndefined();
    expect(proxy.egress.some((r) => r.includes('SecretsEndpoint'))).toBe(false);
    // The agent side follows the proxy's listeners: no credential injection, no 8081.
    expect(rules(variant, variant.network.agentSecurityGroup).egress).toEqual([
      NO_EGRESS,
      'tcp 3128 -> sg:LoadBalancer',
      'tcp 443 -> pl',
      'tcp 443 -> sg:Endpoint',
    ]);
  });

  it('admits only agents and proxy tasks to the endpoints, and only the proxy to Secrets Manager', () => {
    expect(rules(main, main.network.endpointSecurityGroup)).toEqual({
      ingress: ['tcp 443 <- sg:Agent', 'tcp 443 <- sg:Proxy'],
      egress: [NO_EGRESS],
    });
    expect(rules(main, main.network.secretsEndpointSecurityGroup)).toEqual({
      ingress: ['tcp 443 <- sg:Proxy'],
      egress: [NO_EGRESS],
    });
  });

  it('fails synthesis when something else widens the agent security group', () => {
    const stack = new Stack(new App(), 'Widened');
    const network = new AgentNetwork(stack, 'Network', {
      policy,
      s3PrefixListId: 'pl-63a5400a',
    });
    expect(network.node.validate()).toEqual([]);
    network.agentSecurityGroup.addEgressRule(Peer.anyIpv4(), Port.tcp(22), 'ssh out');
    const [error] = network.node.validate();
    expect(error).toMatch(/agent security group .* gained rules AgentNetwork did not create/);
    expect(error).toContain('C18');
  });
});

describe('network ACLs (C4)', () => {
  const vpcCidr = AgentNetwork.DEFAULT_CIDR;
  const firstIp = (cidr: string) => cidr.replace(/\.\d+\/\d+$/, '.10');

  it('protects exactly the agent subnets, and the endpoint subnets with their own ACL', () => {
    const associations = resourcesOfType(main.template, 'AWS::EC2::SubnetNetworkAclAssociation');
    const subnetsOf = (acl: IConstruct | undefined) =>
      associations
        .filter(([, r]) => refOf(props(r).NetworkAclId) === main.id(acl))
        .map(([, r]) => refOf(props(r).SubnetId))
        .sort();
    expect(subnetsOf(main.network.agentNetworkAcl)).toEqual(
      main.network.agentSubnets.map((s) => main.id(s)).sort(),
    );
    expect(subnetsOf(main.network.endpointNetworkAcl)).toEqual(
      main.network.endpointSubnets.map((s) => main.id(s)).sort(),
    );
    // Proxy and public subnets keep the VPC's default ACL.
    const protectedSubnets = associations.map(([, r]) => refOf(props(r).SubnetId));
    for (const s of [...main.network.proxySubnets, ...main.network.publicSubnets]) {
      expect(protectedSubnets).not.toContain(main.id(s));
    }
  });

  it('lets agent subnets send only to the proxy ports, the endpoints and S3 on 443', () => {
    const acl = main.id(main.network.agentNetworkAcl);
    const out = (ip: string, port: number, protocol: 'tcp' | 'udp' = 'tcp') =>
      naclVerdict(main.template, acl, { egress: true, ip, port, protocol }, vpcCidr);
    const { proxySubnets, endpointSubnets, agentSubnets, publicSubnets } = main.network;
    for (const s of proxySubnets) {
      expect(out(firstIp(s.ipv4CidrBlock), 3128)).toBe('allow');
      expect(out(firstIp(s.ipv4CidrBlock), 8081)).toBe('allow');
      expect(out(firstIp(s.ipv4CidrBlock), 8099)).toBe('deny'); // health port: not for agents
      expect(out(firstIp(s.ipv4CidrBlock), 22)).toBe('deny');
      expect(out(firstIp(s.ipv4CidrBlock), 443)).toBe('deny');
    }
    for (const s of endpointSubnets) {
      expect(out(firstIp(s.ipv4CidrBlock), 443)).toBe('allow');
      expect(out(firstIp(s.ipv4CidrBlock), 80)).toBe('deny');
    }
    for (const s of [...agentSubnets, ...publicSubnets]) {
      expect(out(firstIp(s.ipv4CidrBlock), 443)).toBe('deny');
      expect(out(firstIp(s.ipv4CidrBlock), 3128)).toBe('deny');
    }
    // Outside the VPC only 443 passes, and only S3's prefix is routed there.
    expect(out('52.216.0.10', 443)).toBe('allow');
    expect(out('52.216.0.10', 80)).toBe('deny');
    expect(out('8.8.8.8', 53, 'udp')).toBe('deny');
    expect(out('1.1.1.1', 443, 'udp')).toBe('deny'); // QUIC
  });

  it('admits into agent subnets only return traffic from the proxy and endpoint subnets', () => {
    const acl = main.id(main.network.agentNetworkAcl);
    const into = (ip: string, port: number) =>
      naclVerdict(main.template, acl, { egress: false, ip, port, protocol: 'tcp' }, vpcCidr);
    const { proxySubnets, endpointSubnets, agentSubnets, publicSubnets } = main.network;
    for (const s of [...proxySubnets, ...endpointSubnets]) {
      expect(into(firstIp(s.ipv4CidrBlock), 40000)).toBe('allow');
      expect(into(firstIp(s.ipv4CidrBlock), 22)).toBe('deny');
    }
    for (const s of [...agentSubnets, ...publicSubnets]) {
      expect(into(firstIp(s.ipv4CidrBlock), 40000)).toBe('deny');
    }
    expect(into('52.216.0.10', 40000)).toBe('allow'); // S3 answers
  });

  it('lets endpoint subnets take 443 from agents and proxy only, and answer only them', () => {
    const acl = main.id(main.network.endpointNetworkAcl);
    const verdict = (egress: boolean, ip: string, port: number) =>
      naclVerdict(main.template, acl, { egress, ip, port, protocol: 'tcp' }, vpcCidr);
    const { proxySubnets, agentSubnets, publicSubnets } = main.network;
    for (const s of [...agentSubnets, ...proxySubnets]) {
      expect(verdict(false, firstIp(s.ipv4CidrBlock), 443)).toBe('allow');
      expect(verdict(false, firstIp(s.ipv4CidrBlock), 80)).toBe('deny');
      expect(verdict(true, firstIp(s.ipv4CidrBlock), 40000)).toBe('allow');
    }
    for (const s of publicSubnets)
      expect(verdict(false, firstIp(s.ipv4CidrBlock), 443)).toBe('deny');
    expect(verdict(true, '8.8.8.8', 443)).toBe('deny');
  });
});

describe('DNS firewall', () => {
  const firewall = (b: Built) => resources(b.template)[b.id(b.network.dnsFirewall)];
  const domainsOf = (b: Built, list: IConstruct) =>
    (props(resources(b.template)[b.id(list)]).Domains as unknown[]).map(renderString);

  it('allows exactly the policy hosts and the AWS service names of this region', () => {
    expect(domainsOf(main, main.network.dnsFirewall.allowList)).toEqual(
      dnsAllowlist(policy, '<AWS::Region>', '<AWS::URLSuffix>'),
    );
    expect(domainsOf(variant, variant.network.dnsFirewall.allowList)).toContain('api.example.org');
    expect(domainsOf(main, main.network.dnsFirewall.allowList)).not.toContain('api.example.org');
  });

  it('allows before it blocks everything else with NXDOMAIN, trusting CNAME chains', () => {
    const rules = props(firewall(main)).FirewallRules as Record<string, unknown>[];
    const allow = rules.find((r) => r.Action === 'ALLOW');
    const block = rules.find((r) => r.Action === 'BLOCK');
    expect(rules).toHaveLength(2);
    expect(allow?.Priority).toBe(DNS_ALLOW_PRIORITY);
    expect(Number(allow?.Priority)).toBeLessThan(Number(block?.Priority));
    expect(block?.Priority).toBe(DNS_BLOCK_PRIORITY);
    expect(allow?.FirewallDomainRedirectionAction).toBe('TRUST_REDIRECTION_DOMAIN');
    expect(refOf(allow?.FirewallDomainListId)).toBe(main.id(main.network.dnsFirewall.allowList));
    expect(block?.BlockResponse).toBe('NXDOMAIN');
    expect(refOf(block?.FirewallDomainListId)).toBe(main.id(main.network.dnsFirewall.blockList));
    expect(domainsOf(main, main.network.dnsFirewall.blockList)).toEqual(['*']);
  });

  it('is associated with the VPC under mutation protection and fails closed', () => {
    const vpcId = main.id(main.network.vpc);
    const association = props(
      resources(main.template)[main.id(main.network.dnsFirewall.association)],
    );
    expect(association.MutationProtection).toBe('ENABLED');
    expect(refOf(association.VpcId)).toBe(vpcId);
    expect(refOf(association.FirewallRuleGroupId)).toBe(main.id(main.network.dnsFirewall));
    // Fail-closed is the service default; AWS::Route53Resolver::FirewallConfig is not a type
    // CloudFormation can provision (docs/adr/0011-provisionable-types.md), so none is written.
    expect(resourcesOfType(main.template, 'AWS::Route53Resolver::FirewallConfig')).toEqual([]);
  });

  it('works on an existing VPC too', () => {
    const association = props(
      resources(existing.template)[existing.id(existing.network.dnsFirewall.association)],
    );
    expect(association.VpcId).toBe('vpc-0123456789abcdef0');
  });
});

describe('logs', () => {
  const logGroup = (b: Built, group: IConstruct) => props(resources(b.template)[b.id(group)]);

  it('lets only CloudWatch Logs use the log key for data; the account only administers it', () => {
    const key = props(resources(main.template)[main.id(main.network.logKey)]);
    const statements = (key.KeyPolicy as { Statement: Record<string, unknown>[] }).Statement;
    const actions = (st: Record<string, unknown>) => [st.Action].flat() as string[];
    const root = statements.find((st) => st.Sid === 'KeyAdministrationWithoutDataAccess');
    expect(actions(root ?? {})).not.toContain('kms:*');
    expect(actions(root ?? {})).not.toContain('kms:Decrypt');
    const dataUsers = statements
      .filter((st) => actions(st).some((a) => /^kms:(Decrypt|GenerateDataKey|Encrypt)/.test(a)))
      .map((st) => JSON.stringify(st.Principal));
    expect(dataUsers).toEqual([expect.stringContaining('logs.')]);
  });

  it('logs every DNS query to a KMS-encrypted group with the policy retention', () => {
    const all = resources(main.template);
    const group = main.id(main.network.dnsQueryLogGroup);
    expect(refOf(logGroup(main, main.network.dnsQueryLogGroup).KmsKeyId)).toBe(
      main.id(main.network.logKey),
    );
    expect(logGroup(main, main.network.dnsQueryLogGroup).RetentionInDays).toBe(365);
    const config = all[main.id(main.network.dnsQueryLogging)] as CfnResourceJson;
    expect(renderString(props(config).DestinationArn)).toBe(
      `arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:<${group}>`,
    );
    const association = props(all[main.id(main.network.dnsQueryLogging.association)]);
    expect(refOf(association.ResourceId)).toBe(main.id(main.network.vpc));
    // Resolver delivers through CloudWatch Logs' log delivery, which the group's policy admits.
    const policyId = main.id(main.network.dnsQueryLogging.resourcePolicy);
    expect(config.DependsOn).toContain(policyId);
    const document = renderString(props(all[policyId]).PolicyDocument);
    expect(document).toContain('delivery.logs.amazonaws.com');
    expect(document).toContain(`log-group:<${group}>:log-stream:*`);
    expect(document).toContain('aws:SourceAccount');
  });

  it('logs all VPC traffic, accepted and rejected, to a KMS-encrypted group', () => {
    const flowLog = props(resources(main.template)[main.id(main.network.flowLog)]);
    expect(flowLog.TrafficType).toBe('ALL');
    expect(flowLog.ResourceType).toBe('VPC');
    expect(refOf(flowLog.ResourceId)).toBe(main.id(main.network.vpc));
    expect(refOf(flowLog.LogGroupName)).toBe(main.id(main.network.flowLogGroup));
    for (const field of ['srcaddr', 'dstaddr', 'srcport', 'dstport', 'protocol', 'action']) {
      expect(flowLog.LogFormat).toContain(`\${${field}}`);
    }
    expect(refOf(logGroup(main, main.network.flowLogGroup).KmsKeyId)).toBe(
      main.id(main.network.logKey),
    );
    expect(logGroup(main, main.network.flowLogGroup).RetentionInDays).toBe(365);
    expect(logGroup(existing, existing.network.flowLogGroup).RetentionInDays).toBe(30);
  });

  it('encrypts with a rotated key that CloudWatch Logs in this region may use', () => {
    const key = props(resources(main.template)[main.id(main.network.logKey)]);
    expect(key.EnableKeyRotation).toBe(true);
    const statements = (key.KeyPolicy as { Statement: Record<string, unknown>[] }).Statement;
    const logs = statements.find((s) => s.Sid === 'CloudWatchLogsInThisRegion');
    const principal = (logs?.Principal ?? {}) as { Service?: unknown };
    expect(renderString(principal.Service)).toBe('logs.<AWS::Region>.<AWS::URLSuffix>');
    expect(JSON.stringify(key)).not.toContain('arn:aws:');
  });
});

describe('VPC endpoints', () => {
  const endpoint = (b: Built, e: IConstruct | undefined) => props(resources(b.template)[b.id(e)]);
  const statements = (b: Built, e: IConstruct | undefined) =>
    (endpoint(b, e).PolicyDocument as { Statement: Record<string, unknown>[] }).Statement;

  it('scopes the S3 gateway endpoint to reading ECR image layers', () => {
    const [statement, ...rest] = statements(main, main.network.s3Endpoint);
    expect(rest).toEqual([]);
    expect(statement?.Effect).toBe('Allow');
    expect(statement?.Action).toBe('s3:GetObject');
    expect(renderString(statement?.Resource)).toBe(
      'arn:<AWS::Partition>:s3:::prod-<AWS::Region>-starport-layer-bucket/*',
    );
    expect(endpoint(main, main.network.s3Endpoint).VpcEndpointType).toBe('Gateway');
  });

  it('puts interface endpoints with private DNS in the endpoint subnets behind their groups', () => {
    const { network } = main;
    const subnets = network.endpointSubnets.map((s) => main.id(s)).sort();
    for (const [e, group] of [
      [network.ecrApiEndpoint, network.endpointSecurityGroup],
      [network.ecrDockerEndpoint, network.endpointSecurityGroup],
      [network.logsEndpoint, network.endpointSecurityGroup],
      [network.secretsManagerEndpoint, network.secretsEndpointSecurityGroup],
    ] as const) {
      const p = endpoint(main, e);
      expect(p.PrivateDnsEnabled).toBe(true);
      expect((p.SubnetIds as unknown[]).map(refOf).sort()).toEqual(subnets);
      expect((p.SecurityGroupIds as unknown[]).map(refOf)).toEqual([main.id(group)]);
    }
  });

  it('limits interface endpoints to pulling images, writing logs and reading policy secrets', () => {
    const actions = (e: IConstruct | undefined) =>
      statements(main, e)
        .flatMap((s) => [s.Action].flat())
        .sort();
    expect(actions(main.network.ecrApiEndpoint)).toEqual([
      'ecr:BatchCheckLayerAvailability',
      'ecr:BatchGetImage',
      'ecr:BatchImportUpstreamImage',
      'ecr:GetAuthorizationToken',
      'ecr:GetDownloadUrlForLayer',
    ]);
    expect(actions(main.network.logsEndpoint)).toEqual([
      'logs:CreateLogStream',
      'logs:DescribeLogStreams',
      'logs:PutLogEvents',
    ]);
    const [secrets] = statements(main, main.network.secretsManagerEndpoint);
    expect(secrets?.Action).toBe('secretsmanager:GetSecretValue');
    expect(renderString(secrets?.Resource)).toBe(
      'arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:anthropic-api-key-??????',
    );
    for (const e of [
      main.network.ecrApiEndpoint,
      main.network.logsEndpoint,
      main.network.secretsManagerEndpoint,
    ]) {
      for (const s of statements(main, e)) {
        expect(s.Condition).toEqual({
          StringEquals: { 'aws:PrincipalAccount': { Ref: 'AWS::AccountId' } },
        });
        // Only GetAuthorizationToken, which has no resource-level permissions, names "*".
        if (s.Resource === '*') expect(s.Action).toBe('ecr:GetAuthorizationToken');
      }
    }
  });
});

describe('existing VPC', () => {
  // A new ec2.Vpc in the same stack, passed as `vpc`: without, then with, endpoint subnets.
  const SHARED_LAYOUT = [
    { name: 'Public', subnetType: SubnetType.PUBLIC, cidrMask: 24 },
    { name: 'Proxy', subnetType: SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
    { name: 'Agents', subnetType: SubnetType.PRIVATE_ISOLATED, cidrMask: 20 },
  ];
  const DEDICATED_LAYOUT = [
    ...SHARED_LAYOUT,
    { name: 'Endpoints', subnetType: SubnetType.PRIVATE_ISOLATED, cidrMask: 28 },
  ];
  const BY_NAME = {
    agentSubnets: { subnetGroupName: 'Agents' },
    proxySubnets: { subnetGroupName: 'Proxy' },
    endpointSubnets: { subnetGroupName: 'Endpoints' },
  };

  it('builds the perimeter into the given subnets without creating a VPC', () => {
    const { template, network } = existing;
    expect(resourcesOfType(template, 'AWS::EC2::VPC')).toEqual([]);
    expect(network.agentSubnets.map((s) => s.subnetId)).toEqual(['subnet-agent1', 'subnet-agent2']);
    expect(network.proxySubnets.map((s) => s.subnetId)).toEqual(['subnet-proxy1', 'subnet-proxy2']);
    // Endpoints in their own subnets, with their own ACL: the agent ACL admits nobody.
    expect(network.endpointSubnets.map((s) => s.subnetId)).toEqual([
      'subnet-endpoint1',
      'subnet-endpoint2',
    ]);
    const associations = resourcesOfType(template, 'AWS::EC2::SubnetNetworkAclAssociation').map(
      ([, r]) => props(r).SubnetId,
    );
    expect(associations.sort()).toEqual([
      'subnet-agent1',
      'subnet-agent2',
      'subnet-endpoint1',
      'subnet-endpoint2',
    ]);
    const s3 = props(resources(template)[existing.id(network.s3Endpoint)]);
    expect(s3.RouteTableIds).toEqual(['rtb-agent1', 'rtb-agent2']);
    const acl = existing.id(network.agentNetworkAcl);
    const verdict = (egress: boolean, ip: string, port: number) =>
      naclVerdict(template, acl, { egress, ip, port, protocol: 'tcp' }, '10.1.0.0/16');
    expect(verdict(true, '10.1.0.10', 3128)).toBe('allow');
    expect(verdict(true, '10.1.32.20', 443)).toBe('allow'); // an endpoint
    expect(verdict(true, '10.1.16.10', 443)).toBe('deny'); // the other agent subnet
    expect(verdict(false, '10.1.0.10', 443)).toBe('deny'); // nothing connects to agents
    expect(verdict(true, '10.1.0.10', 40000)).toBe('deny'); // no reply rule towards the proxy
    expect(verdict(true, '10.1.0.10', 22)).toBe('deny');
  });

  it('refuses endpoints among the agents (no endpointSubnets), naming the fix', () => {
    const tiers = {
      agentSubnets: { subnetType: SubnetType.PRIVATE_ISOLATED },
      proxySubnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS },
    };
    expect(inEc2Vpc(tiers, SHARED_LAYOUT)).toThrow(
      /without endpointSubnets; the interface endpoints cannot share the agent subnets.*Fix: pass endpointSubnets selecting dedicated isolated subnets/,
    );
    expect(
      inEc2Vpc(
        { ...tiers, endpointSubnets: { subnetType: SubnetType.PRIVATE_ISOLATED } },
        SHARED_LAYOUT,
      ),
    ).toThrow(
      /endpoint subnets must share no subnet with agents or proxy.*Fix: pass endpointSubnets/,
    );
  });

  it('refuses a VPC-wide DNS firewall in an existing VPC unless accepted, saying why', () => {
    const stack = new Stack(new App(), 'Shared');
    const vpc = new Vpc(stack, 'Vpc', { maxAzs: 2, subnetConfiguration: DEDICATED_LAYOUT });
    expect(() => new AgentNetwork(stack, 'Network', { policy, vpc, ...BY_NAME })).toThrow(
      /the DNS firewall would apply to the whole of the existing VPC Shared\/Vpc.*Fix: leave vpc out .* or set acceptVpcWideDnsFirewall: true/,
    );
    new AgentNetwork(stack, 'First', { policy, vpc, ...BY_NAME, acceptVpcWideDnsFirewall: true });
    // A second perimeter in the same VPC would collide at deploy time.
    expect(
      () =>
        new AgentNetwork(stack, 'Second', {
          policy,
          vpc,
          ...BY_NAME,
          acceptVpcWideDnsFirewall: true,
        }),
    ).toThrow(/VPC Shared\/Vpc already holds the perimeter Shared\/First; two perimeters/);
  });

  it('refuses a second perimeter in an imported VPC of the same id, from another stack', () => {
    const app = new App();
    const build = (name: string) => {
      const stack = new Stack(app, name);
      return new AgentNetwork(stack, 'Network', { policy, ...inLandingZoneVpc(stack) });
    };
    build('One');
    expect(() => build('Two')).toThrow(
      /VPC vpc-0123456789abcdef0 already holds the perimeter One\/Network/,
    );
  });

  it('proves a new ec2.Vpc with dedicated endpoint subnets contained', () => {
    const app = new App();
    const stack = new Stack(app, 'OwnVpc');
    const vpc = new Vpc(stack, 'Vpc', { maxAzs: 2, subnetConfiguration: DEDICATED_LAYOUT });
    new AgentNetwork(stack, 'Network', { policy, vpc, ...BY_NAME, acceptVpcWideDnsFirewall: true });
    const report = verifyTemplate(Template.fromStack(stack).toJSON(), 'OwnVpc', {
      proxyPorts: [...proxyPorts(policy).agentFacing],
    });
    expect(report.violations.map((v) => `${v.channel}: ${v.explanation}`)).toEqual([]);
  });

  it('refuses an existing VPC without subnet selections, naming the fix', () => {
    expect(inEc2Vpc({})).toThrow(
      /existing VPC .* without agentSubnets and proxySubnets\. Fix: pass agentSubnets/,
    );
  });

  it('refuses agent subnets that have a route out', () => {
    expect(
      inEc2Vpc({
        agentSubnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS },
        proxySubnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS },
      }),
    ).toThrow(/agent subnets must be isolated .* Fix: select isolated subnets/);
  });
});

describe('input checks', () => {
  const attempt =
    (props: Partial<ConstructorParameters<typeof AgentNetwork>[2]>, p: Policy = policy) =>
    () =>
      new AgentNetwork(new Stack(new App(), 'Check'), 'Network', { policy: p, ...props });

  it('refuses fewer than two Availability Zones', () => {
    expect(attempt({ maxAzs: 1 })).toThrow(
      /maxAzs is 1, but the perimeter needs at least 2 Availability Zones.*Fix: set maxAzs to 2 or more/,
    );
  });

  it('refuses a VPC range too small for the subnets', () => {
    expect(attempt({ cidr: '10.0.0.0/20' })).toThrow(/cidr "10.0.0.0\/20" is too small/);
  });

  it('refuses bad extra DNS names and prefix list ids', () => {
    expect(attempt({ extraDnsDomains: ['*'] })).toThrow(/extraDnsDomains entry "\*"/);
    expect(attempt({ s3PrefixListId: 'sg-123' })).toThrow(
      /s3PrefixListId "sg-123" is not a prefix list id/,
    );
  });

  it('refuses new-VPC options next to an existing VPC', () => {
    expect(
      inEc2Vpc({
        maxAzs: 3,
        agentSubnets: { subnetType: SubnetType.PRIVATE_ISOLATED },
        proxySubnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS },
      }),
    ).toThrow(/maxAzs only apply to a new VPC/);
  });
});

describe('compliance packs', () => {
  it.each(packRows())('%s reports zero unacknowledged findings', (_name, pack) => {
    expect(packFindings(pack, main.stack)).toEqual([]);
  });
});

describe('existing VPC with existing interface endpoints', () => {
  const ECR_GROUP = 'sg-0aaaaaaaaaaaaaaa1';
  const SECRETS_GROUP = 'sg-0bbbbbbbbbbbbbbb2';
  const SHARED_CIDR = '10.1.48.0/28';
  const shared = (extra: Partial<ExistingEndpoints> = {}): ExistingEndpoints => ({
    ecrApi: { endpointId: 'vpce-0123456789abcdef1', securityGroupId: ECR_GROUP },
    ecrDocker: { endpointId: 'vpce-0123456789abcdef2', securityGroupId: ECR_GROUP },
    logs: { endpointId: 'vpce-0123456789abcdef3', securityGroupId: ECR_GROUP },
    secretsManager: { endpointId: 'vpce-0123456789abcdef4', securityGroupId: SECRETS_GROUP },
    subnetCidrs: [SHARED_CIDR],
    ...extra,
  });
  const build = (
    existingEndpoints: ExistingEndpoints | undefined,
    withVpc = true,
    usePolicy: Policy = policy,
    region = 'eu-west-1',
  ) => {
    const stack = new Stack(new App(), 'SharedEndpoints', { env: { region } });
    const network = new AgentNetwork(stack, 'Network', {
      policy: usePolicy,
      ...(withVpc ? inLandingZoneVpc(stack) : {}),
      ...(existingEndpoints === undefined ? {} : { existingEndpoints }),
    });
    return built(stack, network);
  };
  /** Separate rules on a literal group id: `egress <from logical id> -> sg` / `ingress ...`. */
  const literalGroupRules = (b: Built, group: string) => [
    ...resourcesOfType(b.template, 'AWS::EC2::SecurityGroupEgress')
      .map(([, r]) => props(r))
      .filter((p) => p.DestinationSecurityGroupId === group)
      .map((p) => `egress ${b.sgNames[refOf(p.GroupId) ?? ''] ?? refOf(p.GroupId)} ${p.FromPort}`),
    ...resourcesOfType(b.template, 'AWS::EC2::SecurityGroupIngress')
      .map(([, r]) => props(r))
      .filter((p) => p.GroupId === group)
      .map(
        (p) =>
          `ingress ${b.sgNames[refOf(p.SourceSecurityGroupId) ?? ''] ?? refOf(p.SourceSecurityGroupId)} ${p.FromPort}`,
      ),
  ];
  const interfaceEndpoints = (b: Built) =>
    resourcesOfType(b.template, 'AWS::EC2::VPCEndpoint').filter(
      ([, r]) => props(r).VpcEndpointType === 'Interface',
    );

  let reused: Built;
  beforeAll(() => {
    reused = build(shared());
  });

  it('creates no endpoint for a service given by id, and uses the given ids', () => {
    expect(interfaceEndpoints(reused)).toEqual([]);
    const { network, template } = reused;
    expect(network.ecrApiEndpoint.vpcEndpointId).toBe('vpce-0123456789abcdef1');
    expect(network.secretsManagerEndpoint?.vpcEndpointId).toBe('vpce-0123456789abcdef4');
    // Nothing of the perimeter's own endpoint groups is left; the S3 gateway stays its own.
    expect(network.endpointSecurityGroup).toBeUndefined();
    expect(network.secretsEndpointSecurityGroup).toBeUndefined();
    const gateway = resourcesOfType(template, 'AWS::EC2::VPCEndpoint');
    expect(gateway.map(([, r]) => props(r).RouteTableIds)).toEqual([['rtb-agent1', 'rtb-agent2']]);
    expect(network.existingEndpoints.map((e) => e.service)).toEqual([
      'ecrApi',
      'ecrDocker',
      'logs',
      'secretsManager',
    ]);
  });

  it('lets agents and proxy reach the agent-facing group, only the proxy the Secrets Manager one', () => {
    expect(literalGroupRules(reused, ECR_GROUP).sort()).toEqual([
      'egress Agent 443',
      'egress Proxy 443',
      'ingress Agent 443',
      'ingress Proxy 443',
    ]);
    expect(literalGroupRules(reused, SECRETS_GROUP).sort()).toEqual([
      'egress Proxy 443',
      'ingress Proxy 443',
    ]);
    const acl = reused.id(reused.network.agentNetworkAcl);
    const verdict = (ip: string, port: number) =>
      naclVerdict(reused.template, acl, { egress: true, ip, port, protocol: 'tcp' }, '10.1.0.0/16');
    expect(verdict('10.1.48.5', 443)).toBe('allow'); // the existing endpoints' subnet
    expect(verdict('10.1.48.5', 80)).toBe('deny');
    expect(verdict('10.1.49.5', 443)).toBe('deny'); // the rest of the VPC
  });

  it('adds no ingress rules to the existing groups with addIngressRules: false', () => {
    const b = build(shared({ addIngressRules: false }));
    expect(literalGroupRules(b, ECR_GROUP).sort()).toEqual([
      'egress Agent 443',
      'egress Proxy 443',
    ]);
  });

  it('still creates the endpoints not given, in the perimeter groups', () => {
    const b = build({
      logs: { endpointId: 'vpce-0123456789abcdef3', securityGroupId: ECR_GROUP },
      subnetCidrs: [SHARED_CIDR],
    });
    const services = interfaceEndpoints(b).map(([, r]) => JSON.stringify(props(r).ServiceName));
    expect(services).toHaveLength(3);
    expect(services.some((s) => s.includes('.logs'))).toBe(false);
    expect(b.network.endpointSecurityGroup).toBeDefined();
    expect(b.network.logsEndpoint.vpcEndpointId).toBe('vpce-0123456789abcdef3');
  });

  it('proves the rest contained and reports the existing groups as cannot-prove until trusted', () => {
    const proxyPortsOf = [...proxyPorts(policy).agentFacing];
    const json = reused.template.toJSON();
    const report = verifyTemplate(json, 'SharedEndpoints', { proxyPorts: proxyPortsOf });
    const lines = report.violations.map((v) => `${v.channel} ${v.resource}: ${v.explanation}`);
    expect(lines.length).toBeGreaterThan(0);
    for (const v of report.violations) {
      expect(v.channel).toBe('cannot-prove');
      expect(v.explanation).toContain(ECR_GROUP);
      expect(v.explanation).toMatch(/--trust-import sg-0aaaaaaaaaaaaaaa1/);
    }
    // The proxy-only group is the proxy's business: agents have no rule towards it.
    expect(lines.join('\n')).not.toContain(SECRETS_GROUP);
    const trusted = verifyTemplate(json, 'SharedEndpoints', {
      proxyPorts: proxyPortsOf,
      trustedImports: [ECR_GROUP],
    });
    expect(trusted.violations.map((v) => `${v.channel}: ${v.explanation}`)).toEqual([]);
  });

  it('still proves the existing-VPC layout without existing endpoints contained', () => {
    const report = verifyTemplate(existing.template.toJSON(), 'Existing', {
      proxyPorts: [...proxyPorts(policy).agentFacing],
    });
    expect(report.violations.map((v) => `${v.channel}: ${v.explanation}`)).toEqual([]);
  });

  it.each([
    [
      'a malformed endpoint id',
      shared({ ecrApi: { endpointId: 'vpce-XYZ', securityGroupId: ECR_GROUP } }),
      /existingEndpoints\.ecrApi\.endpointId is "vpce-XYZ", which is not an endpoint id .*Fix:/,
    ],
    [
      'a subnet id where the group id belongs',
      shared({ logs: { endpointId: 'vpce-0123456789abcdef3', securityGroupId: 'subnet-1' } }),
      /existingEndpoints\.logs\.securityGroupId is "subnet-1", which is not a security group id/,
    ],
    [
      'one endpoint for two services',
      shared({ ecrDocker: { endpointId: 'vpce-0123456789abcdef1', securityGroupId: ECR_GROUP } }),
      /existingEndpoints\.ecrDocker\.endpointId is "vpce-0123456789abcdef1", the endpoint already given for existingEndpoints\.ecrApi/,
    ],
    [
      'Secrets Manager in the group agents reach',
      shared({
        secretsManager: { endpointId: 'vpce-0123456789abcdef4', securityGroupId: ECR_GROUP },
      }),
      /existingEndpoints\.secretsManager\.securityGroupId is "sg-0aaaaaaaaaaaaaaa1", the group of existingEndpoints\.ecrApi too; agents .* would reach Secrets Manager.*Fix: give that endpoint a security group of its own/,
    ],
    [
      'subnet CIDRs among the agents',
      shared({ subnetCidrs: ['10.1.8.0/24'] }),
      /existingEndpoints\.subnetCidrs\[0\] is "10\.1\.8\.0\/24", which overlaps the agent subnet subnet-agent1/,
    ],
    [
      'a subnet CIDR that is not one',
      shared({ subnetCidrs: ['10.1.48.0'] }),
      /existingEndpoints\.subnetCidrs\[0\] is "10\.1\.48\.0", which is not an IPv4 CIDR/,
    ],
    [
      'no subnet CIDRs',
      shared({ subnetCidrs: [] }),
      /existingEndpoints\.subnetCidrs is empty.*Fix: list the IPv4 CIDRs/,
    ],
  ] as const)('refuses %s, naming the field, the value and the fix', (_name, given, message) => {
    expect(() => build(given)).toThrow(message);
  });

  it('uses an existing bedrock-runtime endpoint from the proxy only', () => {
    const BEDROCK_GROUP = 'sg-0ccccccccccccccc3';
    const b = build(
      {
        bedrockRuntime: { endpointId: 'vpce-0123456789abcdef5', securityGroupId: BEDROCK_GROUP },
        subnetCidrs: [SHARED_CIDR],
      },
      true,
      loadPolicy('examples/bedrock.yaml'),
      'us-east-1',
    );
    expect(b.network.bedrockRuntimeEndpoint?.vpcEndpointId).toBe('vpce-0123456789abcdef5');
    expect(b.network.bedrockEndpointSecurityGroup).toBeUndefined();
    const services = interfaceEndpoints(b).map(([, r]) => JSON.stringify(props(r).ServiceName));
    expect(services.some((s) => s.includes('bedrock'))).toBe(false);
    expect(literalGroupRules(b, BEDROCK_GROUP).sort()).toEqual([
      'egress Proxy 443',
      'ingress Proxy 443',
    ]);
    expect(() => build(shared({ bedrockRuntime: shared().logs }), true)).toThrow(
      /existingEndpoints\.bedrockRuntime is given, but the perimeter uses no bedrock-runtime endpoint with this policy \(model_access is not bedrock\)/,
    );
  });

  it('refuses a Secrets Manager endpoint the policy does not use', () => {
    expect(() => build(shared(), true, variantPolicy)).toThrow(
      /existingEndpoints\.secretsManager is given, but the perimeter uses no Secrets Manager endpoint with this policy.*Fix: remove existingEndpoints\.secretsManager/,
    );
  });

  it('refuses existing endpoints with a new VPC', () => {
    expect(() => build(shared(), false)).toThrow(
      /AgentNetwork at SharedEndpoints\/Network: existingEndpoints is given without vpc.*Fix: remove existingEndpoints, or pass the existing vpc/,
    );
  });
});

describe('existing endpoints through AgentPerimeter and addAgentPerimeterChecks', () => {
  const synthWith = (trusted: readonly string[] | undefined) => {
    const app = new App({
      outdir: mkdtempSync(join(tmpdir(), 'agent-perimeter-shared-endpoints-')),
      context: trusted === undefined ? {} : { 'agent-perimeter:trustedImports': trusted },
    });
    // All the packs a library user gets: cdk-nag's, the project's and the containment proof.
    const checks = addAgentPerimeterChecks(app).containment;
    const stack = new Stack(app, 'LandingZoneVpc', { env: { region: 'eu-west-1' } });
    const group = 'sg-0aaaaaaaaaaaaaaa1';
    const perimeter = new AgentPerimeter(stack, 'Perimeter', {
      policy,
      network: {
        ...inLandingZoneVpc(stack),
        existingEndpoints: {
          ecrApi: { endpointId: 'vpce-0123456789abcdef1', securityGroupId: group },
          ecrDocker: { endpointId: 'vpce-0123456789abcdef2', securityGroupId: group },
          logs: { endpointId: 'vpce-0123456789abcdef3', securityGroupId: group },
          subnetCidrs: ['10.1.48.0/28'],
        },
      },
      probe: false,
    });
    let error: unknown;
    try {
      app.synth();
    } catch (e) {
      error = e;
    }
    return { perimeter, checks, error };
  };

  it('fails synth with cannot-prove until the endpoints group is trusted, then passes', () => {
    const untrusted = synthWith(undefined);
    expect(String(untrusted.error)).toMatch(
      /ValidationFailed[\s\S]*AgentPerimeterContainment-cannot-prove/,
    );
    const report = untrusted.checks.lastReport();
    const found = report.templates.flatMap((t) => t.violations);
    expect(found.length).toBeGreaterThan(0);
    expect(new Set(found.map((v) => v.channel))).toEqual(new Set(['cannot-prove']));
    expect(found.every((v) => /--trust-import sg-0aaaaaaaaaaaaaaa1/.test(v.explanation))).toBe(
      true,
    );
    const trusted = synthWith(['sg-0aaaaaaaaaaaaaaa1']);
    expect(trusted.error).toBeUndefined();
    expect(trusted.checks.lastReport().templates.flatMap((t) => t.violations)).toEqual([]);
    expect(trusted.perimeter.network.ecrDockerEndpoint.vpcEndpointId).toBe(
      'vpce-0123456789abcdef2',
    );
  });
});
