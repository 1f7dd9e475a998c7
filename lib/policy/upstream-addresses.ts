import {
  ALL_V4,
  type Cidr,
  covers,
  intersect,
  parseCidr,
  type Ranges,
  rangesOf,
  subtract,
  toCidrs,
} from '../containment/addresses.js';
import { proxyEgress } from './profiles.js';
import type { EgressRule, Policy } from './schema.js';

/*
 * Where the proxy may connect after DNS. An allowlisted name is only as safe as the address it
 * resolves to: today or after a DNS change it could point into the VPC (interface endpoints,
 * other workloads), at the ECS task-credential endpoint (169.254.170.2), instance metadata, or
 * the proxy's own loopback (its admin interface). The renderer refuses these ranges after every
 * lookup; the cloud stacks keep the proxy's own egress away from them too.
 */

/** A range the proxy never connects to unless an entry's `private` setting names it. */
export interface GuardedRange {
  readonly cidr: string;
  /** What lives there, for messages and docs. */
  readonly what: string;
  /** Whether `private: true` opens it (internal APIs). Loopback and link-local never open. */
  readonly internal: boolean;
}

export const GUARDED_RANGES: readonly GuardedRange[] = [
  { cidr: '0.0.0.0/8', what: '"this network" (0.0.0.0 reaches the proxy itself)', internal: false },
  { cidr: '10.0.0.0/8', what: 'private network (RFC 1918)', internal: true },
  { cidr: '100.64.0.0/10', what: 'carrier-grade NAT (RFC 6598)', internal: true },
  {
    cidr: '127.0.0.0/8',
    what: 'loopback (the proxy itself and its admin interface)',
    internal: false,
  },
  {
    cidr: '169.254.0.0/16',
    what: 'link-local (instance metadata, ECS task credentials at 169.254.170.2)',
    internal: false,
  },
  { cidr: '172.16.0.0/12', what: 'private network (RFC 1918)', internal: true },
  { cidr: '192.0.0.0/24', what: 'IETF protocol assignments', internal: false },
  { cidr: '192.168.0.0/16', what: 'private network (RFC 1918)', internal: true },
  { cidr: '198.18.0.0/15', what: 'network benchmarking', internal: false },
  { cidr: '224.0.0.0/4', what: 'multicast', internal: false },
  { cidr: '240.0.0.0/4', what: 'reserved and broadcast', internal: false },
  { cidr: '::/128', what: 'unspecified', internal: false },
  { cidr: '::1/128', what: 'loopback', internal: false },
  { cidr: '::ffff:0:0/96', what: 'IPv4-mapped (would bypass the IPv4 checks)', internal: false },
  { cidr: '64:ff9b::/96', what: 'NAT64 (reaches IPv4 addresses)', internal: false },
  { cidr: '100::/64', what: 'discard', internal: false },
  { cidr: 'fc00::/7', what: 'unique local addresses (IPv6 private)', internal: false },
  { cidr: 'fe80::/10', what: 'link-local', internal: false },
  { cidr: 'ff00::/8', what: 'multicast', internal: false },
];

/**
 * Ranges a `private` entry's CIDR list may name: internal networks, never link-local or
 * loopback. IPv6 ULA is allowed by CIDR only, and never AWS's IPv6 metadata block.
 */
const NAMEABLE_INTERNAL = [
  '10.0.0.0/8',
  '100.64.0.0/10',
  '172.16.0.0/12',
  '192.168.0.0/16',
  'fc00::/7',
];
const NEVER_NAMEABLE = ['fd00:ec2::/32'];

/** What `private: true` opens: the IPv4 internal ranges. */
export const DEFAULT_INTERNAL_RANGES: readonly string[] = GUARDED_RANGES.filter(
  (r) => r.internal,
).map((r) => r.cidr);

function rangesOfCidrs(cidrs: readonly string[], family: Cidr['family']): Ranges {
  return rangesOf(
    ...cidrs
      .map((text) => parseCidr(text))
      .filter((c): c is Cidr => c !== undefined && c.family === family)
      .map((c) => [c.start, c.end] as const),
  );
}

