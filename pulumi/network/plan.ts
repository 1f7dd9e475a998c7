import { GOOGLE_API_VIPS, profileNetworkTag } from '../../lib/contract/tiers.js';
import {
  DEFAULT_INTERNAL_RANGES,
  hostProblem,
  type Policy,
  type ProxyPorts,
  policyProfiles,
  proxyEgress,
  proxyPorts,
  proxyUpstreams,
} from '../../lib/policy/index.js';
import {
  addressesOf,
  containsAddress,
  hostAddress,
  type Ipv4Range,
  isPrivate,
  overlaps,
  PRIVATE_RANGES,
  parseCidr,
  rangeSize,
} from '../cidr.js';
import { GcpPerimeterError } from '../errors.js';
import { AGENT_TAG, fitName, fqdn, PROXY_TAG, resourceDescription } from '../names.js';
import { gcpProxyRegistryNames } from '../proxy-tier/image.js';

/*
 * The network of the GCP perimeter as plain data: subnets, routes, firewall rules and DNS.
 * `AgentNetwork` turns this plan into resources one to one; tests check the plan directly.
 */

/** restricted.googleapis.com: Google APIs that support VPC Service Controls, over private routing. */
export const RESTRICTED_GOOGLE_APIS_RANGE = GOOGLE_API_VIPS.restricted;
/** The four addresses of {@link RESTRICTED_GOOGLE_APIS_RANGE}, for the private DNS zone. */
export const RESTRICTED_GOOGLE_APIS_IPS: readonly string[] = addressesOf(
  RESTRICTED_GOOGLE_APIS_RANGE,
);
/** Where Google's load-balancer and autohealing health checks come from. */
export const HEALTH_CHECK_RANGES: readonly string[] = ['35.191.0.0/16', '130.211.0.0/22'];
/** The next hop that leaves the VPC (through Cloud NAT for instances without external IPs). */
export const DEFAULT_INTERNET_GATEWAY = 'default-internet-gateway';
/** Priority of the logged deny-all rules: below every rule the perimeter adds. */
export const DENY_ALL_PRIORITY = 65534;
/** Priority of the perimeter's allow rules. */
export const ALLOW_PRIORITY = 1000;
/** Priority of deny rules that must win over the allow rules. */
export const GUARD_PRIORITY = 900;
/** Priority of the allow rules for internal (`private`) entries, which win over the guard. */
export const INTERNAL_UPSTREAM_PRIORITY = 890;
/** Priority of the perimeter's routes (lower wins; equal-length prefixes only). */
export const ROUTE_PRIORITY = 1000;
/** Smallest agent subnet: Cloud Run Direct VPC egress needs at least a /26. */
export const MAX_AGENT_PREFIX = 26;
/** Smallest proxy subnet. */
export const MAX_PROXY_PREFIX = 28;

/**
 * Names that resolve through the DNS allowlist whatever the policy says: Google APIs (answered
 * by the private restricted.googleapis.com zone) and `.internal` (the metadata server and VM
 * host names, answered by Google's internal DNS; no one can register a `.internal` domain).
 */
export const BUILT_IN_DNS_NAMES: readonly string[] = ['*.googleapis.com', '*.internal'];

/** Options of {@link planNetwork}, and so of `AgentNetworkArgs`. */
export interface NetworkPlanOptions {
  /** Region of the proxy, for its Artifact Registry host. @default - any `*.pkg.dev` host */
  readonly region?: string;
  /**
   * Agent subnet (Cloud Run Direct VPC egress), a private IPv4 range of at least a /26.
   * @default AgentNetwork.DEFAULT_AGENT_CIDR ("10.80.0.0/20")
   */
  readonly agentCidr?: string;
  /**
   * Proxy subnet (Envoy instances and the internal load balancer), at least a /28.
   * @default AgentNetwork.DEFAULT_PROXY_CIDR ("10.80.16.0/24")
   */
  readonly proxyCidr?: string;
  /**
   * Address of the proxy's internal load balancer, inside `proxyCidr`. Planned up front so the
   * agents' firewall rule can name it exactly.
   * @default - the last usable address of `proxyCidr` (10.80.16.253 for the default)
   */
  readonly proxyLoadBalancerIp?: string;
  /**
   * Let agents reach restricted.googleapis.com on 443. Without VPC Service Controls around the
   * project this is a data channel (an agent can call Google APIs with credentials of its own),
   * so turn it off unless agents need a Google API, or add a VPC-SC perimeter.
   * @default true
   */
  readonly agentGoogleApis?: boolean;
  /**
   * Resolve only allowlisted names in the VPC (a Cloud DNS response policy: pass-through rules
   * for the policy's hosts, the Envoy image registry, Google APIs and `.internal`, and a
   * catch-all answer of 0.0.0.0 for every other name), closing DNS as a data channel.
   * @default true
   */
  readonly dnsAllowlist?: boolean;
  /**
   * More names the DNS allowlist lets resolve. Exact names or "*.example.com".
   * @default - none
   */
  readonly extraDnsNames?: readonly string[];
}

