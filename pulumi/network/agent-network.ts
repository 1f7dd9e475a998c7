import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import type { Policy } from '../../lib/policy/index.js';
import { AGENT_TAG, labels, PROXY_TAG, resourceDescription } from '../names.js';
import {
  DEFAULT_AGENT_CIDR,
  DEFAULT_INTERNET_GATEWAY,
  DEFAULT_PROXY_CIDR,
  type FirewallRulePlan,
  type NetworkPlan,
  type NetworkPlanOptions,
  planNetwork,
} from './plan.js';

/** Arguments of {@link AgentNetwork}. */
export interface AgentNetworkArgs extends NetworkPlanOptions {
  /** The validated policy: its ports and hosts drive the firewall rules and the DNS allowlist. */
  readonly policy: Policy;
  /** Region of the subnets, Cloud Router and Cloud NAT, e.g. "us-central1". */
  readonly region: string;
  /**
   * Fraction of flows the subnets' VPC flow logs record (0 to 1).
   * @default 1
   */
  readonly flowLogSampling?: number;
}

/**
 * The network of the GCP agent perimeter (controls C10, C17, C18 and the DNS, IP-literal,
 * IPv6, UDP and neighbour-sandbox escape routes):
 *
 * - a custom-mode VPC created without its default route, IPv4 only;
 * - agent and proxy subnets with flow logs (all metadata) and Private Google Access;
 * - two routes added back: restricted.googleapis.com, and a default route only for
 *   instances tagged `agent-perimeter-proxy`; Cloud NAT covers the proxy subnet only;
 * - VPC firewall rules: logged deny-all in both directions at the lowest priority, agents
 *   to the proxy load balancer on its ports (and to Google APIs on 443), the proxy to the
 *   policy's ports, health checks to the proxy's health port, nothing else;
 * - Cloud DNS: restricted.googleapis.com for every *.googleapis.com name, and a response
 *   policy that answers only allowlisted names.
 *
 * The network evaluates network firewall policies before the VPC rules, so the proxy tier's
 * FQDN policy (`ProxyTier.egressPolicy`) is a second, independent layer.
 */
export class AgentNetwork extends pulumi.ComponentResource {
  static readonly DEFAULT_AGENT_CIDR = DEFAULT_AGENT_CIDR;
  static readonly DEFAULT_PROXY_CIDR = DEFAULT_PROXY_CIDR;
  /** Network tag agents must carry; firewall rules select agents by it. */
  static readonly AGENT_TAG = AGENT_TAG;
  /** Network tag of the proxy instances (default route, NAT, proxy firewall rules). */
  static readonly PROXY_TAG = PROXY_TAG;

  /** Everything below, as data. */
  readonly plan: NetworkPlan;
  readonly network: gcp.compute.Network;
  readonly agentSubnet: gcp.compute.Subnetwork;
  readonly proxySubnet: gcp.compute.Subnetwork;
  /** Routes by name. */
  readonly routes: Readonly<Record<string, gcp.compute.Route>>;
  readonly router: gcp.compute.Router;
  /** Cloud NAT for the proxy subnet only. */
  readonly nat: gcp.compute.RouterNat;
  /** VPC firewall rules by name. */
  readonly firewallRules: Readonly<Record<string, gcp.compute.Firewall>>;
  /** Private zone `googleapis.com.` pointing at restricted.googleapis.com. */
  readonly googleApisZone: gcp.dns.ManagedZone;
  readonly googleApisRecords: readonly gcp.dns.RecordSet[];
  /** The DNS allowlist; undefined when `dnsAllowlist` is false. */
  readonly responsePolicy: gcp.dns.ResponsePolicy | undefined;
  readonly responsePolicyRules: readonly gcp.dns.ResponsePolicyRule[];
  /** Address agents use as their proxy host (the internal load balancer's). */
  readonly proxyLoadBalancerIp: string;