/**
 * Why `cidr` cannot be a `private` range (and the fix), or undefined when it can. A private
 * entry names the internal range its host lives in; public ranges need no setting at all.
 */
export function privateCidrProblem(text: string): string | undefined {
  const cidr = parseCidr(text);
  if (cidr === undefined || !text.includes('/')) {
    return 'is not a CIDR block. Fix: write an address range such as "10.20.0.0/16".';
  }
  const canonical = toCidrs([[cidr.start, cidr.end]], cidr.family)[0];
  if (canonical !== undefined && canonical !== text) {
    return `has host bits set. Fix: write "${canonical}".`;
  }
  const block: Ranges = [[cidr.start, cidr.end]];
  const never = rangesOfCidrs(NEVER_NAMEABLE, cidr.family);
  if (intersect(block, never).length > 0) {
    return "overlaps AWS's IPv6 instance-metadata range (fd00:ec2::/32), a credential-theft channel. Fix: name the host's own internal range.";
  }
  const nameable = rangesOfCidrs(NAMEABLE_INTERNAL, cidr.family);
  if (covers(nameable, block)) return undefined;
  const guarded = rangesOfCidrs(
    GUARDED_RANGES.map((r) => r.cidr),
    cidr.family,
  );
  if (intersect(block, guarded).length === 0) {
    return `is a public range: hosts on public addresses need no \`private\` setting. \`private\` names the internal range (${NAMEABLE_INTERNAL.join(', ')}) an internal host resolves to. Fix: remove it, or write the host's internal CIDR.`;
  }
  return `reaches outside the internal ranges (${NAMEABLE_INTERNAL.join(', ')}), e.g. into loopback, link-local (instance metadata, task credentials) or public space. Fix: name only the internal CIDR the host resolves to.`;
}

/** The guarded ranges as CIDRs, IPv4 then IPv6: what the proxy refuses by default. */
export function guardedCidrs(): string[] {
  return GUARDED_RANGES.map((r) => r.cidr);
}

/**
 * IPv4 space outside the internal networks (RFC 1918 and CGNAT), as the fewest CIDR blocks.
 * Cloud firewalls use it for the proxy's own egress: a security group has no "deny", so its
 * rules list these blocks instead of 0.0.0.0/0, keeping the proxy out of the VPC (interface
 * endpoints, other workloads) and out of networks reached over peering or a transit gateway.
 * Loopback and link-local are not routed and are refused by Envoy itself.
 */
export function nonInternalIpv4Cidrs(): string[] {
  return toCidrs(subtract(ALL_V4, rangesOfCidrs(DEFAULT_INTERNAL_RANGES, 'v4')), 'v4');
}

/**
 * The internal ranges an entry may resolve to (`private`), or undefined for a public entry,
 * which may resolve to public addresses only.
 */
export function internalRangesOf(rule: EgressRule): readonly string[] | undefined {
  if (rule.private === undefined || rule.private === false) return undefined;
  return rule.private === true ? DEFAULT_INTERNAL_RANGES : rule.private;
}

/** Where the proxy's own egress may go: the cloud firewalls' counterpart of Envoy's guard. */
export interface ProxyUpstreams {
  /** Ports of public entries, opened towards everything outside the internal networks. */
  readonly publicPorts: readonly number[];
  /** Internal entries: their ranges, on their ports (merged per range). */
  readonly internal: readonly { readonly cidr: string; readonly ports: readonly number[] }[];
}

export function proxyUpstreams(policy: Policy): ProxyUpstreams {
  const publicPorts = new Set<number>();
  const internal = new Map<string, Set<number>>();
  for (const rule of proxyEgress(policy)) {
    const ranges = internalRangesOf(rule);
    if (ranges === undefined) {
      for (const p of rule.ports) publicPorts.add(p);
      continue;
    }
    for (const cidr of ranges) {
      const ports = internal.get(cidr) ?? new Set<number>();
      for (const p of rule.ports) ports.add(p);
      internal.set(cidr, ports);
    }
  }
  const sorted = (s: Set<number>) => [...s].sort((a, b) => a - b);
  return {
    publicPorts: sorted(publicPorts),
    internal: [...internal].map(([cidr, ports]) => ({ cidr, ports: sorted(ports) })),
  };
}