export const DEFAULT_AGENT_CIDR = '10.80.0.0/20';
export const DEFAULT_PROXY_CIDR = '10.80.16.0/24';

/** A static route. `tags` empty: every instance in the network uses it. */
export interface RoutePlan {
  readonly name: string;
  readonly description: string;
  readonly destRange: string;
  readonly priority: number;
  readonly tags: readonly string[];
}

/** A VPC firewall rule. Empty `targetTags`: every instance; empty `ports`: every port. */
export interface FirewallRulePlan {
  readonly name: string;
  readonly description: string;
  readonly direction: 'INGRESS' | 'EGRESS';
  readonly priority: number;
  readonly action: 'allow' | 'deny';
  readonly protocol: 'tcp' | 'all';
  readonly ports: readonly string[];
  readonly sourceRanges: readonly string[];
  readonly destinationRanges: readonly string[];
  readonly targetTags: readonly string[];
}

/** A DNS record inside a zone or a response-policy rule. */
export interface DnsRecordPlan {
  readonly name: string;
  readonly type: 'A' | 'CNAME';
  readonly ttl: number;
  readonly rrdatas: readonly string[];
}

/** A Cloud DNS response-policy rule: either let the name resolve, or answer it locally. */
export interface ResponsePolicyRulePlan {
  readonly ruleName: string;
  readonly dnsName: string;
  readonly behavior?: 'bypassResponsePolicy';
  readonly localData?: readonly DnsRecordPlan[];
}

export interface NetworkPlan {
  readonly names: {
    readonly network: string;
    readonly agentSubnet: string;
    readonly proxySubnet: string;
    readonly router: string;
    readonly nat: string;
    readonly googleApisZone: string;
    readonly responsePolicy: string;
  };
  readonly agentCidr: string;
  readonly proxyCidr: string;
  /** The internal load balancer's address: what agents use as their proxy host. */
  readonly proxyLoadBalancerIp: string;
  /** The proxy's listener ports (`proxyPorts` in lib/policy). */
  readonly ports: ProxyPorts;
  /**
   * Ports the proxy may open to the internet: the policy's ports, plus 443 when the Envoy
   * image comes from a registry on the internet (the instances pull it at boot).
   */
  readonly upstreamPorts: readonly number[];
  /** DNS names the proxy pulls its image from (`gcpProxyRegistryNames`: Artifact Registry). */
  readonly registryNames: readonly string[];
  readonly agentGoogleApis: boolean;
  readonly routes: readonly RoutePlan[];
  readonly firewallRules: readonly FirewallRulePlan[];
  /** Records of the private `googleapis.com.` zone. */
  readonly googleApisRecords: readonly DnsRecordPlan[];
  /** Names the DNS allowlist lets resolve (policy hosts, extras, built-ins), as written. */
  readonly dnsAllowedNames: readonly string[];
  /** Rules of the DNS allowlist; empty when it is off. */
  readonly responsePolicyRules: readonly ResponsePolicyRulePlan[];
}

const COMPONENT = 'AgentNetwork';
const fail = (message: string): never => {
  throw new GcpPerimeterError(COMPONENT, message);
};

function checkedRange(value: string, what: string, example: string): Ipv4Range {
  const range = parseCidr(value);
  if (range === undefined) {
    return fail(
      `${what} "${value}" is not an IPv4 CIDR with its host bits zero. Fix: use e.g. "${example}".`,
    );
  }
  if (!isPrivate(range)) {
    return fail(
      `${what} "${value}" is not inside a private range (${PRIVATE_RANGES.join(', ')}). Fix: use e.g. "${example}".`,
    );
  }
  return range;
}