  constructor(name: string, args: AgentNetworkArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super('agent-perimeter:gcp:AgentNetwork', name, {}, opts);
    const { policy, region } = args;
    const plan = planNetwork(policy, args);
    this.plan = plan;
    this.proxyLoadBalancerIp = plan.proxyLoadBalancerIp;
    const parent = { parent: this };
    const sampling = args.flowLogSampling ?? 1;

    this.network = new gcp.compute.Network(
      `${name}-vpc`,
      {
        name: plan.names.network,
        description: resourceDescription(policy, 'contained agents and their Envoy egress proxy.'),
        autoCreateSubnetworks: false,
        deleteDefaultRoutesOnCreate: true,
        routingMode: 'REGIONAL',
        enableUlaInternalIpv6: false,
        networkFirewallPolicyEnforcementOrder: 'BEFORE_CLASSIC_FIREWALL',
      },
      parent,
    );
    const subnet = (id: string, subnetName: string, cidr: string, what: string) =>
      new gcp.compute.Subnetwork(
        `${name}-${id}`,
        {
          name: subnetName,
          description: resourceDescription(policy, `${what}.`),
          network: this.network.id,
          region,
          ipCidrRange: cidr,
          purpose: 'PRIVATE',
          stackType: 'IPV4_ONLY',
          privateIpGoogleAccess: true,
          logConfig: {
            aggregationInterval: 'INTERVAL_5_SEC',
            flowSampling: sampling,
            metadata: 'INCLUDE_ALL_METADATA',
          },
        },
        parent,
      );
    this.agentSubnet = subnet(
      'agents',
      plan.names.agentSubnet,
      plan.agentCidr,
      'agents (Cloud Run Direct VPC egress); no route out',
    );
    this.proxySubnet = subnet(
      'proxy',
      plan.names.proxySubnet,
      plan.proxyCidr,
      'Envoy proxy instances and their internal load balancer',
    );

    this.routes = Object.fromEntries(
      plan.routes.map((route) => [
        route.name,
        new gcp.compute.Route(
          `${name}-route-${route.name.slice(policy.name.length + 1)}`,
          {
            name: route.name,
            description: route.description,
            network: this.network.id,
            destRange: route.destRange,
            nextHopGateway: DEFAULT_INTERNET_GATEWAY,
            priority: route.priority,
            ...(route.tags.length > 0 ? { tags: [...route.tags] } : {}),
          },
          parent,
        ),
      ]),
    );

    this.router = new gcp.compute.Router(
      `${name}-router`,
      {
        name: plan.names.router,
        description: resourceDescription(policy, 'Cloud NAT for the proxy subnet.'),
        network: this.network.id,
        region,
      },
      parent,
    );
    this.nat = new gcp.compute.RouterNat(
      `${name}-nat`,
      {
        name: plan.names.nat,
        router: this.router.name,
        region,
        natIpAllocateOption: 'AUTO_ONLY',
        sourceSubnetworkIpRangesToNat: 'LIST_OF_SUBNETWORKS',
        subnetworks: [{ name: this.proxySubnet.id, sourceIpRangesToNats: ['ALL_IP_RANGES'] }],
        endpointTypes: ['ENDPOINT_TYPE_VM'],
        enableEndpointIndependentMapping: false,
        enableDynamicPortAllocation: true,
        minPortsPerVm: 1024,
        maxPortsPerVm: 65536,
        logConfig: { enable: true, filter: 'ALL' },
      },
      parent,
    );

    this.firewallRules = Object.fromEntries(
      plan.firewallRules.map((rule) => [
        rule.name,
        new gcp.compute.Firewall(
          `${name}-fw-${rule.name.slice(policy.name.length + 1)}`,
          firewallArgs(rule, this.network.id),
          parent,
        ),
      ]),
    );

    const networks = [{ networkUrl: this.network.id }];
    this.googleApisZone = new gcp.dns.ManagedZone(
      `${name}-googleapis`,
      {
        name: plan.names.googleApisZone,
        description: resourceDescription(
          policy,
          'Google APIs through restricted.googleapis.com only.',
        ),
        dnsName: 'googleapis.com.',
        visibility: 'private',
        privateVisibilityConfig: { networks },
        labels: labels(policy, 'network'),
      },
      parent,
    );
    this.googleApisRecords = plan.googleApisRecords.map(
      (record) =>
        new gcp.dns.RecordSet(
          `${name}-googleapis-${record.type.toLowerCase()}`,
          {
            managedZone: this.googleApisZone.name,
            name: record.name,
            type: record.type,
            ttl: record.ttl,
            rrdatas: [...record.rrdatas],
          },
          parent,
        ),
    );

    if (plan.responsePolicyRules.length > 0) {
      const responsePolicy = new gcp.dns.ResponsePolicy(
        `${name}-dns-allowlist`,
        {
          responsePolicyName: plan.names.responsePolicy,
          description: resourceDescription(
            policy,
            'resolve only allowlisted names; every other name answers 0.0.0.0.',
          ),
          networks,
        },
        parent,
      );
      this.responsePolicy = responsePolicy;
      this.responsePolicyRules = plan.responsePolicyRules.map(
        (rule) =>
          new gcp.dns.ResponsePolicyRule(
            `${name}-dns-${rule.ruleName}`,
            {
              responsePolicy: responsePolicy.responsePolicyName,
              ruleName: rule.ruleName,
              dnsName: rule.dnsName,
              ...(rule.behavior === undefined ? {} : { behavior: rule.behavior }),
              ...(rule.localData === undefined
                ? {}
                : {
                    localData: {
                      localDatas: rule.localData.map((r) => ({ ...r, rrdatas: [...r.rrdatas] })),
                    },
                  }),
            },
            parent,
          ),
      );
    } else {
      this.responsePolicy = undefined;
      this.responsePolicyRules = [];
    }

    this.registerOutputs({
      networkId: this.network.id,
      agentSubnetId: this.agentSubnet.id,
      proxySubnetId: this.proxySubnet.id,
      proxyLoadBalancerIp: this.proxyLoadBalancerIp,
    });
  }
}

/** The Firewall resource arguments of one planned rule; every rule is logged. */
export function firewallArgs(
  rule: FirewallRulePlan,
  network: pulumi.Input<string>,
): gcp.compute.FirewallArgs {
  const match = [
    rule.protocol === 'all'
      ? { protocol: 'all' }
      : { protocol: rule.protocol, ports: [...rule.ports] },
  ];
  return {
    name: rule.name,
    description: rule.description,
    network,
    direction: rule.direction,
    priority: rule.priority,
    ...(rule.action === 'allow' ? { allows: match } : { denies: match }),
    ...(rule.sourceRanges.length > 0 ? { sourceRanges: [...rule.sourceRanges] } : {}),
    ...(rule.destinationRanges.length > 0
      ? { destinationRanges: [...rule.destinationRanges] }
      : {}),
    ...(rule.targetTags.length > 0 ? { targetTags: [...rule.targetTags] } : {}),
    logConfig: { metadata: 'INCLUDE_ALL_METADATA' },
  };
}
