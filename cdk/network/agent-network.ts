import { Annotations, Aws, CfnRule, Fn, Stack, Token } from 'aws-cdk-lib';
import type {
  FlowLog,
  GatewayVpcEndpoint,
  IInterfaceVpcEndpoint,
  ISecurityGroup,
  ISubnet,
  IVpc,
  NetworkAcl,
  SecurityGroup,
  SubnetSelection,
} from 'aws-cdk-lib/aws-ec2';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type {
  CfnFirewallRuleGroup,
  CfnFirewallRuleGroupAssociation,
} from 'aws-cdk-lib/aws-route53resolver';
import { Construct, type IConstruct } from 'constructs';
import { imageRegistryDomains } from '../../lib/image-registry.js';
import {
  hostProblem,
  type Policy,
  type ProxyUpstreams,
  policyProfiles,
  profilePortsOf,
  proxyModelAccess,
  proxyPorts,
  proxyUpstreams,
  upstreamPorts,
} from '../../lib/policy/index.js';
import { guardAgentSecurityGroup } from './containment-check.js';
import { dnsAllowlist } from './dns-allowlist.js';
import { DnsFirewall, type DnsQueryLogging } from './dns-firewall.js';
import { policySecretNames } from './endpoint-policies.js';
import { AgentNetworkError } from './errors.js';
import {
  checkExistingEndpoints,
  type ExistingEndpoints,
  importEndpointGroups,
  type SharedEndpoint,
} from './existing-endpoints.js';
import { type ExistingVpcSubnets, selectExistingVpcSubnets } from './existing-vpc.js';
import { createPerimeterNetworkAcls } from './network-acls.js';
import { createNetworkLogs } from './network-logs.js';
import { createNewVpc, DEFAULT_MAX_AZS, DEFAULT_VPC_CIDR } from './new-vpc.js';
import type { ManagedPrefixListLookup } from './s3-prefix-list.js';
import { planUpstreamRules, resolveS3PrefixList } from './security-group-inputs.js';
import { createSecurityGroups } from './security-groups.js';
import { Tier, tagTier } from './tags.js';
import { createPerimeterEndpoints } from './vpc-endpoints.js';

/** Properties of {@link AgentNetwork}. */
export interface AgentNetworkProps {
  /** The validated policy: its allowlist drives the DNS firewall and the proxy's ports. */
  readonly policy: Policy;

  /**
   * An existing VPC to build the perimeter in. It must span at least two Availability Zones,
   * have isolated subnets for the agents and private subnets with a NAT route for the proxy,
   * and use the Amazon-provided DNS resolver. `agentSubnets` and `proxySubnets` are then
   * required; `maxAzs`, `cidr` and `natGateways` must be left out. Shared VPCs: the DNS
   * firewall applies to the whole VPC (see `acceptVpcWideDnsFirewall`, required), the
   * interface endpoints need subnets of their own (`endpointSubnets`, required), the perimeter
   * creates its own private-DNS endpoints unless `existingEndpoints` names the VPC's own (a
   * second private-DNS endpoint of a service fails at deploy time), and one VPC holds at most
   * one perimeter.
   *
   * @default - a new VPC with public (NAT only), proxy, agent and endpoint subnets
   */
  readonly vpc?: IVpc;

  /**
   * Where agents run: isolated subnets (no route to an internet, NAT, transit or egress-only
   * gateway, nor to a peering connection) in at least two Availability Zones.
   *
   * @default - the new VPC's 'Agents' subnets; required with `vpc`
   */
  readonly agentSubnets?: SubnetSelection;

  /**
   * Where the proxy load balancer and tasks run: private subnets whose default route is a NAT
   * gateway.
   *
   * @default - the new VPC's 'Proxy' subnets; required with `vpc`
   */
  readonly proxySubnets?: SubnetSelection;

  /**
   * Where the interface endpoints live: isolated subnets shared with neither agents nor proxy
   * (a /28 per zone is enough). They get their own NACL (443 from agents and proxy only).
   * Endpoints among the agents are refused: the agent NACL would then have to answer the
   * proxy tasks on their ephemeral ports, a path the containment proof reports.
   *
   * @default - the new VPC's dedicated 'Endpoints' subnets; required with `vpc`
   */
  readonly endpointSubnets?: SubnetSelection;

