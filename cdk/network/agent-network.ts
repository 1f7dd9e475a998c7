import { Stack, Token } from 'aws-cdk-lib';
import {
  FlowLog,
  FlowLogDestination,
  FlowLogMaxAggregationInterval,
  FlowLogResourceType,
  FlowLogTrafficType,
  GatewayVpcEndpoint,
  GatewayVpcEndpointAwsService,
  type IInterfaceVpcEndpointService,
  InterfaceVpcEndpoint,
  InterfaceVpcEndpointAwsService,
  IpAddresses,
  type ISecurityGroup,
  type ISubnet,
  type IVpc,
  LogFormat,
  type NetworkAcl,
  type SecurityGroup,
  type SubnetSelection,
  SubnetType,
  Vpc,
} from 'aws-cdk-lib/aws-ec2';
import type { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type {
  CfnFirewallRuleGroup,
  CfnFirewallRuleGroupAssociation,
} from 'aws-cdk-lib/aws-route53resolver';
import { Construct } from 'constructs';
import {
  hostProblem,
  type Policy,
  portRanges,
  proxyPorts,
  upstreamPorts,
} from '../../lib/policy/index.js';
import { acknowledge } from '../nag.js';
import { guardAgentSecurityGroup } from './containment-check.js';
import { dnsAllowlist } from './dns-allowlist.js';
import { DnsFirewall, DnsQueryLogging } from './dns-firewall.js';
import {
  ecrLayerStatements,
  ecrPullStatements,
  logsWriteStatements,
  policySecretNames,
  secretReadStatements,
} from './endpoint-policies.js';
import { AgentNetworkError } from './errors.js';
import { allowCloudWatchLogs, createLogKey, encryptedLogGroup, flowLogRole } from './logging.js';
import { createNetworkAcl, NACL_RULES_PER_DIRECTION, planNaclEntries } from './nacl.js';
import { ManagedPrefixListLookup } from './s3-prefix-list.js';
import { createSecurityGroups, SG_RULES_PER_DIRECTION } from './security-groups.js';
import { Tier, tagTier } from './tags.js';

/** Properties of {@link AgentNetwork}. */
export interface AgentNetworkProps {
  /** The validated policy: its allowlist drives the DNS firewall and the proxy's ports. */
  readonly policy: Policy;

  /**
   * An existing VPC to build the perimeter in. It must span at least two Availability Zones,
   * have isolated subnets for the agents and private subnets with a NAT route for the proxy,
   * and use the Amazon-provided DNS resolver. `agentSubnets` and `proxySubnets` are then
   * required; `maxAzs`, `cidr` and `natGateways` must be left out.
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
   * Where the interface endpoints live: either exactly the agent subnets, or subnets shared
   * with neither agents nor proxy (isolated ones).
   *
   * @default - the new VPC's dedicated 'Endpoints' subnets; the agent subnets with `vpc`
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
   * @default - one per Availability Zone
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
   * Id of the S3 managed prefix list in this region (`pl-...`), used by the agent and proxy
   * security groups to reach ECR image layers through the S3 gateway endpoint.
   *
   * @default - looked up at deploy time by a custom resource (a Lambda function calling
   * `ec2:DescribeManagedPrefixLists`)
   */
  readonly s3PrefixListId?: string;
}

const SUBNET_MASKS = { public: 26, proxy: 22, agents: 19, endpoints: 26 } as const;
const SUBNET_GROUPS = {
  public: 'Public',
  proxy: 'Proxy',
  agents: 'Agents',
  endpoints: 'Endpoints',
} as const;

/** VPC flow log fields: who talked to whom, on which port, through which interface, verdict. */
const FLOW_LOG_FORMAT = [
  LogFormat.VERSION,
  LogFormat.ACCOUNT_ID,
  LogFormat.VPC_ID,
  LogFormat.SUBNET_ID,
  LogFormat.INTERFACE_ID,
  LogFormat.TRAFFIC_TYPE,
  LogFormat.SRC_ADDR,
  LogFormat.SRC_PORT,
  LogFormat.DST_ADDR,
  LogFormat.DST_PORT,
  LogFormat.PKT_SRC_ADDR,
  LogFormat.PKT_DST_ADDR,
  LogFormat.PROTOCOL,
  LogFormat.TCP_FLAGS,
  LogFormat.PACKETS,
  LogFormat.BYTES,
  LogFormat.START_TIMESTAMP,
  LogFormat.END_TIMESTAMP,
  LogFormat.ACTION,
  LogFormat.FLOW_DIRECTION,
  LogFormat.TRAFFIC_PATH,
  LogFormat.PKT_DST_AWS_SERVICE,
  LogFormat.LOG_STATUS,
];

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
  public static readonly DEFAULT_CIDR = '10.64.0.0/16';
  /** Availability Zones of a new VPC when `maxAzs` is not given. */
  public static readonly DEFAULT_MAX_AZS = 2;

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
  /** Subnets holding the interface endpoints (the agent subnets, or dedicated ones). */
  public readonly endpointSubnets: ISubnet[];
  /** Public subnets of a new VPC, holding only NAT gateways; empty with an existing VPC. */
  public readonly publicSubnets: ISubnet[];

  /** Agent tasks: egress only to the load balancer, the endpoints and S3 (ECR layers). */
  public readonly agentSecurityGroup: SecurityGroup;
  /** The proxy's internal Network Load Balancer: from agents, to proxy tasks. */
  public readonly loadBalancerSecurityGroup: SecurityGroup;
  /** The Envoy tasks: from the load balancer, to the internet on the policy's ports. */
  public readonly proxySecurityGroup: SecurityGroup;
  /** ECR and CloudWatch Logs interface endpoints: from agents and proxy tasks on 443. */
  public readonly endpointSecurityGroup: SecurityGroup;
  /** The Secrets Manager endpoint: from proxy tasks only; undefined without injected secrets. */
  public readonly secretsEndpointSecurityGroup: SecurityGroup | undefined;

  /** The NACL of the agent subnets. */
  public readonly agentNetworkAcl: NetworkAcl;
  /** The NACL of dedicated endpoint subnets; undefined when endpoints share the agent subnets. */
  public readonly endpointNetworkAcl: NetworkAcl | undefined;

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

  /** ECR API (`ecr.api`): registry login and image manifests, this account's repositories. */
  public readonly ecrApiEndpoint: InterfaceVpcEndpoint;
  /** ECR Docker registry (`ecr.dkr`): image pulls, this account's repositories. */
  public readonly ecrDockerEndpoint: InterfaceVpcEndpoint;
  /** CloudWatch Logs: the awslogs driver of agent and proxy tasks. */
  public readonly logsEndpoint: InterfaceVpcEndpoint;
  /** Only when the policy injects credentials. */
  public readonly secretsManagerEndpoint: InterfaceVpcEndpoint | undefined;
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
  /** Ports the proxy may reach on the internet: the union of the policy's `egress[].ports`. */
  public readonly upstreamPorts: number[];

  constructor(scope: Construct, id: string, props: AgentNetworkProps) {
    super(scope, id);
    const fail = (message: string): never => {
      throw new AgentNetworkError(this.node.path, message);
    };
    const { policy } = props;
    this.proxyPorts = [...proxyPorts(policy).agentFacing];
    this.healthPort = policy.proxy.health_port;
    this.upstreamPorts = upstreamPorts(policy);

    const extraDomains = [...(props.extraDnsDomains ?? [])];
    for (const domain of extraDomains) {
      const problem = hostProblem(domain);
      if (problem !== undefined) fail(`extraDnsDomains entry "${domain}" ${problem}`);
    }

    // --- VPC and subnets --------------------------------------------------------------------
    if (props.vpc === undefined) {
      const built = this.buildVpc(props, fail);
      this.vpc = built;
      const group = (name: string) => built.selectSubnets({ subnetGroupName: name }).subnets;
      this.agentSubnets = group(SUBNET_GROUPS.agents);
      this.proxySubnets = group(SUBNET_GROUPS.proxy);
      this.endpointSubnets = group(SUBNET_GROUPS.endpoints);
      this.publicSubnets = group(SUBNET_GROUPS.public);
    } else {
      this.vpc = props.vpc;
      const subnets = this.existingVpcSubnets(props, props.vpc, fail);
      this.agentSubnets = subnets.agents;
      this.proxySubnets = subnets.proxy;
      this.endpointSubnets = subnets.endpoints;
      this.publicSubnets = [];
    }
    const sharedEndpointSubnets = sameSubnets(this.endpointSubnets, this.agentSubnets);
    for (const subnet of this.agentSubnets) tagTier(subnet, Tier.AGENT);
    for (const subnet of this.proxySubnets) tagTier(subnet, Tier.PROXY);
    if (!sharedEndpointSubnets) {
      for (const subnet of this.endpointSubnets) tagTier(subnet, Tier.ENDPOINT);
    }
    for (const subnet of this.publicSubnets) tagTier(subnet, Tier.PUBLIC);

    // --- Security groups --------------------------------------------------------------------
    const stack = Stack.of(this);
    const env = { partition: stack.partition, region: stack.region, account: stack.account };
    const secretNames = policySecretNames(policy);
    const s3Service = GatewayVpcEndpointAwsService.S3;
    if (props.s3PrefixListId === undefined) {
      this.s3PrefixListLookup = new ManagedPrefixListLookup(this, 'S3PrefixList', s3Service.name);
      this.s3PrefixListId = this.s3PrefixListLookup.prefixListId;
    } else {
      if (
        !Token.isUnresolved(props.s3PrefixListId) &&
        !/^pl-[0-9a-f]+$/.test(props.s3PrefixListId)
      ) {
        fail(
          `s3PrefixListId "${props.s3PrefixListId}" is not a prefix list id. Fix: give the id of "com.amazonaws.<region>.s3" (aws ec2 describe-managed-prefix-lists), e.g. "pl-63a5400a", or leave it out to look it up at deploy time.`,
        );
      }
      this.s3PrefixListId = props.s3PrefixListId;
    }
    const upstreamRuleCount = portRanges(this.upstreamPorts).length + 3;
    if (upstreamRuleCount > SG_RULES_PER_DIRECTION) {
      fail(
        `the policy's egress ports need ${upstreamRuleCount} outbound rules on the proxy security group, more than the ${SG_RULES_PER_DIRECTION} a security group holds. Fix: use fewer distinct ports (consecutive ports share a rule).`,
      );
    }
    const groups = createSecurityGroups(this, {
      vpc: this.vpc,
      proxyPorts: this.proxyPorts,
      healthPort: this.healthPort,
      upstreamPorts: this.upstreamPorts,
      s3PrefixListId: this.s3PrefixListId,
      secretsEndpoint: secretNames.length > 0,
    });
    this.agentSecurityGroup = groups.agent;
    this.loadBalancerSecurityGroup = groups.loadBalancer;
    this.proxySecurityGroup = groups.proxy;
    this.endpointSecurityGroup = groups.endpoint;
    this.secretsEndpointSecurityGroup = groups.secretsEndpoint;

    // --- Network ACLs -----------------------------------------------------------------------
    const cidrs = (subnets: readonly ISubnet[], what: string) =>
      subnets.map((subnet) => {
        try {
          return subnet.ipv4CidrBlock;
        } catch {
          return fail(
            `the ${what} subnet ${subnet.subnetId} has no known IPv4 CIDR, which the network ACLs need. Fix: import the VPC with Vpc.fromLookup, or pass the *SubnetIpv4CidrBlocks to Vpc.fromVpcAttributes.`,
          );
        }
      });
    const agentCidrs = cidrs(this.agentSubnets, 'agent');
    const proxyCidrs = cidrs(this.proxySubnets, 'proxy');
    const endpointCidrs = cidrs(this.endpointSubnets, 'endpoint');
    const https = [{ from: 443, to: 443 }];
    const endpointClients = [
      { cidrs: agentCidrs, ports: https },
      { cidrs: proxyCidrs, ports: https },
    ];
    const agentPlan = planNaclEntries({
      connectsTo: [
        { cidrs: proxyCidrs, ports: portRanges(this.proxyPorts) },
        { cidrs: endpointCidrs, ports: https },
      ],
      acceptsFrom: sharedEndpointSubnets ? endpointClients : [],
      outsideVpc: https,
      vpcCidr: this.vpc.vpcCidrBlock,
    });
    const endpointPlan = sharedEndpointSubnets
      ? undefined
      : planNaclEntries({
          connectsTo: [],
          acceptsFrom: endpointClients,
          vpcCidr: this.vpc.vpcCidrBlock,
        });
    for (const [what, plan] of [
      ['agent', agentPlan],
      ['endpoint', endpointPlan],
    ] as const) {
      if (plan === undefined) continue;
      const most = Math.max(plan.egress.length, plan.ingress.length);
      if (most > NACL_RULES_PER_DIRECTION) {
        fail(
          `the ${what} subnets' network ACL needs ${most} rules in one direction, more than the ${NACL_RULES_PER_DIRECTION} a NACL holds by default (one rule per subnet and port range). Fix: use fewer Availability Zones, keep the proxy's listener ports consecutive, or raise the "Rules per network ACL" quota and use fewer zones until it applies.`,
        );
      }
    }
    this.agentNetworkAcl = createNetworkAcl(
      this,
      'AgentNetworkAcl',
      this.vpc,
      this.agentSubnets,
      agentPlan,
    );
    tagTier(this.agentNetworkAcl, Tier.AGENT);
    acknowledge(
      this.agentNetworkAcl,
      'AwsSolutions-VPC3',
      'Deliberate second layer under the security groups (control C4): agent subnets may send only to the proxy subnets on the proxy ports, to the endpoints on 443 and outside the VPC (S3 gateway route only) on 443, so one security group mistake cannot open a path.',
    );
    this.endpointNetworkAcl =
      endpointPlan === undefined
        ? undefined
        : createNetworkAcl(
            this,
            'EndpointNetworkAcl',
            this.vpc,
            this.endpointSubnets,
            endpointPlan,
          );
    if (this.endpointNetworkAcl !== undefined) {
      tagTier(this.endpointNetworkAcl, Tier.ENDPOINT);
      acknowledge(
        this.endpointNetworkAcl,
        'AwsSolutions-VPC3',
        'Deliberate second layer under the endpoint security groups (control C4): the endpoint subnets accept only 443 from the agent and proxy subnets and answer only them.',
      );
    }

    // --- Logs -------------------------------------------------------------------------------
    if (props.logKey === undefined) {
      this.logKey = createLogKey(this, 'LogKey');
    } else {
      this.logKey = props.logKey;
      allowCloudWatchLogs(this, props.logKey);
    }
    const retention = props.logRetention ?? (policy.logging.retention_days as RetentionDays);
    this.flowLogGroup = encryptedLogGroup(this, 'FlowLogGroup', this.logKey, retention);
    const flowLogAccess = flowLogRole(this, 'FlowLogRole', this.flowLogGroup);
    this.flowLog = new FlowLog(this, 'FlowLog', {
      resourceType: FlowLogResourceType.fromVpc(this.vpc),
      destination: FlowLogDestination.toCloudWatchLogs(this.flowLogGroup, flowLogAccess.role),
      trafficType: FlowLogTrafficType.ALL,
      logFormat: FLOW_LOG_FORMAT,
      maxAggregationInterval: FlowLogMaxAggregationInterval.ONE_MINUTE,
    });
    // Deliver from the first minute: the role's policy exists before the flow log.
    this.flowLog.node.addDependency(flowLogAccess.policy);
    this.dnsQueryLogGroup = encryptedLogGroup(this, 'DnsQueryLogGroup', this.logKey, retention);
    this.dnsQueryLogging = new DnsQueryLogging(this, 'DnsQueryLogging', {
      vpcId: this.vpc.vpcId,
      logGroup: this.dnsQueryLogGroup,
    });

    // --- DNS firewall -----------------------------------------------------------------------
    this.dnsAllowedDomains = dnsAllowlist(policy, stack.region, stack.urlSuffix, extraDomains);
    this.dnsFirewall = new DnsFirewall(this, 'DnsFirewall', {
      vpcId: this.vpc.vpcId,
      allowedDomains: this.dnsAllowedDomains,
    });
    this.dnsFirewallRuleGroup = this.dnsFirewall.ruleGroup;
    this.dnsFirewallAssociation = this.dnsFirewall.association;

    // --- VPC endpoints ----------------------------------------------------------------------
    const endpoint = (
      id: string,
      service: IInterfaceVpcEndpointService,
      securityGroup: ISecurityGroup,
      statements: readonly PolicyStatement[],
    ) => {
      const created = new InterfaceVpcEndpoint(this, id, {
        vpc: this.vpc,
        service,
        subnets: { subnets: this.endpointSubnets },
        securityGroups: [securityGroup],
        privateDnsEnabled: true,
        // No implicit "443 from the whole VPC" rule: the security groups say who may connect.
        open: false,
      });
      for (const statement of statements) created.addToPolicy(statement);
      return created;
    };
    this.ecrApiEndpoint = endpoint(
      'EcrApiEndpoint',
      InterfaceVpcEndpointAwsService.ECR,
      this.endpointSecurityGroup,
      ecrPullStatements(env),
    );
    this.ecrDockerEndpoint = endpoint(
      'EcrDockerEndpoint',
      InterfaceVpcEndpointAwsService.ECR_DOCKER,
      this.endpointSecurityGroup,
      ecrPullStatements(env),
    );
    this.logsEndpoint = endpoint(
      'LogsEndpoint',
      InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
      this.endpointSecurityGroup,
      logsWriteStatements(env),
    );
    this.secretsManagerEndpoint =
      this.secretsEndpointSecurityGroup === undefined
        ? undefined
        : endpoint(
            'SecretsManagerEndpoint',
            InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
            this.secretsEndpointSecurityGroup,
            secretReadStatements(env, secretNames),
          );
    this.s3Endpoint = new GatewayVpcEndpoint(this, 'S3Endpoint', {
      vpc: this.vpc,
      service: s3Service,
      subnets: [{ subnets: this.agentSubnets }],
    });
    for (const statement of ecrLayerStatements(env)) this.s3Endpoint.addToPolicy(statement);

    guardAgentSecurityGroup(this, this.agentSecurityGroup);
  }

  /** A new VPC: public subnets for NAT only, then proxy, agent and endpoint subnets. */
  private buildVpc(props: AgentNetworkProps, fail: (message: string) => never): Vpc {
    const maxAzs = props.maxAzs ?? AgentNetwork.DEFAULT_MAX_AZS;
    if (!Number.isInteger(maxAzs) || maxAzs < 2) {
      fail(
        `maxAzs is ${maxAzs}, but the perimeter needs at least 2 Availability Zones so that agents and proxy survive a zone failure. Fix: set maxAzs to 2 or more, or leave it out.`,
      );
    }
    const natGateways = props.natGateways ?? maxAzs;
    if (!Number.isInteger(natGateways) || natGateways < 1 || natGateways > maxAzs) {
      fail(
        `natGateways is ${natGateways}; the proxy tier needs between 1 and maxAzs (${maxAzs}) NAT gateways. Fix: leave it out for one per zone, or set 1 to save cost.`,
      );
    }
    const cidr = props.cidr ?? AgentNetwork.DEFAULT_CIDR;
    const prefix = /^\d{1,3}(?:\.\d{1,3}){3}\/(\d{1,2})$/.exec(cidr)?.[1];
    if (prefix === undefined) {
      fail(`cidr "${cidr}" is not an IPv4 CIDR. Fix: use e.g. "${AgentNetwork.DEFAULT_CIDR}".`);
    }
    const perZone = Object.values(SUBNET_MASKS).reduce((sum, mask) => sum + 2 ** (32 - mask), 0);
    if (perZone * maxAzs > 2 ** (32 - Number(prefix))) {
      fail(
        `cidr "${cidr}" is too small for ${maxAzs} Availability Zones (each needs ${perZone} addresses). Fix: use a /17 for two zones or a /16 (the default, "${AgentNetwork.DEFAULT_CIDR}") for up to six.`,
      );
    }
    const vpc = new Vpc(this, 'Vpc', {
      ipAddresses: IpAddresses.cidr(cidr),
      maxAzs,
      natGateways,
      natGatewaySubnets: { subnetGroupName: SUBNET_GROUPS.public },
      // The default security group allows everything between its members; strip its rules.
      restrictDefaultSecurityGroup: true,
      subnetConfiguration: [
        {
          name: SUBNET_GROUPS.public,
          subnetType: SubnetType.PUBLIC,
          cidrMask: SUBNET_MASKS.public,
          // Only NAT gateways live here, and they use Elastic IPs.
          mapPublicIpOnLaunch: false,
        },
        {
          name: SUBNET_GROUPS.proxy,
          subnetType: SubnetType.PRIVATE_WITH_EGRESS,
          cidrMask: SUBNET_MASKS.proxy,
        },
        {
          name: SUBNET_GROUPS.agents,
          subnetType: SubnetType.PRIVATE_ISOLATED,
          cidrMask: SUBNET_MASKS.agents,
        },
        {
          name: SUBNET_GROUPS.endpoints,
          subnetType: SubnetType.PRIVATE_ISOLATED,
          cidrMask: SUBNET_MASKS.endpoints,
        },
      ],
    });
    for (const subnet of vpc.publicSubnets) {
      const route = subnet.node.findChild('DefaultRoute');
      for (const pack of ['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321']) {
        acknowledge(
          route,
          `${pack}-VPCNoUnrestrictedRouteToIGW`,
          'Public subnet that holds only a NAT gateway of the proxy tier, which needs this default route to the internet gateway. Nothing else runs here (no public IPs on launch), and the agent subnets have no route to it.',
        );
      }
    }
    return vpc;
  }

  /** Checks and selects the subnets of an existing VPC. */
  private existingVpcSubnets(
    props: AgentNetworkProps,
    vpc: IVpc,
    fail: (message: string) => never,
  ): { agents: ISubnet[]; proxy: ISubnet[]; endpoints: ISubnet[] } {
    const missing = [
      props.agentSubnets === undefined ? 'agentSubnets' : undefined,
      props.proxySubnets === undefined ? 'proxySubnets' : undefined,
    ].filter((name) => name !== undefined);
    if (missing.length > 0) {
      fail(
        `an existing VPC (${vpc.node.path}) was given without ${missing.join(' and ')}. Fix: pass agentSubnets (isolated subnets, e.g. { subnetType: SubnetType.PRIVATE_ISOLATED }) and proxySubnets (private subnets with a NAT route, e.g. { subnetType: SubnetType.PRIVATE_WITH_EGRESS }).`,
      );
    }
    const newVpcOnly = (['maxAzs', 'cidr', 'natGateways'] as const).filter(
      (name) => props[name] !== undefined,
    );
    if (newVpcOnly.length > 0) {
      fail(
        `${newVpcOnly.join(', ')} only apply to a new VPC, but an existing VPC was given. Fix: remove ${newVpcOnly.join(', ')}, or remove vpc.`,
      );
    }
    const select = (selection: SubnetSelection | undefined, what: string) => {
      const subnets = vpc.selectSubnets(selection).subnets;
      if (subnets.length === 0) fail(`the ${what} subnet selection matches no subnets.`);
      const zones = new Set(subnets.map((s) => s.availabilityZone));
      if (zones.size < 2) {
        fail(
          `the ${what} subnets (${subnets.map((s) => s.subnetId).join(', ')}) are in ${zones.size} Availability Zone; the perimeter needs at least 2. Fix: select subnets in two or more zones.`,
        );
      }
      return subnets;
    };
    const agents = select(props.agentSubnets, 'agent');
    const proxy = select(props.proxySubnets, 'proxy');
    const endpoints =
      props.endpointSubnets === undefined ? agents : select(props.endpointSubnets, 'endpoint');

    const ids = (subnets: readonly ISubnet[]) => new Set(subnets.map((s) => s.subnetId));
    const isolated = ids(vpc.isolatedSubnets);
    const notIsolated = agents.filter((s) => !isolated.has(s.subnetId)).map((s) => s.subnetId);
    if (notIsolated.length > 0) {
      fail(
        `agent subnets must be isolated (no route to an internet, NAT, transit or egress-only gateway), but ${notIsolated.join(', ')} ${notIsolated.length === 1 ? 'is' : 'are'} not among the VPC's isolated subnets. Fix: select isolated subnets, e.g. { subnetType: SubnetType.PRIVATE_ISOLATED }.`,
      );
    }
    const privateIds = ids(vpc.privateSubnets);
    const notPrivate = proxy.filter((s) => !privateIds.has(s.subnetId)).map((s) => s.subnetId);
    if (notPrivate.length > 0) {
      fail(
        `proxy subnets must be private subnets with a NAT route, but ${notPrivate.join(', ')} ${notPrivate.length === 1 ? 'is' : 'are'} not. Fix: select { subnetType: SubnetType.PRIVATE_WITH_EGRESS }.`,
      );
    }
    const overlap = (a: readonly ISubnet[], b: readonly ISubnet[]) => {
      const other = ids(b);
      return a.filter((s) => other.has(s.subnetId)).map((s) => s.subnetId);
    };
    const agentProxy = overlap(agents, proxy);
    if (agentProxy.length > 0) {
      fail(
        `subnets ${agentProxy.join(', ')} are selected for both agents and proxy; agents must not share a subnet with anything that has a way out. Fix: select disjoint subnets.`,
      );
    }
    if (!sameSubnets(endpoints, agents)) {
      const shared = [...overlap(endpoints, agents), ...overlap(endpoints, proxy)];
      if (shared.length > 0) {
        fail(
          `endpoint subnets must be exactly the agent subnets or share no subnet with agents or proxy, but ${shared.join(', ')} ${shared.length === 1 ? 'is' : 'are'} shared. Fix: leave endpointSubnets out, or select dedicated isolated subnets.`,
        );
      }
      const notIsolatedEndpoints = endpoints.filter((s) => !isolated.has(s.subnetId));
      if (notIsolatedEndpoints.length > 0) {
        fail(
          `endpoint subnets must be isolated, but ${notIsolatedEndpoints.map((s) => s.subnetId).join(', ')} ${notIsolatedEndpoints.length === 1 ? 'is' : 'are'} not. Fix: select isolated subnets.`,
        );
      }
    }
    return { agents, proxy, endpoints };
  }
}

function sameSubnets(a: readonly ISubnet[], b: readonly ISubnet[]): boolean {
  const ids = new Set(a.map((s) => s.subnetId));
  return a.length === b.length && b.every((s) => ids.has(s.subnetId));
}
