import { Lazy, Stack, Tags } from 'aws-cdk-lib';
import {
  type CfnSecurityGroup,
  type IPeer,
  type ISecurityGroup,
  type IVpc,
  Peer,
  Port,
  SecurityGroup,
} from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
import { PROFILE_TAG } from '../../lib/contract/tiers.js';
import { formatRange, type PortRange, portRanges } from '../../lib/policy/index.js';
import { ENDPOINT_SERVICE_NAMES, type SharedEndpoint } from './existing-endpoints.js';
import type { ProxyEgressRule } from './proxy-egress.js';
import { Tier, tagTier } from './tags.js';

/** Security groups hold 60 rules per direction unless the quota is raised. */
export const SG_RULES_PER_DIRECTION = 60;

export interface PerimeterSecurityGroupsInput {
  readonly vpc: IVpc;
  /** Ports of the proxy listeners agents use (on the load balancer and on the tasks). */
  readonly proxyPorts: readonly number[];
  /**
   * Each agent profile and its own agent-facing ports, in policy order. The first profile's
   * group is `agent`; every profile's group may reach only its own ports.
   * @default - one group for all agents, on `proxyPorts`
   */
  readonly profiles?: readonly { readonly name: string; readonly ports: readonly number[] }[];
  /** Port of the proxy's health check listener (load balancer to tasks only). */
  readonly healthPort: number;
  /** The proxy's outbound rules to upstreams (`planProxyEgress`). */
  readonly upstreamRules: readonly ProxyEgressRule[];
  /** Managed prefix list of S3 in this region, for ECR image layers via the gateway endpoint. */
  readonly s3PrefixListId: string;
  /** Whether a Secrets Manager endpoint (with its own security group) is created. */
  readonly secretsEndpoint: boolean;
  /** Whether a bedrock-runtime endpoint (with its own security group) is created. */
  readonly bedrockEndpoint?: boolean;
  /**
   * Whether the perimeter creates any of the ECR and Logs endpoints (in the `endpoint` group).
   * @default true
   */
  readonly agentFacingEndpoints?: boolean;
  /**
   * Existing endpoints the tasks use instead, each with its imported security group: agents
   * get egress to the agent-facing ones, the proxy to all of them, on 443.
   * @default - none
   */
  readonly sharedEndpoints?: readonly {
    readonly endpoint: SharedEndpoint;
    readonly group: ISecurityGroup;
  }[];
}

export interface PerimeterSecurityGroups {
  /** The first profile's group (the only one with one profile). */
  readonly agent: SecurityGroup;
  /** Every profile's group by profile name (the first is `agent`). */
  readonly agents: Readonly<Record<string, SecurityGroup>>;
  readonly loadBalancer: SecurityGroup;
  readonly proxy: SecurityGroup;
  /** Undefined when every ECR and Logs endpoint is an existing one. */
  readonly endpoint: SecurityGroup | undefined;
  readonly secretsEndpoint: SecurityGroup | undefined;
  readonly bedrockEndpoint: SecurityGroup | undefined;
}

/** CDK's rule that matches no traffic (ICMP type 252 code 86 to the broadcast address). */
const MATCH_NO_TRAFFIC = {
  cidrIp: '255.255.255.255/32',
  description: 'Disallow all traffic',
  ipProtocol: 'icmp',
  fromPort: 252,
  toPort: 86,
};

/**
 * Keeps CDK's "match no traffic" egress rule inline while all real egress rules are separate
 * resources (rules to other security groups and prefix lists). Without an inline rule,
 * CloudFormation creates the group with EC2's default allow-all egress, and it only disappears
 * once the first separate rule is created; with it, the group never allows all egress, not even
 * during the first deployment. Inline rules added later replace it as usual.
 */
function neverAllowAllEgress(group: SecurityGroup): void {
  const cfn = group.node.defaultChild as CfnSecurityGroup;
  const inline = cfn.securityGroupEgress;
  cfn.securityGroupEgress = Lazy.uncachedAny({
    produce: () => {
      const rules = Stack.of(group).resolve(inline) as unknown[] | undefined;
      return rules !== undefined && rules.length > 0 ? rules : [MATCH_NO_TRAFFIC];
    },
  });
}