  /**
   * Availability Zones of a new VPC; at least 2. An environment-agnostic stack (no account and
   * region) only knows two zones, so values above 2 take effect only with a concrete `env`.
   *
   * @default 2
   */
  readonly maxAzs?: number;

  /**
   * IPv4 range of a new VPC. Each zone uses a /26 public, a /22 proxy, a /19 agent and a /26
   * endpoint subnet, so a /17 holds two zones and a /16 up to six.
   *
   * @default AgentNetwork.DEFAULT_CIDR
   */
  readonly cidr?: string;

  /**
   * NAT gateways of a new VPC (the proxy tier's only way out). One per zone keeps the proxy up
   * when a zone fails; each costs about USD 32 a month plus data processing, so a single one
   * halves the fixed cost of a two-zone test deployment at the price of that resilience.
   *
   * @default - one per Availability Zone; one with `deployment.profile: lean`
   */
  readonly natGateways?: number;

  /**
   * Key that encrypts the flow-log and DNS query-log groups. A key created in this app gets
   * the CloudWatch Logs statement added to its policy; an imported key must already allow
   * CloudWatch Logs in this region.
   *
   * @default - a new customer-managed key with yearly rotation
   */
  readonly logKey?: IKey;

  /**
   * How long flow logs and DNS query logs are kept.
   *
   * @default - `policy.logging.retention_days`
   */
  readonly logRetention?: RetentionDays;

  /**
   * More names the DNS firewall lets resolve, e.g. the registry of a proxy image that is not
   * in ECR, or a private DNS name for the proxy. Exact names or `*.example.com`.
   *
   * @default - none: the policy's hosts and the AWS service names the perimeter uses
   */
  readonly extraDnsDomains?: readonly string[];

  /**
   * The proxy fetches its Envoy config from S3 at start (an allowlist too large for an ECS task
   * definition, `ProxyTier.configDelivery`): the regional S3 names (`*.s3.<region>.<suffix>`)
   * resolve too. Their authoritative servers are AWS's, so a query carries nothing out, and
   * agents have no route to S3 but the gateway endpoint, which serves ECR layers only.
   *
   * @default false
   */
  readonly proxyConfigFromS3?: boolean;

  /**
   * Id of the S3 managed prefix list in this region (`pl-...`), used by the agent and proxy
   * security groups to reach ECR image layers through the S3 gateway endpoint.
   *
   * @default - looked up at deploy time by a custom resource (a Lambda function calling
   * `ec2:DescribeManagedPrefixLists`)
   */
  readonly s3PrefixListId?: string;

  /**
   * Strip the rules of a new VPC's default security group. CDK does it with a Lambda-backed
   * custom resource, which a landing zone that requires Lambda functions in a VPC
   * (CT.LAMBDA.PR.3) refuses; such landing zones close default security groups themselves
   * (AWS Config rule `vpc-default-security-group-closed` with remediation, Security Hub
   * EC2.2). Nothing in the perimeter uses the default group.
   *
   * @default true
   */
  readonly restrictDefaultSecurityGroup?: boolean;

  /**
   * With an existing `vpc`: accept that the DNS Firewall and DNS query logging apply to the
   * whole VPC. Route 53 Resolver associates them with a VPC, not with subnets, so every other
   * workload in the VPC could then resolve only the perimeter's allowlist (everything else gets
   * NXDOMAIN, fail-closed, under mutation protection), and its queries are logged with the
   * agents'. Set it only for a VPC that holds nothing else, or nothing that needs other names.
   *
   * @default false - an existing VPC is refused with this explanation; give the perimeter a
   * VPC of its own (leave `vpc` out), or set this to true
   */
  readonly acceptVpcWideDnsFirewall?: boolean;

