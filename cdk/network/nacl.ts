import {
  AclCidr,
  AclTraffic,
  Action,
  type ISubnet,
  type IVpc,
  NetworkAcl,
  TrafficDirection,
} from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
import type { PortRange } from '../../lib/policy/index.js';

/**
 * The client side of a connection from the protected subnets: every client there is a Fargate
 * task, whose Linux network namespace picks source ports from 32768-60999 (the kernel's
 * default `ip_local_port_range`; our task definitions set no sysctls). AWS's generic NACL
 * advice of 1024-65535 would also cover RDP (3389) from anywhere (CT.EC2.PR.5).
 */
export const EPHEMERAL_PORTS: PortRange = { from: 32768, to: 65535 };

/** NACLs hold 20 rules per direction unless the quota is raised (to at most 40). */
export const NACL_RULES_PER_DIRECTION = 20;

/** Connections between the protected subnets and some CIDRs on some TCP ports. */
export interface NaclPeer {
  readonly cidrs: readonly string[];
  readonly ports: readonly PortRange[];
}

export interface NaclPlanInput {
  /** The protected subnets open connections to these peers (they are the client). */
  readonly connectsTo: readonly NaclPeer[];
  /** These peers open connections to the protected subnets (they are the server). */
  readonly acceptsFrom: readonly NaclPeer[];
  /**
   * TCP ports the protected subnets may open to addresses outside the VPC (the S3 gateway
   * endpoint: S3's addresses cannot be written into a NACL). When set, everything else in
   * `vpcCidr` is denied first, so the wide rule only matches what the route table can reach.
   */
  readonly outsideVpc?: readonly PortRange[];
  readonly vpcCidr: string;
}

export interface NaclEntryPlan {
  readonly ruleNumber: number;
  readonly direction: 'egress' | 'ingress';
  readonly action: 'allow' | 'deny';
  readonly cidr: string;
  /** Undefined means every protocol and port. */
  readonly ports?: PortRange;
}

const ANYWHERE = '0.0.0.0/0';

/**
 * Plans the entries of a stateless NACL: each allowed connection needs its request rule and
 * its return-traffic rule (ephemeral ports) in the other direction. Anything not listed hits
 * the NACL's implicit final deny. Pure, so it can be tested without synthesis.
 */
export function planNaclEntries(input: NaclPlanInput): {
  egress: NaclEntryPlan[];
  ingress: NaclEntryPlan[];
} {
  const egress: Omit<NaclEntryPlan, 'ruleNumber' | 'direction'>[] = [];
  const ingress: Omit<NaclEntryPlan, 'ruleNumber' | 'direction'>[] = [];
  const add = (list: typeof egress, entry: (typeof egress)[number]) => {
    const same = list.find(
      (e) =>
        e.action === entry.action &&
        e.cidr === entry.cidr &&
        e.ports?.from === entry.ports?.from &&
        e.ports?.to === entry.ports?.to,
    );
    if (same === undefined) list.push(entry);
  };
  for (const peer of input.connectsTo) {
    for (const cidr of peer.cidrs) {
      for (const ports of peer.ports) add(egress, { action: 'allow', cidr, ports });
      add(ingress, { action: 'allow', cidr, ports: EPHEMERAL_PORTS });
    }
  }
  for (const peer of input.acceptsFrom) {
    for (const cidr of peer.cidrs) {
      for (const ports of peer.ports) add(ingress, { action: 'allow', cidr, ports });
      add(egress, { action: 'allow', cidr, ports: EPHEMERAL_PORTS });
    }
  }
  if (input.outsideVpc !== undefined && input.outsideVpc.length > 0) {
    add(egress, { action: 'deny', cidr: input.vpcCidr });
    for (const ports of input.outsideVpc) add(egress, { action: 'allow', cidr: ANYWHERE, ports });
    add(ingress, { action: 'deny', cidr: input.vpcCidr });
    add(ingress, { action: 'allow', cidr: ANYWHERE, ports: EPHEMERAL_PORTS });
  }
  const number = (direction: 'egress' | 'ingress') => (e: (typeof egress)[number], i: number) => ({
    ...e,
    direction,
    ruleNumber: 100 + i * 10,
  });
  return { egress: egress.map(number('egress')), ingress: ingress.map(number('ingress')) };
}

/** Creates a NACL for `subnets` with the planned entries. */
export function createNetworkAcl(
  scope: Construct,
  id: string,
  vpc: IVpc,
  subnets: readonly ISubnet[],
  plan: { egress: readonly NaclEntryPlan[]; ingress: readonly NaclEntryPlan[] },
): NetworkAcl {
  const acl = new NetworkAcl(scope, id, { vpc, subnetSelection: { subnets: [...subnets] } });
  for (const entry of [...plan.egress, ...plan.ingress]) {
    const name = `${entry.direction === 'egress' ? 'Egress' : 'Ingress'}${entry.ruleNumber}`;
    acl.addEntry(name, {
      ruleNumber: entry.ruleNumber,
      cidr: AclCidr.ipv4(entry.cidr),
      traffic:
        entry.ports === undefined
          ? AclTraffic.allTraffic()
          : AclTraffic.tcpPortRange(entry.ports.from, entry.ports.to),
      direction: entry.direction === 'egress' ? TrafficDirection.EGRESS : TrafficDirection.INGRESS,
      ruleAction: entry.action === 'allow' ? Action.ALLOW : Action.DENY,
    });
  }
  return acl;
}
