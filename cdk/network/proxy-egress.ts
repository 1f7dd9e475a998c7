import {
  nonInternalIpv4Cidrs,
  type PortRange,
  type ProxyUpstreams,
  portRanges,
} from '../../lib/policy/index.js';

/*
 * The proxy security group's outbound rules to upstreams. Envoy refuses guarded addresses
 * after every lookup; this is the network layer of the same rule (C4): public entries' ports
 * go to everything outside the internal networks (so never into the VPC, its interface
 * endpoints, or networks behind peering or a transit gateway), and internal (`private`)
 * entries' ports go to their own ranges only. Security groups cannot deny, so "everything
 * outside" is the list of blocks that covers it.
 */

/** One outbound rule: a CIDR on a port range. */
export interface ProxyEgressRule {
  readonly cidr: string;
  readonly ports: PortRange;
  readonly internal: boolean;
}

export interface ProxyEgressPlan {
  readonly rules: readonly ProxyEgressRule[];
  /**
   * True when the public ports had to share one range to fit the security group: the network
   * layer then opens the ports between them too, while Envoy still allows only the listed ones.
   */
  readonly collapsed: boolean;
}

/** Rules the proxy group needs besides upstreams: interface endpoints, S3, Secrets Manager. */
export const OTHER_PROXY_EGRESS_RULES = 8;

function span(ranges: readonly PortRange[]): PortRange[] {
  const first = ranges[0];
  const last = ranges.at(-1);
  return first === undefined || last === undefined ? [] : [{ from: first.from, to: last.to }];
}

/**
 * Plans the rules for `upstreams` within `budget` rules, or returns the rule count it would
 * need when even one public range does not fit.
 */
export function planProxyEgress(
  upstreams: ProxyUpstreams,
  budget: number,
): ProxyEgressPlan | { readonly needed: number } {
  const internal = upstreams.internal.flatMap(({ cidr, ports }) =>
    portRanges(ports).map((range) => ({ cidr, ports: range, internal: true })),
  );
  const blocks = nonInternalIpv4Cidrs();
  const publicRules = (ranges: readonly PortRange[]) =>
    ranges.flatMap((range) => blocks.map((cidr) => ({ cidr, ports: range, internal: false })));
  const exact = publicRules(portRanges(upstreams.publicPorts));
  if (exact.length + internal.length <= budget) {
    return { rules: [...exact, ...internal], collapsed: false };
  }
  const collapsed = publicRules(span(portRanges(upstreams.publicPorts)));
  if (collapsed.length + internal.length <= budget) {
    return { rules: [...collapsed, ...internal], collapsed: true };
  }
  return { needed: collapsed.length + internal.length };
}