  /**
   * With an existing `vpc`: interface endpoints it already has (a landing zone's shared
   * endpoints, with private DNS), used by id instead of creating a second one per service.
   * Each needs its security group; the perimeter adds egress from its agent and proxy groups
   * to it on 443 (and, unless `addIngressRules` is false, ingress rules on it), and lets
   * agents reach `subnetCidrs` on 443 in the agent NACL. Their policies are not in this
   * template: the containment proof reports agents' rules towards those groups as
   * `cannot-prove` until the groups are trusted (`--trust-import sg-...`, CDK context
   * `agent-perimeter:trustedImports`) after `verify --aws-describe` has read the endpoints
   * (ADR 0049). The S3 gateway endpoint is always the perimeter's own (its policy is what
   * limits agents to the ECR layer bucket). Refused with a new VPC.
   *
   * @default - the perimeter creates every endpoint it needs
   */
  readonly existingEndpoints?: ExistingEndpoints;
}

/**
 * The network of the agent perimeter (controls C4, C10, C17, C18, and the IP-literal, DNS,
 * IPv6, UDP/QUIC, neighbour-sandbox and allowed-service data-channel escape routes):
 *
 * - agent subnets with no route out (S3 gateway endpoint routes aside), no public IPs, no IPv6;
 * - security groups that let agents reach only the proxy load balancer and the VPC endpoints,
 *   and the proxy reach only the policy's ports;
 * - a NACL on the agent subnets as a second, independent layer;
 * - a Route 53 Resolver DNS firewall that resolves only the allowlist and fails closed;
 * - VPC endpoints with policies scoped to what the tasks need;
 * - flow logs (all traffic) and DNS query logs, KMS-encrypted, with the policy's retention.
 *
 * The proxy tier itself (load balancer and Envoy tasks) is built elsewhere, into
 * `proxySubnets` with `loadBalancerSecurityGroup` and `proxySecurityGroup`.
 */
export class AgentNetwork extends Construct {
  /** IPv4 range of a new VPC when `cidr` is not given. */
  public static readonly DEFAULT_CIDR = DEFAULT_VPC_CIDR;
  /** Availability Zones of a new VPC when `maxAzs` is not given. */
  public static readonly DEFAULT_MAX_AZS = DEFAULT_MAX_AZS;

  /** Names the DNS firewall lets resolve; see {@link dnsAllowlist}. */
  public static dnsAllowlist(
    policy: Policy,
    region: string,
    urlSuffix: string,
    extra: readonly string[] = [],
  ): string[] {
    return dnsAllowlist(policy, region, urlSuffix, extra);
  }

  public readonly vpc: IVpc;
  /** Isolated subnets the agents run in. */
  public readonly agentSubnets: ISubnet[];
  /** Private subnets (NAT egress) of the proxy load balancer and tasks. */
  public readonly proxySubnets: ISubnet[];
  /** Dedicated subnets for the interface endpoints. */
  public readonly endpointSubnets: ISubnet[];
  /**
   * The endpoint subnets that hold interface endpoints: all of them, or with
   * `deployment.profile: lean` the first one only (the zone of the single NAT gateway).
   */
  public readonly interfaceEndpointSubnets: ISubnet[];
  /** Public subnets of a new VPC, holding only NAT gateways; empty with an existing VPC. */
  public readonly publicSubnets: ISubnet[];

  /** Agent tasks: egress only to the load balancer, the endpoints and S3 (ECR layers). */
  public readonly agentSecurityGroup: SecurityGroup;
  /**
   * Each agent profile's security group, by profile name: it may reach only that profile's
   * listeners on the load balancer. The first is {@link agentSecurityGroup}.
   */
  public readonly agentSecurityGroups: Readonly<Record<string, SecurityGroup>>;
  /** The proxy's internal Network Load Balancer: from agents, to proxy tasks. */
  public readonly loadBalancerSecurityGroup: SecurityGroup;
  /** The Envoy tasks: from the load balancer, to the internet on the policy's ports. */
  public readonly proxySecurityGroup: SecurityGroup;
  /**
   * ECR and CloudWatch Logs interface endpoints: from agents and proxy tasks on 443; undefined
   * when all three are `existingEndpoints`.
   */
  public readonly endpointSecurityGroup: SecurityGroup | undefined;
  /** The Secrets Manager endpoint: from proxy tasks only; undefined without injected secrets. */
  public readonly secretsEndpointSecurityGroup: SecurityGroup | undefined;
  /** The bedrock-runtime endpoint: from proxy tasks only; undefined without Bedrock access. */
  public readonly bedrockEndpointSecurityGroup: SecurityGroup | undefined;

