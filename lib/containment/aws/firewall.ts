import { isCidr } from '../addresses.js';
import type { FirewallRule, Peer, Traffic, Unresolved } from '../model.js';
import type { Builder } from './builder.js';
import { prefixListFor } from './prefix-lists.js';
import { isValueRecord, Opaque, type Value } from './values.js';

const PROTOCOLS: Record<string, number> = { tcp: 6, udp: 17, icmp: 1, icmpv6: 58 };

/** `IpProtocol` with `FromPort`/`ToPort` as the model's traffic. */
export function sgTraffic(b: Builder, p: Record<string, Value>): Traffic | Unresolved {
  const raw = p.IpProtocol;
  const text = b.text(raw)?.toLowerCase();
  if (text === undefined) return { unresolved: `its IpProtocol ${b.whyUnknown(raw)}` };
  if (text === '-1' || text === 'all') return { protocol: 'all' };
  const protocol = PROTOCOLS[text] ?? Number(text);
  if (!Number.isInteger(protocol) || protocol < 0 || protocol > 255) {
    return { unresolved: `its IpProtocol "${text}" is not a protocol` };
  }
  const from = p.FromPort === undefined ? -1 : b.number(p.FromPort);
  const to = p.ToPort === undefined ? -1 : b.number(p.ToPort);
  if (from === undefined || to === undefined) {
    return { unresolved: `its ports ${b.whyUnknown(from === undefined ? p.FromPort : p.ToPort)}` };
  }
  if (protocol === 6 || protocol === 17) {
    return from < 0 || to < 0 ? { protocol } : { protocol, ports: { from, to } };
  }
  if (protocol === 1 || protocol === 58) return { protocol, icmpType: from, icmpCode: to };
  return { protocol };
}

function trusted(v: Value | undefined, b: Builder): Peer | undefined {
  if (v instanceof Opaque && v.trusted) return { kind: 'trusted', name: v.label };
  if (typeof v === 'string' && b.isTrustedValue(v))
    return { kind: 'trusted', name: b.r.display(v) };
  return undefined;
}

function sgPeer(b: Builder, p: Record<string, Value>, direction: 'egress' | 'ingress'): Peer {
  for (const prop of ['CidrIp', 'CidrIpv6']) {
    const v = p[prop];
    if (v === undefined) continue;
    const t = trusted(v, b);
    if (t !== undefined) return t;
    const text = b.text(v);
    return text !== undefined && isCidr(text)
      ? { kind: 'cidr', cidr: text }
      : { kind: 'unresolved', why: `${prop} ${b.whyUnknown(v)}` };
  }
  const listProp = direction === 'egress' ? 'DestinationPrefixListId' : 'SourcePrefixListId';
  if (p[listProp] !== undefined) {
    const v = p[listProp];
    const t = trusted(v, b);
    if (t !== undefined) return t;
    const id = prefixListFor(b, v);
    return id === undefined
      ? { kind: 'unresolved', why: `${listProp} ${b.whyUnknown(v)}` }
      : { kind: 'prefix-list', prefixList: id };
  }
  const groupProp = direction === 'egress' ? 'DestinationSecurityGroupId' : 'SourceSecurityGroupId';
  if (p[groupProp] !== undefined) {
    const v = p[groupProp];
    const t = trusted(v, b);
    if (t !== undefined) return t;
    if (p.SourceSecurityGroupOwnerId !== undefined) {
      return {
        kind: 'unresolved',
        why: `the source group belongs to account ${b.r.display(p.SourceSecurityGroupOwnerId)}`,
      };
    }
    const id = b.groupId(v);
    const group = id === undefined ? undefined : b.groups.get(id);
    if (id === undefined || (group?.unresolved !== undefined && group.trusted !== true)) {
      return { kind: 'unresolved', why: `${groupProp} ${group?.unresolved ?? b.whyUnknown(v)}` };
    }
    return group?.trusted === true
      ? { kind: 'trusted', name: group.resource }
      : { kind: 'group', group: id };
  }
  if (p.SourceSecurityGroupName !== undefined) {
    return {
      kind: 'unresolved',
      why: `SourceSecurityGroupName names a group ("${b.r.display(p.SourceSecurityGroupName)}") outside this template`,
    };
  }
  return { kind: 'unresolved', why: 'it names no peer' };
}

function rule(
  b: Builder,
  group: string,
  p: Record<string, Value>,
  direction: 'egress' | 'ingress',
  resource: string,
  location?: string,
): FirewallRule {
  const description = b.text(p.Description);
  return {
    resource,
    group,
    direction,
    action: 'allow',
    priority: 0,
    traffic: sgTraffic(b, p),
    peer: sgPeer(b, p, direction),
    ...(location === undefined ? {} : { location }),
    ...(description === undefined ? {} : { description }),
  };
}

/**
 * Security groups and their rules: inline rules, separate ingress/egress resources, and the
 * allow-all egress rule EC2 adds to a group created without inline egress rules (separate
 * egress resources do not remove it reliably, so the verifier keeps it, failing closed).
 */
export function buildSecurityGroups(b: Builder): void {
  for (const id of b.ids('AWS::EC2::SecurityGroup')) {
    const p = b.props(id);
    const network = b.networkId(p.VpcId);
    const tier = b.tier(p);
    const profile = b.profile(p);
    b.groups.set(id, {
      id,
      resource: id,
      ...(network === undefined ? {} : { network }),
      ...(tier === undefined ? {} : { tier }),
      ...(profile === undefined ? {} : { profile }),
    });
  }
  for (const id of b.ids('AWS::EC2::SecurityGroup')) {
    const p = b.props(id);
    const egress = b.list(p.SecurityGroupEgress).filter(isValueRecord);
    const ingress = b.list(p.SecurityGroupIngress).filter(isValueRecord);
    egress.forEach((r, i) => {
      b.rules.push(rule(b, id, r, 'egress', id, `SecurityGroupEgress[${i}]`));
    });
    ingress.forEach((r, i) => {
      b.rules.push(rule(b, id, r, 'ingress', id, `SecurityGroupIngress[${i}]`));
    });
    if (egress.length === 0) {
      b.rules.push({
        resource: id,
        location: 'default egress rule: no SecurityGroupEgress given, so EC2 allows all outbound',
        group: id,
        direction: 'egress',
        action: 'allow',
        priority: 0,
        traffic: { protocol: 'all' },
        peer: { kind: 'cidr', cidr: '0.0.0.0/0' },
      });
    }
  }
  for (const [type, direction] of [
    ['AWS::EC2::SecurityGroupEgress', 'egress'],
    ['AWS::EC2::SecurityGroupIngress', 'ingress'],
  ] as const) {
    for (const id of b.ids(type)) {
      const p = b.props(id);
      const target = p.GroupId ?? p.GroupName;
      const group = b.groupId(target);
      if (group === undefined) continue;
      b.rules.push(rule(b, group, p, direction, id));
    }
  }
}