/** The DNS allowlist's rules: one pass-through per allowed name, then a catch-all answer. */
function responsePolicyRules(names: readonly string[]): ResponsePolicyRulePlan[] {
  const rules: ResponsePolicyRulePlan[] = names.map((name) => ({
    ruleName: fitName(`allow-${name.replace(/^\*\./, 'any-').replace(/\./g, '-')}`, 63),
    dnsName: fqdn(name),
    behavior: 'bypassResponsePolicy',
  }));
  rules.push({
    ruleName: 'deny-everything-else',
    dnsName: '*.',
    localData: [{ name: '*.', type: 'A', ttl: 300, rrdatas: ['0.0.0.0'] }],
  });
  return rules;
}

/**
 * Plans the perimeter network for `policy`: validates the address plan and returns every
 * route, firewall rule and DNS record the network needs. Pure: same input, same plan.
 */
export function planNetwork(policy: Policy, options: NetworkPlanOptions = {}): NetworkPlan {
  const ports = proxyPorts(policy);
  const profiles = policyProfiles(policy);
  const agentCidr = options.agentCidr ?? DEFAULT_AGENT_CIDR;
  const proxyCidr = options.proxyCidr ?? DEFAULT_PROXY_CIDR;
  const agent = checkedRange(agentCidr, 'agentCidr', DEFAULT_AGENT_CIDR);
  const proxy = checkedRange(proxyCidr, 'proxyCidr', DEFAULT_PROXY_CIDR);
  if (agent.prefix > MAX_AGENT_PREFIX) {
    fail(
      `agentCidr "${agentCidr}" is a /${agent.prefix}; Cloud Run Direct VPC egress needs at least a /${MAX_AGENT_PREFIX} (it takes two addresses per instance during deploys). Fix: use a /${MAX_AGENT_PREFIX} or larger, e.g. "${DEFAULT_AGENT_CIDR}".`,
    );
  }
  if (proxy.prefix > MAX_PROXY_PREFIX) {
    fail(
      `proxyCidr "${proxyCidr}" is a /${proxy.prefix}, too small for the load balancer address and the proxy instances. Fix: use a /${MAX_PROXY_PREFIX} or larger, e.g. "${DEFAULT_PROXY_CIDR}".`,
    );
  }
  // GCP reserves 4 addresses per subnet; a rolling update surges up to 3 extra instances.
  const needed = policy.proxy.replicas.max + 3 + 1 + 4;
  if (rangeSize(proxy) < needed) {
    fail(
      `proxyCidr "${proxyCidr}" holds ${rangeSize(proxy)} addresses, fewer than the ${needed} that proxy.replicas.max (${policy.proxy.replicas.max}) plus surge, the load balancer and GCP's reserved addresses need. Fix: use a larger range.`,
    );
  }
  if (overlaps(agent, proxy)) {
    fail(
      `agentCidr "${agentCidr}" and proxyCidr "${proxyCidr}" overlap. Fix: give them disjoint ranges, e.g. "${DEFAULT_AGENT_CIDR}" and "${DEFAULT_PROXY_CIDR}".`,
    );
  }
  // GCP reserves the first two and the last two addresses; default to the last usable one.
  const proxyLoadBalancerIp =
    options.proxyLoadBalancerIp ?? hostAddress(proxy, rangeSize(proxy) - 3);
  const reserved = [0, 1, rangeSize(proxy) - 2, rangeSize(proxy) - 1].map((i) =>
    hostAddress(proxy, i),
  );
  if (!containsAddress(proxy, proxyLoadBalancerIp) || reserved.includes(proxyLoadBalancerIp)) {
    fail(
      `proxyLoadBalancerIp "${proxyLoadBalancerIp}" is not a usable address of proxyCidr "${proxyCidr}" (GCP reserves ${reserved.join(', ')}). Fix: pick another address inside the range, or leave it out.`,
    );
  }

  const extra = [...(options.extraDnsNames ?? [])];
  for (const name of extra) {
    const problem = hostProblem(name);
    if (problem !== undefined) fail(`extraDnsNames entry "${name}" ${problem}`);
  }

  const registryNames = gcpProxyRegistryNames(policy.proxy.image, options.region);
  const upstreams = proxyUpstreams(policy);
  // Public entries' ports, and 443 for image pulls from a public registry.
  const upstreamPorts = [
    ...new Set([...upstreams.publicPorts, ...(registryNames.length > 0 ? [443] : [])]),
  ].sort((a, b) => a - b);
  const n = policy.name;
  const agentGoogleApis = options.agentGoogleApis ?? true;
  const tcp = (list: readonly number[]) => list.map(String);
  const routes: RoutePlan[] = [
    {
      name: `${n}-restricted-google-apis`,
      description: resourceDescription(
        policy,
        `Private Google Access through restricted.googleapis.com (VPC Service Controls VIP)${agentGoogleApis ? '' : ', proxy instances only'}.`,
      ),
      destRange: RESTRICTED_GOOGLE_APIS_RANGE,
      priority: ROUTE_PRIORITY,
      tags: agentGoogleApis ? [] : [PROXY_TAG],
    },
    {
      name: `${n}-proxy-internet`,
      description: resourceDescription(
        policy,
        `the only default route, for instances tagged ${PROXY_TAG} (Envoy through Cloud NAT). Agents have no route out.`,
      ),
      destRange: '0.0.0.0/0',
      priority: ROUTE_PRIORITY,
      tags: [PROXY_TAG],
    },
  ];

  const rule = (
    plan: Omit<FirewallRulePlan, 'sourceRanges' | 'destinationRanges' | 'ports'> &
      Partial<Pick<FirewallRulePlan, 'sourceRanges' | 'destinationRanges' | 'ports'>>,
  ): FirewallRulePlan => ({
    ports: [],
    sourceRanges: [],
    destinationRanges: [],
    ...plan,
  });
  const denyAll = (direction: FirewallRulePlan['direction']): FirewallRulePlan => {
    const way = direction.toLowerCase();
    return rule({
      name: `${n}-deny-all-${way}`,
      description: resourceDescription(policy, `deny and log every ${way} no rule above allows.`),
      direction,
      priority: DENY_ALL_PRIORITY,
      action: 'deny',
      protocol: 'all',
      ...(direction === 'EGRESS'
        ? { destinationRanges: ['0.0.0.0/0'] }
        : { sourceRanges: ['0.0.0.0/0'] }),
      targetTags: [],
    });
  };
  // Agents (when allowed) and the proxy reach Google APIs only at the restricted VIP, on 443.
  const toGoogleApis = (who: string, tag: string, description: string): FirewallRulePlan =>
    rule({
      name: `${n}-${who}-to-google-apis`,
      description,
      direction: 'EGRESS',
      priority: ALLOW_PRIORITY,
      action: 'allow',
      protocol: 'tcp',
      ports: ['443'],
      destinationRanges: [RESTRICTED_GOOGLE_APIS_RANGE],
      targetTags: [tag],
    });
  const firewallRules: FirewallRulePlan[] = [
    denyAll('EGRESS'),
    denyAll('INGRESS'),
    // One profile: one rule for every agent. Several: one rule per profile, selecting that
    // profile's network tag, on its own listeners only.
    ...(profiles.length < 2
      ? [
          rule({
            name: `${n}-agent-to-proxy`,
            description: resourceDescription(
              policy,
              'agents reach the proxy load balancer on its listener ports only.',
            ),
            direction: 'EGRESS',
            priority: ALLOW_PRIORITY,
            action: 'allow',
            protocol: 'tcp',
            ports: tcp(ports.agentFacing),
            destinationRanges: [`${proxyLoadBalancerIp}/32`],
            targetTags: [AGENT_TAG],
          }),
        ]
      : profiles.map((p) =>
          rule({
            name: fitName(`${n}-agent-${p.name}-to-proxy`, 63),
            description: resourceDescription(
              policy,
              `agents of profile ${p.name} reach the proxy load balancer on its own listener ports only.`,
            ),
            direction: 'EGRESS',
            priority: ALLOW_PRIORITY,
            action: 'allow',
            protocol: 'tcp',
            ports: tcp(p.agentFacing),
            destinationRanges: [`${proxyLoadBalancerIp}/32`],
            targetTags: [profileNetworkTag(p.name)],
          }),
        )),
    ...(agentGoogleApis
      ? [
          toGoogleApis(
            'agent',
            AGENT_TAG,
            resourceDescription(policy, 'agents reach restricted.googleapis.com on 443.'),
          ),
        ]
      : []),
    rule({
      name: `${n}-proxy-from-agents`,
      description: resourceDescription(policy, 'the proxy accepts agents on its listener ports.'),
      direction: 'INGRESS',
      priority: ALLOW_PRIORITY,
      action: 'allow',
      protocol: 'tcp',
      ports: tcp(ports.agentFacing),
      sourceRanges: [agentCidr],
      targetTags: [PROXY_TAG],
    }),
    rule({
      name: `${n}-proxy-from-health-checks`,
      description: resourceDescription(
        policy,
        "Google health checks reach the proxy's health port.",
      ),
      direction: 'INGRESS',
      priority: ALLOW_PRIORITY,
      action: 'allow',
      protocol: 'tcp',
      ports: [String(ports.health)],
      sourceRanges: [...HEALTH_CHECK_RANGES],
      targetTags: [PROXY_TAG],
    }),
    toGoogleApis(
      'proxy',
      PROXY_TAG,
      resourceDescription(
        policy,
        'the proxy reaches restricted.googleapis.com on 443 (Secret Manager, Logging, Monitoring).',
      ),
    ),
    ...upstreams.internal.map(({ cidr, ports: internalPorts }, i) =>
      rule({
        name: `${n}-proxy-to-internal-${i + 1}`,
        description: resourceDescription(
          policy,
          `the proxy reaches the internal range ${cidr} on the ports of the policy's private entries (Envoy checks every resolved address against it).`,
        ),
        direction: 'EGRESS',
        priority: INTERNAL_UPSTREAM_PRIORITY,
        action: 'allow',
        protocol: 'tcp',
        ports: tcp(internalPorts),
        destinationRanges: [cidr],
        targetTags: [PROXY_TAG],
      }),
    ),
    rule({
      name: `${n}-proxy-to-upstream`,
      description: resourceDescription(
        policy,
        "the proxy reaches the internet on the policy's ports only; Envoy and the FQDN firewall policy narrow it to the allowlisted names.",
      ),
      direction: 'EGRESS',
      priority: ALLOW_PRIORITY,
      action: 'allow',
      protocol: 'tcp',
      ports: tcp(upstreamPorts),
      destinationRanges: ['0.0.0.0/0'],
      targetTags: [PROXY_TAG],
    }),
    rule({
      name: `${n}-proxy-deny-private`,
      description: resourceDescription(
        policy,
        'the proxy never opens connections into internal ranges (agents, other VPC hosts, peered networks, DNS-rebinding targets) except those its private entries name.',
      ),
      direction: 'EGRESS',
      priority: GUARD_PRIORITY,
      action: 'deny',
      protocol: 'all',
      destinationRanges: [...DEFAULT_INTERNAL_RANGES],
      targetTags: [PROXY_TAG],
    }),
  ];

  const dnsAllowedNames = [
    ...new Set([
      ...proxyEgress(policy).map((e) => e.host),
      ...registryNames,
      ...extra,
      ...BUILT_IN_DNS_NAMES,
    ]),
  ];
  const dnsAllowlist = options.dnsAllowlist ?? true;

  return {
    names: {
      network: `${n}-perimeter`,
      agentSubnet: `${n}-agents`,
      proxySubnet: `${n}-proxy`,
      router: `${n}-router`,
      nat: `${n}-proxy-nat`,
      googleApisZone: `${n}-googleapis`,
      responsePolicy: `${n}-dns-allowlist`,
    },
    agentCidr,
    proxyCidr,
    proxyLoadBalancerIp,
    ports,
    upstreamPorts,
    registryNames,
    agentGoogleApis,
    routes,
    firewallRules,
    googleApisRecords: [
      {
        name: 'restricted.googleapis.com.',
        type: 'A',
        ttl: 300,
        rrdatas: [...RESTRICTED_GOOGLE_APIS_IPS],
      },
      {
        name: '*.googleapis.com.',
        type: 'CNAME',
        ttl: 300,
        rrdatas: ['restricted.googleapis.com.'],
      },
    ],
    dnsAllowedNames,
    responsePolicyRules: dnsAllowlist ? responsePolicyRules(dnsAllowedNames) : [],
  };
}