  /** The NACL of the agent subnets. */
  public readonly agentNetworkAcl: NetworkAcl;
  /** The NACL of the endpoint subnets. */
  public readonly endpointNetworkAcl: NetworkAcl;

  /** Encrypts the flow-log and DNS query-log groups. */
  public readonly logKey: IKey;
  /** VPC flow logs, all traffic. */
  public readonly flowLogGroup: LogGroup;
  public readonly flowLog: FlowLog;
  /** Route 53 Resolver query logs of the VPC. */
  public readonly dnsQueryLogGroup: LogGroup;
  public readonly dnsQueryLogging: DnsQueryLogging;

  /** Names the DNS firewall lets resolve (may contain region tokens). */
  public readonly dnsAllowedDomains: string[];
  /** The DNS firewall: domain lists, rule group, association and fail-closed config. */
  public readonly dnsFirewall: DnsFirewall;
  /** The DNS firewall rule group (ALLOW the allowlist, then BLOCK `*` with NXDOMAIN). */
  public readonly dnsFirewallRuleGroup: CfnFirewallRuleGroup;
  /** The rule group's association with the VPC (mutation protection on). */
  public readonly dnsFirewallAssociation: CfnFirewallRuleGroupAssociation;

  /*
   * Each interface endpoint is an `InterfaceVpcEndpoint` the perimeter created, or the import
   * of the one given in `existingEndpoints`.
   */
  /** ECR API (`ecr.api`): registry login and image manifests, this account's repositories. */
  public readonly ecrApiEndpoint: IInterfaceVpcEndpoint;
  /** ECR Docker registry (`ecr.dkr`): image pulls, this account's repositories. */
  public readonly ecrDockerEndpoint: IInterfaceVpcEndpoint;
  /** CloudWatch Logs: the awslogs driver of agent and proxy tasks. */
  public readonly logsEndpoint: IInterfaceVpcEndpoint;
  /**
   * Only when the policy injects credentials; with `deployment.profile: lean` only when the
   * proxy has no public 443 path (it then reaches Secrets Manager through the NAT gateway).
   */
  public readonly secretsManagerEndpoint: IInterfaceVpcEndpoint | undefined;
  /** bedrock-runtime, only with `model_access.provider: bedrock`; the proxy's model calls. */
  public readonly bedrockRuntimeEndpoint: IInterfaceVpcEndpoint | undefined;
  /** The `existingEndpoints` in use, checked; empty when the perimeter created them all. */
  public readonly existingEndpoints: readonly SharedEndpoint[];
  /** S3 gateway endpoint on the agent route tables, limited to the ECR layer bucket. */
  public readonly s3Endpoint: GatewayVpcEndpoint;
  /** Id of the S3 managed prefix list (a deploy-time token unless given). */
  public readonly s3PrefixListId: string;
  /** The deploy-time lookup of {@link s3PrefixListId}; undefined when the id was given. */
  public readonly s3PrefixListLookup: ManagedPrefixListLookup | undefined;

  /** Ports agents may reach on the load balancer: the proxy port and the base-URL ports. */
  public readonly proxyPorts: number[];
  /** The proxy's health check port (load balancer to tasks only). */
  public readonly healthPort: number;
  /**
   * Each profile's own agent-facing ports when the policy has several (the verifier proves
   * each profile's group reaches only these); undefined with one profile.
   */
  public readonly profilePorts: Readonly<Record<string, readonly number[]>> | undefined;
  /** Ports the proxy may reach on the internet: the union of the policy's `egress[].ports`. */
  public readonly upstreamPorts: number[];
  /**
   * Where the proxy's own egress may go: public entries' ports towards everything outside the
   * internal networks (never into the VPC), internal (`private`) entries' ports to their ranges.
   */
  public readonly upstreams: ProxyUpstreams;

