import { isCidr } from '../addresses.js';
import { PROTOCOL } from '../flows.js';
import type { FirewallRule, Peer, PortRange, Traffic, Unresolved } from '../model.js';
import { EVERY_MEMBER } from '../model.js';
import type { GcpBuilder } from './builder.js';
import type { FirewallMatch, FirewallPolicyFact } from './facts.js';
import { sameRef } from './facts.js';

/*
 * GCP firewalls as priority-ordered stateful rules. Targets (network tags, service accounts,
 * or every instance) are firewall groups; a rule with several targets, peers or protocols
 * becomes one model rule per combination (their union is the rule). Network firewall policies
 * run before or after the VPC rules as the network says, and the implied allow-egress rule
 * comes last.
 */

const NAMED: Readonly<Record<string, number>> = {
  tcp: PROTOCOL.tcp,
  udp: PROTOCOL.udp,
  icmp: PROTOCOL.icmp,
  esp: 50,
  ah: 51,
  ipip: 94,
  sctp: 132,
};

/** VPC rule priorities are 0-65535; policy rules are placed before or after all of them. */
const BEFORE_VPC_RULES = -(2 ** 32);
const AFTER_VPC_RULES = 65536;
const IMPLIED = 2 ** 33;

/** "443" or "8000-8100". */
export function portRange(text: string): PortRange | undefined {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text.trim());
  if (m === null) return undefined;
  const from = Number(m[1]);
  const to = m[2] === undefined ? from : Number(m[2]);
  return from <= to && to <= 65535 ? { from, to } : undefined;
}

/** The traffic of a rule's protocol/ports list. */
export function trafficOf(match: FirewallMatch): (Traffic | Unresolved)[] {
  if (match.length === 0) return [{ unresolved: 'its protocols are not known' }];
  return match.flatMap((m): (Traffic | Unresolved)[] => {
    if (m.protocol === 'all') return [{ protocol: 'all' }];
    const protocol = NAMED[m.protocol] ?? (/^\d+$/.test(m.protocol) ? Number(m.protocol) : NaN);
    if (Number.isNaN(protocol)) return [{ unresolved: `protocol "${m.protocol}" is not known` }];
    if (protocol !== PROTOCOL.tcp && protocol !== PROTOCOL.udp) return [{ protocol }];
    if (m.ports.length === 0) return [{ protocol }];
    return m.ports.map((p) => {
      const ports = portRange(p);
      return ports === undefined
        ? { unresolved: `port "${p}" is not a port or range` }
        : { protocol, ports };
    });
  });
}

const cidrPeer = (cidr: string): Peer =>
  isCidr(cidr)
    ? { kind: 'cidr', cidr }
    : { kind: 'unresolved', why: `"${cidr}" is not a CIDR block (or is not known)` };

/** A peer for each FQDN: its addresses are only known at run time, so it is its own atom. */
function fqdnPeer(b: GcpBuilder, name: string): Peer {
  const id = `fqdn:${name}`;
  if (!b.prefixLists.has(id)) b.prefixLists.set(id, { id, resource: `${name} (FQDN)` });
  return { kind: 'prefix-list', prefixList: id };
}

type RuleBase = Omit<FirewallRule, 'group' | 'traffic' | 'peer'>;

function addRules(
  b: GcpBuilder,
  base: RuleBase,
  targets: readonly string[],
  traffic: readonly (Traffic | Unresolved)[],
  peers: readonly Peer[],
): void {
  for (const group of targets.length === 0 ? [EVERY_MEMBER] : targets)
    for (const t of traffic)
      for (const peer of peers) b.rules.push({ ...base, group, traffic: t, peer });
}

/** VPC firewall rules; disabled ones are left out (and named on the implied rule). */
export function buildFirewallRules(b: GcpBuilder): void {
  const disabled = new Map<string, string[]>();
  for (const r of b.facts.firewallRules) {
    const network = b.networkId(r.network);
    if (r.disabled) {
      if (r.direction === 'EGRESS' && r.action === 'deny' && network !== undefined)
        disabled.set(network, [...(disabled.get(network) ?? []), r.name]);
      continue;
    }
    const targets = [
      ...r.targetTags.map((t) => b.tagGroup(network, t)),
      ...r.targetServiceAccounts.map((s) => b.accountGroup(network, s)),
    ];
    const peers: Peer[] =
      r.direction === 'EGRESS'
        ? r.destinationRanges.map(cidrPeer)
        : [
            ...r.sourceRanges.map(cidrPeer),
            ...r.sourceTags.map((t): Peer => ({ kind: 'group', group: b.tagGroup(network, t) })),
            ...r.sourceServiceAccounts.map(
              (s): Peer => ({ kind: 'group', group: b.accountGroup(network, s) }),
            ),
          ];
    const base: RuleBase = {
      resource: r.name,
      ...(network === undefined ? {} : { network }),
      direction: r.direction === 'EGRESS' ? 'egress' : 'ingress',
      action: r.action,
      priority: r.priority,
    };
    addRules(b, base, targets, trafficOf(r.match), peers);
  }
  for (const n of b.facts.networks) {
    const off = disabled.get(n.ref) ?? [];
    b.rules.push({
      resource: n.name,
      location: `implied allow-egress rule${off.length === 0 ? '' : `, as ${off.join(', ')} ${off.length === 1 ? 'is' : 'are'} disabled`}`,
      group: EVERY_MEMBER,
      network: n.ref,
      direction: 'egress',
      action: 'allow',
      priority: IMPLIED,
      traffic: { protocol: 'all' },
      peer: { kind: 'cidr', cidr: '0.0.0.0/0' },
    });
  }
  for (const p of b.facts.firewallPolicies) buildPolicy(b, p);
}

/** A network firewall policy's rules, on each network it is attached to. */
function buildPolicy(b: GcpBuilder, policy: FirewallPolicyFact): void {
  for (const n of b.facts.networks) {
    if (!policy.networks.some((ref) => sameRef(ref, n.ref))) continue;
    const offset =
      n.firewallPolicyEnforcementOrder === 'BEFORE_CLASSIC_FIREWALL'
        ? BEFORE_VPC_RULES
        : AFTER_VPC_RULES;
    for (const r of policy.rules) {
      // goto_next decides nothing here: the next layer does.
      if (r.disabled || r.action === 'goto_next') continue;
      const egress = r.direction === 'EGRESS';
      const ranges = egress ? r.destIpRanges : r.srcIpRanges;
      const fqdns = egress ? r.destFqdns : r.srcFqdns;
      const peers: Peer[] = [...ranges.map(cidrPeer), ...fqdns.map((f) => fqdnPeer(b, f))];
      const base: RuleBase = {
        resource: policy.name,
        location: `rule ${r.ruleName ?? r.priority} (priority ${r.priority})`,
        network: n.ref,
        direction: egress ? 'egress' : 'ingress',
        action: r.action === 'deny' ? 'deny' : 'allow',
        priority: offset + r.priority,
      };
      const targets = [
        ...r.targetServiceAccounts.map((s) => b.accountGroup(n.ref, s)),
        ...r.targetSecureTags.map((t) => b.secureTagGroup(n.ref, t)),
      ];
      const anywhere: Peer[] = [
        { kind: 'cidr', cidr: '0.0.0.0/0' },
        { kind: 'cidr', cidr: '::/0' },
      ];
      addRules(b, base, targets, trafficOf(r.match), peers.length === 0 ? anywhere : peers);
    }
  }
}
