import type { Reader } from './reader.js';
import { refName } from './refs.js';
import type { NetworkFact, NextHop, RouteFact, SubnetFact } from './types.js';

/* Networks, subnets and routes, including the default route GCP adds on its own. */

export function network(r: Reader): NetworkFact {
  return {
    name: r.name(),
    ref: r.selfRef(),
    autoCreateSubnetworks: r.bool('autoCreateSubnetworks') ?? true,
    deleteDefaultRoutesOnCreate: r.bool('deleteDefaultRoutesOnCreate') ?? false,
    firewallPolicyEnforcementOrder:
      r.str('networkFirewallPolicyEnforcementOrder') === 'BEFORE_CLASSIC_FIREWALL'
        ? 'BEFORE_CLASSIC_FIREWALL'
        : 'AFTER_CLASSIC_FIREWALL',
    internalIpv6: r.bool('enableUlaInternalIpv6') ?? false,
  };
}

export function subnet(r: Reader): SubnetFact {
  const log = r.object('logConfig');
  const logEnabled = log !== undefined && log.bool('enable') !== false;
  return {
    name: r.name(),
    ref: r.selfRef(),
    network: r.ref('network') ?? '',
    region: r.str('region'),
    cidr: r.str('ipCidrRange'),
    secondaryCidrs: r
      .objects('secondaryIpRanges')
      .map((s) => s.str('ipCidrRange'))
      .filter((s): s is string => s !== undefined),
    stackType: r.str('stackType') ?? 'IPV4_ONLY',
    ipv6AccessType: r.str('ipv6AccessType'),
    privateGoogleAccess: r.bool('privateIpGoogleAccess') ?? false,
    flowLogs: logEnabled
      ? {
          metadata: log?.str('metadata') ?? 'INCLUDE_ALL_METADATA',
          sampling: log?.num('flowSampling') ?? 0.5,
        }
      : null,
    purpose: r.str('purpose') ?? 'PRIVATE',
  };
}

function nextHop(r: Reader): NextHop {
  const gateway = r.str('nextHopGateway');
  if (gateway !== undefined) return { kind: 'internet-gateway', value: refName(gateway) };
  const ip = r.str('nextHopIp');
  if (ip !== undefined) return { kind: 'ip', value: ip };
  const instance = r.ref('nextHopInstance');
  if (instance !== undefined) return { kind: 'instance', value: instance };
  const ilb = r.ref('nextHopIlb');
  if (ilb !== undefined) return { kind: 'ilb', value: ilb };
  const vpn = r.ref('nextHopVpnTunnel');
  if (vpn !== undefined) return { kind: 'vpn-tunnel', value: vpn };
  return { kind: 'unknown', value: undefined };
}

export function route(r: Reader): RouteFact {
  return {
    name: r.name(),
    ref: r.selfRef(),
    network: r.ref('network') ?? '',
    destRange: r.str('destRange') ?? '',
    priority: r.num('priority') ?? 1000,
    tags: r.strings('tags').sort(),
    nextHop: nextHop(r),
    implicit: false,
  };
}

/**
 * The 0.0.0.0/0 route GCP creates for a network made without `deleteDefaultRoutesOnCreate`;
 * Pulumi never sees it, so it is added here with `implicit: true`.
 */
export function implicitDefaultRoutes(networks: readonly NetworkFact[]): RouteFact[] {
  return networks
    .filter((n) => !n.deleteDefaultRoutesOnCreate)
    .map((n) => ({
      name: `${n.name} default route`,
      ref: `${n.ref}#default-route`,
      network: n.ref,
      destRange: '0.0.0.0/0',
      priority: 1000,
      tags: [],
      nextHop: { kind: 'internet-gateway', value: 'default-internet-gateway' },
      implicit: true,
    }));
}