  constructor(scope: Construct, id: string, props: AgentNetworkProps) {
    super(scope, id);
    const fail = (message: string): never => {
      throw new AgentNetworkError(this.node.path, message);
    };
    const { policy } = props;
    const lean = policy.deployment.profile === 'lean';
    this.proxyPorts = [...proxyPorts(policy).agentFacing];
    this.healthPort = policy.proxy.health_port;
    this.profilePorts = profilePortsOf(policy);
    this.upstreamPorts = upstreamPorts(policy);
    this.upstreams = withImagePulls(proxyUpstreams(policy), policy.proxy.image);

    const extraDomains = [...(props.extraDnsDomains ?? [])];
    for (const domain of extraDomains) {
      const problem = hostProblem(domain);
      if (problem !== undefined) fail(`extraDnsDomains entry "${domain}" ${problem}`);
    }

    // --- VPC and subnets --------------------------------------------------------------------
    if (props.vpc === undefined && props.existingEndpoints !== undefined) {
      fail(
        'existingEndpoints is given without vpc: a new VPC has no endpoints to reuse, and the perimeter creates the ones it needs. Fix: remove existingEndpoints, or pass the existing vpc (with its subnets) that holds those endpoints.',
      );
    }
    const tiers =
      props.vpc === undefined
        ? createNewVpc(
            this,
            { ...props, natGateways: props.natGateways ?? (lean ? 1 : undefined) },
            fail,
          )
        : existingVpcTiers(props.vpc, props, fail);
    this.vpc = tiers.vpc;
    this.agentSubnets = tiers.agents;
    this.proxySubnets = tiers.proxy;
    this.endpointSubnets = tiers.endpoints;
    this.publicSubnets = tiers.public;
    // Lean: endpoints in the first zone only, which (in a new VPC) also holds the one NAT
    // gateway, so a single zone's failure is the only one that stops the perimeter's egress.
    this.interfaceEndpointSubnets = lean ? this.endpointSubnets.slice(0, 1) : this.endpointSubnets;
    for (const subnet of this.agentSubnets) tagTier(subnet, Tier.AGENT);
    for (const subnet of this.proxySubnets) tagTier(subnet, Tier.PROXY);
    for (const subnet of this.endpointSubnets) tagTier(subnet, Tier.ENDPOINT);
    for (const subnet of this.publicSubnets) tagTier(subnet, Tier.PUBLIC);

    // --- Logs (first: the deploy-time prefix list lookup logs into the same key) ---------------
    const retention = props.logRetention ?? (policy.logging.retention_days as RetentionDays);
    const logs = createNetworkLogs(this, {
      vpc: this.vpc,
      logKey: props.logKey,
      retention,
    });
    this.logKey = logs.logKey;
    this.flowLogGroup = logs.flowLogGroup;
    this.flowLog = logs.flowLog;
    this.dnsQueryLogGroup = logs.dnsQueryLogGroup;
    this.dnsQueryLogging = logs.dnsQueryLogging;

    claimVpc(this, this.vpc, fail);

    // --- Security groups --------------------------------------------------------------------
    const stack = Stack.of(this);
    const env = { partition: stack.partition, region: stack.region, account: stack.account };
    const secretNames = policySecretNames(policy);
    // Every profile's bedrock models together (ADR 0038): the proxy serves them all.
    const served = proxyModelAccess(policy);
    const bedrock = served.provider === 'bedrock' ? served : undefined;
    if (bedrock !== undefined) requireBedrockRegion(this, bedrock.region);
    const prefixList = resolveS3PrefixList(this, props.s3PrefixListId, fail, {
      key: this.logKey,
      retention,
    });
    this.s3PrefixListLookup = prefixList.lookup;
    this.s3PrefixListId = prefixList.id;
    // Secrets Manager serves the proxy alone; lean lets it go through NAT when the proxy may
    // reach public 443 anyway (the execution role still names each secret). An existing
    // private-DNS endpoint is used whatever the profile: the name resolves to it in this VPC.
    const secretsNeeded = secretNames.length > 0;
    const secretsEndpoint = secretsNeeded && !(lean && this.upstreams.publicPorts.includes(443));
    this.existingEndpoints =
      props.existingEndpoints === undefined
        ? []
        : checkExistingEndpoints(
            props.existingEndpoints,
            {
              secretsManager: secretsNeeded,
              bedrockRuntime: bedrock !== undefined,
              agentSubnets: this.agentSubnets,
              proxySubnets: this.proxySubnets,
            },
            fail,
          );
    const existingGroups = importEndpointGroups(
      this,
      this.existingEndpoints,
      props.existingEndpoints?.addIngressRules !== false,
    );
    const shared = this.existingEndpoints.map((endpoint) => ({
      endpoint,
      group: existingGroups.get(endpoint.securityGroupId) as ISecurityGroup,
    }));
    const isShared = (service: SharedEndpoint['service']) =>
      this.existingEndpoints.some((e) => e.service === service);
    const upstreamRules = planUpstreamRules(this.upstreams, fail, (message) =>
      Annotations.of(this).addWarningV2('agent-perimeter:proxy-egress-port-span', message),
    );
    const groups = createSecurityGroups(this, {
      vpc: this.vpc,
      proxyPorts: this.proxyPorts,
      profiles: policyProfiles(policy).map((p) => ({ name: p.name, ports: p.agentFacing })),
      healthPort: this.healthPort,
      upstreamRules,
      s3PrefixListId: this.s3PrefixListId,
      secretsEndpoint: secretsEndpoint && !isShared('secretsManager'),
      bedrockEndpoint: bedrock !== undefined && !isShared('bedrockRuntime'),
      agentFacingEndpoints: !(isShared('ecrApi') && isShared('ecrDocker') && isShared('logs')),
      sharedEndpoints: shared,
    });
    this.agentSecurityGroup = groups.agent;
    this.agentSecurityGroups = groups.agents;
    this.loadBalancerSecurityGroup = groups.loadBalancer;
    this.proxySecurityGroup = groups.proxy;
    this.endpointSecurityGroup = groups.endpoint;
    this.secretsEndpointSecurityGroup = groups.secretsEndpoint;
    this.bedrockEndpointSecurityGroup = groups.bedrockEndpoint;

    // --- Network ACLs -----------------------------------------------------------------------
    const acls = createPerimeterNetworkAcls(
      this,
      {
        vpc: this.vpc,
        agentSubnets: this.agentSubnets,
        proxySubnets: this.proxySubnets,
        endpointSubnets: this.endpointSubnets,
        proxyPorts: this.proxyPorts,
        existingEndpointCidrs: props.existingEndpoints?.subnetCidrs ?? [],
      },
      fail,
    );
    this.agentNetworkAcl = acls.agent;
    this.endpointNetworkAcl = acls.endpoint;

    // --- DNS firewall -----------------------------------------------------------------------
    this.dnsAllowedDomains = dnsAllowlist(policy, stack.region, stack.urlSuffix, [
      ...extraDomains,
      ...(props.proxyConfigFromS3 === true ? [`*.s3.${stack.region}.${stack.urlSuffix}`] : []),
    ]);
    this.dnsFirewall = new DnsFirewall(this, 'DnsFirewall', {
      vpcId: this.vpc.vpcId,
      allowedDomains: this.dnsAllowedDomains,
    });
    this.dnsFirewallRuleGroup = this.dnsFirewall.ruleGroup;
    this.dnsFirewallAssociation = this.dnsFirewall.association;

    // --- VPC endpoints ----------------------------------------------------------------------
    const endpoints = createPerimeterEndpoints(this, {
      vpc: this.vpc,
      endpointSubnets: this.interfaceEndpointSubnets,
      agentSubnets: this.agentSubnets,
      endpointSecurityGroup: this.endpointSecurityGroup,
      secretsEndpointSecurityGroup: this.secretsEndpointSecurityGroup,
      secretNames,
      bedrockEndpointSecurityGroup: this.bedrockEndpointSecurityGroup,
      bedrock,
      env,
      shared,
    });
    this.ecrApiEndpoint = endpoints.ecrApi;
    this.ecrDockerEndpoint = endpoints.ecrDocker;
    this.logsEndpoint = endpoints.logs;
    this.secretsManagerEndpoint = endpoints.secretsManager;
    this.bedrockRuntimeEndpoint = endpoints.bedrockRuntime;
    this.s3Endpoint = endpoints.s3;

    for (const group of Object.values(this.agentSecurityGroups)) {
      guardAgentSecurityGroup(this, group);
    }
  }
}

