import { type DescribeSnapshot, type Json, objects, str } from './read.js';
import type { TemplateWriter } from './writer.js';

/*
 * Security groups with their rules as deployed, and managed prefix lists. A snapshot lists a
 * group's egress rules exactly: a group with none allows nothing out (where a template
 * without inline egress rules keeps EC2's allow-all rule).
 */

/**
 * CDK's "no egress" rule: ICMP type 252 code 86 to the limited broadcast address, which the
 * verifier never counts as a destination. It stands for "no egress rule at all", which a
 * template cannot say.
 */
const NO_EGRESS = {
  IpProtocol: 'icmp',
  FromPort: 252,
  ToPort: 86,
  CidrIp: '255.255.255.255/32',
  Description: 'the snapshot lists no egress rule',
};

/** AWS-managed prefix lists by id, with their service (`com.amazonaws.<region>.s3` -> `s3`). */
export function managedPrefixLists(s: DescribeSnapshot): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pl of s.items('prefixLists')) {
    const id = str(pl, 'PrefixListId');
    const m = /^com\.amazonaws\.[^.]+\.(.+)$/.exec(str(pl, 'PrefixListName') ?? '');
    if (id !== undefined && m?.[1] !== undefined && str(pl, 'OwnerId') === 'AWS') out[id] = m[1];
  }
  return out;
}

export function writePrefixLists(w: TemplateWriter, s: DescribeSnapshot): void {
  for (const [id, entries] of s.byResource('prefixListEntries')) {
    w.add(id, 'AWS::EC2::PrefixList', {
      PrefixListName: id,
      Entries: entries.map((e) => ({ Cidr: str(e, 'Cidr') })),
    });
  }
}

/** One template rule per peer of a describe permission. */
function rules(
  w: TemplateWriter,
  p: Json,
  direction: 'egress' | 'ingress',
  owner: string | undefined,
) {
  const base = {
    IpProtocol: p.IpProtocol,
    ...(p.FromPort === undefined ? {} : { FromPort: p.FromPort }),
    ...(p.ToPort === undefined ? {} : { ToPort: p.ToPort }),
  };
  const out: Record<string, unknown>[] = [];
  for (const r of objects(p, 'IpRanges'))
    out.push({ ...base, CidrIp: r.CidrIp, Description: r.Description });
  for (const r of objects(p, 'Ipv6Ranges'))
    out.push({ ...base, CidrIpv6: r.CidrIpv6, Description: r.Description });
  const listKey = direction === 'egress' ? 'DestinationPrefixListId' : 'SourcePrefixListId';
  for (const r of objects(p, 'PrefixListIds')) {
    const id = str(r, 'PrefixListId') ?? '?';
    out.push({ ...base, [listKey]: w.ref(id), Description: r.Description });
  }
  const groupKey = direction === 'egress' ? 'DestinationSecurityGroupId' : 'SourceSecurityGroupId';
  for (const r of objects(p, 'UserIdGroupPairs')) {
    const id = str(r, 'GroupId') ?? '?';
    const account = str(r, 'UserId');
    const foreign = account !== undefined && owner !== undefined && account !== owner;
    out.push({
      ...base,
      [groupKey]: w.ref(id),
      ...(foreign ? { SourceSecurityGroupOwnerId: account } : {}),
      Description: r.Description,
    });
  }
  return out;
}

export function writeSecurityGroups(w: TemplateWriter, s: DescribeSnapshot): void {
  for (const group of s.items('securityGroups')) {
    const id = str(group, 'GroupId');
    if (id === undefined) continue;
    const owner = str(group, 'OwnerId');
    const egress = objects(group, 'IpPermissionsEgress').flatMap((p) =>
      rules(w, p, 'egress', owner),
    );
    const ingress = objects(group, 'IpPermissions').flatMap((p) => rules(w, p, 'ingress', owner));
    w.add(id, 'AWS::EC2::SecurityGroup', {
      GroupName: str(group, 'GroupName'),
      GroupDescription: str(group, 'Description'),
      VpcId: w.ref(str(group, 'VpcId')),
      SecurityGroupEgress: egress.length === 0 ? [NO_EGRESS] : egress,
      SecurityGroupIngress: ingress,
      Tags: group.Tags,
    });
  }
}
