/** The ways out of the agent tier the verifier knows; every violation names one. */
export const CHANNELS = {
  'route-to-internet':
    'A route in an agent route table leaves the network (internet, NAT, egress-only, transit, peering or VPN gateway, an instance, a network interface or a firewall endpoint), NAT serves an agent subnet, or the workload bypasses the network.',
  'public-ip': 'An agent can get an address reachable from the internet.',
  ipv6: 'An agent subnet or interface has IPv6, which the IPv4-only controls do not cover.',
  'sg-egress':
    'A firewall group on an agent allows traffic beyond the proxy tier on its ports and the endpoints on 443.',
  'sg-ingress':
    'A firewall group on an agent admits connections from outside the perimeter (their replies are a way out).',
  'cross-profile':
    "An agent of one profile can reach another profile's listeners on the proxy (its allowlist and credentials), or its profile is not known.",
  lateral: 'Agents may talk to each other (another sandbox in the same tier).',
  'nacl-weakened':
    'The stateless subnet ACL would let traffic out if a firewall group were widened (one layer instead of two).',
  'dns-firewall':
    'DNS is a way out: no DNS firewall that blocks by default, a rule that allows everything, fail-open, or a custom resolver.',
  'endpoint-policy':
    "A service endpoint agents can reach allows any resource or wildcard actions, or the agents' own identity holds permissions on the provider's APIs (a data channel).",
  'unprotected-workload':
    'A workload runs in an agent subnet, or runs an agent, without the agent firewall group.',
  identity:
    'Something other than what the perimeter expects answers on an address agents may reach: another workload or service in the proxy or endpoint tier, a load-balancer target that is not the proxy, or a proxy with another image, identity or configuration than the policy renders.',
  'cannot-prove':
    'Something that matters for containment is not visible in the input (an import, a parameter, a nested stack).',
} as const;

export type Channel = keyof typeof CHANNELS;

export const CHANNEL_NAMES = Object.keys(CHANNELS) as Channel[];

export interface Violation {
  /** The resource to change (a CloudFormation logical id). */
  readonly resource: string;
  readonly channel: Channel;
  /** What path it opens and how to fix it. */
  readonly explanation: string;
  /** The template or stack it was found in. */
  readonly source?: string;
}

/** `VIOLATION <resource>: <channel>: <explanation>` */
export function formatViolation(v: Violation, withSource = false): string {
  const where = withSource && v.source !== undefined ? `${v.source}:${v.resource}` : v.resource;
  return `VIOLATION ${where}: ${v.channel}: ${v.explanation}`;
}

/** Drops exact duplicates and sorts by resource, then channel. */
export function dedupeViolations(list: readonly Violation[]): Violation[] {
  const seen = new Map<string, Violation>();
  for (const v of list) {
    const key = `${v.source ?? ''}\u0000${v.resource}\u0000${v.channel}\u0000${v.explanation}`;
    if (!seen.has(key)) seen.set(key, v);
  }
  return [...seen.values()].sort(
    (a, b) =>
      (a.source ?? '').localeCompare(b.source ?? '') ||
      a.resource.localeCompare(b.resource) ||
      a.channel.localeCompare(b.channel) ||
      a.explanation.localeCompare(b.explanation),
  );
}