/** The subnets of an existing VPC, once it is clear the VPC-wide DNS firewall is accepted. */
function existingVpcTiers(
  vpc: IVpc,
  props: AgentNetworkProps,
  fail: (message: string) => never,
): ExistingVpcSubnets & { readonly vpc: IVpc; readonly public: ISubnet[] } {
  const subnets = selectExistingVpcSubnets(vpc, props, fail);
  if (props.acceptVpcWideDnsFirewall !== true) {
    fail(
      `the DNS firewall would apply to the whole of the existing VPC ${vpc.node.path}: Route 53 Resolver associates it with a VPC, not with subnets, so every other workload there could resolve only the perimeter's allowlist (NXDOMAIN for the rest, fail-closed, under mutation protection). Fix: leave vpc out so the perimeter gets a VPC of its own, or set acceptVpcWideDnsFirewall: true if nothing else in that VPC needs other names.`,
    );
  }
  return { vpc, ...subnets, public: [] };
}

/**
 * The proxy reaches Bedrock through an interface endpoint in this VPC, so the policy's Bedrock
 * region must be the stack's. A concrete region is checked now; an environment-agnostic stack
 * gets a CloudFormation rule that refuses to deploy anywhere else.
 */
function requireBedrockRegion(scope: Construct, region: string): void {
  const stack = Stack.of(scope);
  if (!Token.isUnresolved(stack.region)) {
    if (stack.region !== region) {
      throw new AgentNetworkError(
        scope.node.path,
        `model_access.region is "${region}" but the stack deploys to "${stack.region}": the proxy reaches Bedrock through a bedrock-runtime endpoint in its own VPC. Fix: set model_access.region to "${stack.region}" (an inference profile still routes to the regions it lists), or deploy to ${region}.`,
      );
    }
    return;
  }
  new CfnRule(scope, 'BedrockRegionRule', {
    assertions: [
      {
        assert: Fn.conditionEquals(Aws.REGION, region),
        assertDescription: `model_access.region is ${region}: deploy this stack to ${region} (the proxy reaches Bedrock through an endpoint in its own VPC).`,
      },
    ],
  });
}