const tcp = (range: PortRange) =>
  range.from === range.to ? Port.tcp(range.from) : Port.tcpRange(range.from, range.to);

/**
 * The perimeter's security groups. None allows all outbound; every rule is explicit and
 * described. The only path out of the agent tier is the proxy load balancer; agents have no
 * ingress and no rule towards each other. DNS to the VPC resolver is not filtered by security
 * groups at all, which is why the DNS firewall exists.
 */
export function createSecurityGroups(
  scope: Construct,
  input: PerimeterSecurityGroupsInput,
): PerimeterSecurityGroups {
  const { vpc } = input;
  const group = (id: string, description: string, tier: Tier) => {
    const sg = new SecurityGroup(scope, id, {
      vpc,
      description,
      allowAllOutbound: false,
      allowAllIpv6Outbound: false,
    });
    tagTier(sg, tier);
    neverAllowAllEgress(sg);
    return sg;
  };
  const profiles = input.profiles ?? [{ name: '', ports: input.proxyPorts }];
  const many = profiles.length > 1;
  const agents: Record<string, SecurityGroup> = {};
  profiles.forEach((profile, i) => {
    // The first profile keeps the one-profile logical id, so such stacks do not change.
    const sg = group(
      i === 0 ? 'AgentSecurityGroup' : `AgentSecurityGroup${pascal(profile.name)}`,
      many
        ? `agent-perimeter agents of profile ${profile.name}: only its own proxy listeners and the VPC endpoints`
        : 'agent-perimeter agents: may reach only the proxy load balancer and the VPC endpoints',
      Tier.AGENT,
    );
    if (many) Tags.of(sg).add(PROFILE_TAG, profile.name);
    agents[profile.name] = sg;
  });
  const agent = agents[profiles[0]?.name ?? ''] as SecurityGroup;
  const loadBalancer = group(
    'LoadBalancerSecurityGroup',
    'agent-perimeter proxy load balancer: from agents, to proxy tasks',
    Tier.PROXY,
  );
  const proxy = group(
    'ProxySecurityGroup',
    'agent-perimeter proxy tasks: from the load balancer, to allowlisted ports on the internet',
    Tier.PROXY,
  );
  const endpoint =
    input.agentFacingEndpoints === false
      ? undefined
      : group(
          'EndpointSecurityGroup',
          'agent-perimeter VPC interface endpoints (ECR, CloudWatch Logs): from agents and proxy',
          Tier.ENDPOINT,
        );
  const secretsEndpoint = input.secretsEndpoint
    ? group(
        'SecretsEndpointSecurityGroup',
        'agent-perimeter Secrets Manager endpoint: from the proxy only, never from agents',
        Tier.ENDPOINT,
      )
    : undefined;

  const bedrockEndpoint =
    input.bedrockEndpoint === true
      ? group(
          'BedrockEndpointSecurityGroup',
          'agent-perimeter bedrock-runtime endpoint: from the proxy only, never from agents',
          Tier.ENDPOINT,
        )
      : undefined;

  const https = Port.tcp(443);
  const sharedGroups = groupSharedEndpoints(input.sharedEndpoints ?? []);
  const s3: IPeer = Peer.prefixList(input.s3PrefixListId);
  const listenersAndHealth = portRanges([...input.proxyPorts, input.healthPort]);

  for (const profile of profiles) {
    const sg = agents[profile.name] as SecurityGroup;
    const whose = many ? `agents of profile ${profile.name}` : 'agents';
    // Agents -> load balancer, on their own profile's listeners only.
    for (const range of portRanges(profile.ports)) {
      const ports = formatRange(range);
      sg.addEgressRule(loadBalancer, tcp(range), `to the proxy load balancer on ${ports}`);
      loadBalancer.addIngressRule(sg, tcp(range), `from ${whose} on proxy port ${ports}`);
    }
    // Agents -> interface endpoints; agents -> S3 (ECR image layers via the gateway endpoint).
    if (endpoint !== undefined) {
      sg.addEgressRule(endpoint, https, 'to the VPC interface endpoints (ECR, CloudWatch Logs)');
      endpoint.addIngressRule(sg, https, `from ${whose} (image pulls, logs)`);
    }
    for (const shared of sharedGroups.filter((g) => g.agentFacing)) {
      sg.addEgressRule(shared.group, https, `to the existing ${shared.what}`);
      shared.group.addIngressRule(sg, https, `from agent-perimeter ${whose} (${shared.names})`);
    }
    sg.addEgressRule(s3, https, 'to S3 through the gateway endpoint (ECR image layers only)');
  }

  // Load balancer -> proxy tasks (listeners and health checks).
  for (const range of listenersAndHealth) {
    const ports = formatRange(range);
    loadBalancer.addEgressRule(proxy, tcp(range), `to proxy tasks on ${ports}`);
    proxy.addIngressRule(loadBalancer, tcp(range), `from the proxy load balancer on ${ports}`);
  }
  // Proxy -> upstreams on the allowlisted ports only (Envoy enforces the hosts and refuses
  // guarded addresses; these rules keep the proxy out of internal networks on their own).
  for (const rule of input.upstreamRules) {
    proxy.addEgressRule(
      Peer.ipv4(rule.cidr),
      tcp(rule.ports),
      rule.internal
        ? `to internal upstreams in ${rule.cidr} on ${formatRange(rule.ports)} (private entries)`
        : `to public upstreams on ${formatRange(rule.ports)} (hosts enforced by the proxy)`,
    );
  }
  if (endpoint !== undefined) {
    proxy.addEgressRule(endpoint, https, 'to the VPC interface endpoints (ECR, CloudWatch Logs)');
    endpoint.addIngressRule(proxy, https, 'from proxy tasks (image pulls, logs)');
  }
  for (const shared of sharedGroups) {
    proxy.addEgressRule(shared.group, https, `to the existing ${shared.what}`);
    shared.group.addIngressRule(proxy, https, `from agent-perimeter proxy tasks (${shared.names})`);
  }
  proxy.addEgressRule(s3, https, 'to S3 (ECR image layers)');
  if (secretsEndpoint !== undefined) {
    proxy.addEgressRule(secretsEndpoint, https, 'to the Secrets Manager endpoint (credentials)');
    secretsEndpoint.addIngressRule(proxy, https, 'from proxy tasks (injected credentials)');
  }
  if (bedrockEndpoint !== undefined) {
    proxy.addEgressRule(
      bedrockEndpoint,
      https,
      'to the bedrock-runtime endpoint (signed model calls)',
    );
    bedrockEndpoint.addIngressRule(proxy, https, 'from proxy tasks (model calls they sign)');
  }
  return { agent, agents, loadBalancer, proxy, endpoint, secretsEndpoint, bedrockEndpoint };
}

/**
 * Existing endpoints by security group (several may share one), with the words their rules
 * carry: a group is agent-facing when any of its endpoints is (the checks keep proxy-only
 * services out of such groups).
 */
function groupSharedEndpoints(
  shared: NonNullable<PerimeterSecurityGroupsInput['sharedEndpoints']>,
): { group: ISecurityGroup; agentFacing: boolean; names: string; what: string }[] {
  const byGroup = new Map<ISecurityGroup, SharedEndpoint[]>();
  for (const { endpoint, group } of shared) {
    byGroup.set(group, [...(byGroup.get(group) ?? []), endpoint]);
  }
  return [...byGroup].map(([group, endpoints]) => {
    const names = endpoints.map((e) => ENDPOINT_SERVICE_NAMES[e.service]).join(', ');
    const ids = endpoints.map((e) => e.endpointId).join(', ');
    return {
      group,
      agentFacing: endpoints.some((e) => e.agentFacing),
      names,
      what: `${names} endpoint${endpoints.length === 1 ? '' : 's'} (${ids})`,
    };
  });
}

/** `coder-bot` -> `CoderBot`, for construct ids. */
export function pascal(name: string): string {
  return name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