/**
 * Fargate pulls the proxy image through the task's own network interface, so a public
 * registry also needs 443 towards public addresses, whatever the allowlist holds.
 */
function withImagePulls(upstreams: ProxyUpstreams, image: string): ProxyUpstreams {
  if (imageRegistryDomains(image).length === 0 || upstreams.publicPorts.includes(443)) {
    return upstreams;
  }
  return { ...upstreams, publicPorts: [...upstreams.publicPorts, 443].sort((a, b) => a - b) };
}

const PERIMETERS = new WeakMap<IConstruct, Map<unknown, string>>();

/**
 * One perimeter per VPC, across the whole app: a second one would deploy a second DNS firewall
 * association at the same priority (refused by Route 53 Resolver), duplicate private-DNS
 * interface endpoints (refused by EC2) and a second NACL on shared subnets (the last one wins).
 * A VPC is known by its construct, or by its id when that is a literal (imports of one VPC in
 * two stacks).
 */
function claimVpc(network: Construct, vpc: IVpc, fail: (message: string) => never): void {
  const root = network.node.root;
  const claims = PERIMETERS.get(root) ?? new Map<unknown, string>();
  PERIMETERS.set(root, claims);
  const keys: unknown[] = [vpc, ...(Token.isUnresolved(vpc.vpcId) ? [] : [vpc.vpcId])];
  for (const key of keys) {
    const other = claims.get(key);
    if (other !== undefined && other !== network.node.path) {
      fail(
        `VPC ${Token.isUnresolved(vpc.vpcId) ? vpc.node.path : vpc.vpcId} already holds the perimeter ${other}; two perimeters in one VPC would collide at deploy time (two DNS firewall associations at one priority, duplicate private-DNS endpoints, two NACLs on one subnet). Fix: one perimeter per VPC; more kinds of agents are more profiles under agents: in one policy.`,
      );
    }
  }
  for (const key of keys) claims.set(key, network.node.path);
}
