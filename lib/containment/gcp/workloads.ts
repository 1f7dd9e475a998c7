import { TIERS } from '../../contract/tiers.js';
import { covers, parseCidr } from '../addresses.js';
import type { Attachment, Finding, ServiceTarget, Tier, WorkloadIdentity } from '../model.js';
import type { GcpBuilder } from './builder.js';
import type { CloudRunFact, ForwardingRuleFact, InstanceFact } from './facts.js';
import { refName, sameRef } from './facts.js';
import { portRange } from './firewall.js';

/*
 * Where agents run on GCP. Every Cloud Run service and job of the perimeter runs an agent
 * (the program deploys nothing else on Cloud Run); so does every instance with the agent
 * network tag. Subnets are tiered by what runs in them: a subnet with an agent is an agent
 * subnet, whatever else runs there (the conservative reading); one with only proxy instances
 * is the proxy tier.
 */

/** IAM resource modules, in words. */
const SCOPES: Readonly<Record<string, string>> = {
  projects: 'project',
  secretmanager: 'secret',
  serviceaccount: 'service account',
  storage: 'bucket',
};

const MEMBERS_OF_EVERYONE = new Set(['allUsers', 'allAuthenticatedUsers']);

const hasTag = (tags: readonly string[], set: ReadonlySet<string>) => tags.some((t) => set.has(t));

function runSubnets(b: GcpBuilder, run: CloudRunFact): string[] {
  return run.networkInterfaces
    .map((i) => b.subnetRef(i.subnetwork, i.network))
    .filter((s) => s !== undefined);
}

function instanceSubnets(b: GcpBuilder, i: InstanceFact): string[] {
  return i.networkInterfaces
    .map((n) => b.subnetRef(n.subnetwork, n.network))
    .filter((s) => s !== undefined);
}

/** Subnet tiers from placement; the proxy's subnets and service accounts. */
export function classify(b: GcpBuilder): Map<string, Tier> {
  const tiers = new Map<string, Tier>();
  for (const run of b.facts.cloudRun) for (const s of runSubnets(b, run)) tiers.set(s, 'agent');
  for (const i of b.facts.instances) {
    if (hasTag(i.tags, b.agentTags)) for (const s of instanceSubnets(b, i)) tiers.set(s, 'agent');
  }
  for (const i of b.facts.instances) {
    if (!hasTag(i.tags, b.proxyTags)) continue;
    if (i.serviceAccount !== undefined) b.proxyAccounts.add(i.serviceAccount);
    for (const s of instanceSubnets(b, i)) {
      b.proxySubnets.add(s);
      if (!tiers.has(s)) tiers.set(s, 'proxy');
    }
  }
  return tiers;
}

/** Cloud Run agents, instances, a slot per agent subnet, proxy listeners, agent identities. */
export function buildWorkloads(b: GcpBuilder): void {
  const identities = new Map<string, string>();
  for (const run of b.facts.cloudRun) {
    addCloudRun(b, run);
    if (run.serviceAccount !== undefined) identities.set(run.serviceAccount, run.name);
    else {
      b.identityGrants.push({
        resource: run.name,
        how: `Cloud Run ${run.kind} ${run.name} names no service account, so it runs as the Compute Engine default service account, which holds the Editor role on the project unless someone removed it`,
        fix: 'give it a dedicated service account with no roles.',
      });
    }
  }
  for (const i of b.facts.instances) {
    const attachments = addInstance(b, i);
    // A proxy instance among agents is reported as such (unprotected-workload), not as one.
    const agent =
      hasTag(i.tags, b.agentTags) ||
      (!hasTag(i.tags, b.proxyTags) &&
        attachments.some(
          (a) => a.subnet !== undefined && b.subnets.get(a.subnet)?.tier === 'agent',
        ));
    if (agent && i.serviceAccount !== undefined) identities.set(i.serviceAccount, i.name);
  }
  for (const s of b.subnets.values()) {
    if (s.tier !== 'agent') continue;
    b.attachments.push({
      id: `slot:${s.id}`,
      resource: s.resource,
      kind: 'agent subnet',
      role: 'slot',
      subnet: s.id,
      groups: [...b.agentTags].map((t) => b.tagGroup(s.network, t)),
    });
  }
  addProxyListeners(b);
  addGrants(b, identities);
}

function addCloudRun(b: GcpBuilder, run: CloudRunFact): void {
  const kind = `Cloud Run ${run.kind}`;
  const base = { resource: run.name, kind, role: 'workload' as const, tier: 'agent' as const };
  const publicIp: Finding[] = [];
  if (run.ingress === 'INGRESS_TRAFFIC_ALL') {
    publicIp.push({
      resource: run.name,
      how: 'ingress is INGRESS_TRAFFIC_ALL (its run.app URL answers the internet)',
      fix: 'set ingress to INGRESS_TRAFFIC_INTERNAL_ONLY.',
    });
  } else if (run.ingress === 'INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER') {
    publicIp.push({
      resource: run.name,
      how: 'ingress INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER admits external Application Load Balancers, which the verifier does not read',
      unresolved: true,
    });
  }
  const direct: Finding[] = [];
  if (!run.vpcAccess) {
    direct.push({
      resource: run.name,
      how: 'has no VPC access (neither Direct VPC egress nor a connector)',
      fix: 'give it Direct VPC egress through the agent subnet, with the agent network tag and egress ALL_TRAFFIC.',
    });
  } else if (run.egress !== 'ALL_TRAFFIC') {
    direct.push({
      resource: run.name,
      how: `sends only private ranges through the VPC (egress ${run.egress ?? 'unset'})`,
      fix: 'set vpcAccess.egress to ALL_TRAFFIC.',
    });
  }
  if (run.connector !== undefined) {
    b.unprovable.push({
      resource: run.name,
      explanation: `${kind} ${run.name} reaches the VPC through Serverless VPC Access connector ${run.connector}, whose subnet, tags and instances the verifier does not read, so its routes and firewall rules cannot be checked. Fix: use Direct VPC egress through the agent subnet.`,
    });
  }
  const extra = {
    ...(publicIp.length === 0 ? {} : { publicIp }),
    ...(direct.length === 0 ? {} : { directInternet: direct }),
  };
  if (run.networkInterfaces.length === 0) {
    b.attachments.push({ id: `run:${run.ref}`, ...base, groups: [], ...extra });
    return;
  }
  run.networkInterfaces.forEach((nic, i) => {
    const subnet = b.subnetId(nic.subnetwork, nic.network);
    const net = b.networkOfSubnet(subnet) ?? b.networkId(nic.network);
    b.attachments.push({
      id: `run:${run.ref}#${i}`,
      ...base,
      host: run.ref,
      ...(subnet === undefined ? {} : { subnet }),
      groups: [
        ...nic.tags.map((t) => b.tagGroup(net, t)),
        ...(run.serviceAccount === undefined ? [] : [b.accountGroup(net, run.serviceAccount)]),
      ],
      ...extra,
    });
  });
}

/** What an instance runs: its boot document's Envoy unit and config, its service account. */
function instanceIdentity(b: GcpBuilder, inst: InstanceFact): WorkloadIdentity {
  const tier = TIERS.has(inst.tierLabel ?? '') ? (inst.tierLabel as Tier) : undefined;
  const sa = inst.serviceAccount;
  const account =
    sa === undefined ? undefined : b.facts.serviceAccounts.find((a) => a.email === sa);
  return {
    definition: inst.name,
    ...(tier === undefined ? {} : { tier }),
    images: [
      inst.boot.image ?? {
        unresolved: 'its boot document starts no Envoy container the verifier recognises',
      },
    ],
    ...(sa === undefined
      ? {}
      : { principal: { resource: sa, ...(account?.proxyTier === true ? { tier: 'proxy' } : {}) } }),
    ...(inst.boot.configDigest === undefined ? {} : { configDigest: inst.boot.configDigest }),
  };
}

function addInstance(b: GcpBuilder, inst: InstanceFact): Attachment[] {
  const kind = inst.kind === 'template' ? 'instance template' : 'instance';
  const identity = instanceIdentity(b, inst);
  const out = inst.networkInterfaces.map((nic, i): Attachment => {
    const subnet = b.subnetId(nic.subnetwork, nic.network);
    const network = b.networkOfSubnet(subnet) ?? b.networkId(nic.network);
    const where =
      inst.networkInterfaces.length === 1 ? 'its network interface' : `network interface ${i}`;
    return {
      id: `vm:${inst.ref}#${i}`,
      resource: inst.name,
      kind,
      role: 'workload',
      identity,
      host: inst.ref,
      ...(subnet === undefined ? {} : { subnet }),
      groups: [
        ...inst.tags.map((t) => b.tagGroup(network, t)),
        ...(inst.serviceAccount === undefined
          ? []
          : [b.accountGroup(network, inst.serviceAccount)]),
      ],
      ...(nic.externalIpv4
        ? {
            publicIp: [
              {
                resource: inst.name,
                how: `${where} has an access config (an external IPv4 address)`,
              },
            ],
          }
        : {}),
      ...(nic.externalIpv6
        ? { ipv6: [{ resource: inst.name, how: `${where} has an external IPv6 access config` }] }
        : {}),
    };
  });
  b.attachments.push(...out);
  return out;
}

/**
 * Where an internal forwarding rule sends connections: its backend service's managed
 * instance groups and the templates they run.
 */
function loadBalancerTargets(b: GcpBuilder, f: ForwardingRuleFact): ServiceTarget[] {
  const service = b.facts.backendServices.find((s) => sameRef(s.ref, f.backendService));
  if (service === undefined) {
    const to = f.backendService ?? f.target ?? 'nothing';
    return [
      {
        kind: 'unresolved',
        why: `${to}, which is not a backend service defined here`,
        via: f.name,
      },
    ];
  }
  return service.groups.flatMap((group): ServiceTarget[] => {
    const name = refName(group);
    const mig = b.facts.instanceGroups.find((g) => refName(g.ref) === name);
    if (mig === undefined) {
      return [
        {
          kind: 'unresolved',
          why: `instance group ${group}, which is not a managed group defined here`,
          via: service.name,
        },
      ];
    }
    return mig.templates.map((t): ServiceTarget => {
      const template = b.facts.instances.find((i) => sameRef(i.ref, t));
      return template === undefined
        ? {
            kind: 'unresolved',
            why: `instance template ${t}, which is not defined here`,
            via: mig.name,
          }
        : { kind: 'workload', resource: template.name, via: mig.name };
    });
  });
}

/** Internal forwarding rules in the proxy's subnets are the proxy's listeners. */
function addProxyListeners(b: GcpBuilder): void {
  for (const f of b.facts.forwardingRules) {
    if (f.external) continue;
    const ip = f.ipAddress === undefined ? undefined : parseCidr(`${f.ipAddress}/32`);
    const inProxy = [...b.proxySubnets].some((id) => {
      if (sameRef(f.subnetwork, id)) return true;
      const range = parseCidr(b.subnetFact(id)?.cidr ?? '');
      return (
        ip !== undefined &&
        range !== undefined &&
        covers([[range.start, range.end]], [[ip.start, ip.end]])
      );
    });
    if (!inProxy) continue;
    const subnet = b.subnetId(f.subnetwork, f.network);
    b.attachments.push({
      id: `lb:${f.ref}`,
      resource: f.name,
      kind: 'internal load balancer',
      role: 'service',
      ...(subnet === undefined ? {} : { subnet }),
      groups: [],
      targets: loadBalancerTargets(b, f),
    });
    for (const p of f.ports) {
      const range = portRange(p);
      // A wide range would make every port a proxy port; leaving it out fails closed.
      if (range === undefined || range.to - range.from > 64) continue;
      for (let port = range.from; port <= range.to; port++) {
        b.proxyListeners.push({ resource: f.name, port, protocols: ['tcp'] });
      }
    }
  }
}

/**
 * IAM grants that reach the agents' identities: grants to an agent service account, and to
 * everyone (allUsers, allAuthenticatedUsers: agents are authenticated users). Grants on the
 * agent's own service account to others are not the agent's permissions and are left alone.
 */
function addGrants(b: GcpBuilder, identities: ReadonlyMap<string, string>): void {
  for (const g of b.facts.iam) {
    const who = g.members.filter(
      (m) => MEMBERS_OF_EVERYONE.has(m) || identities.has(m.replace(/^serviceAccount:/, '')),
    );
    if (who.length === 0) continue;
    const on = `${SCOPES[g.scope] ?? g.scope}${g.resource === undefined ? '' : ` ${g.resource}`}`;
    const agents = new Set(
      who
        .map((m) => identities.get(m.replace(/^serviceAccount:/, '')))
        .filter((x) => x !== undefined),
    );
    const id = `${g.resource ?? g.scope}/${g.role}`;
    b.identityGrants.push({
      resource: id,
      how: `IAM grant ${id} gives ${who.join(', ')}${agents.size === 0 ? '' : ` (the identity of ${[...agents].join(', ')})`} ${g.role} on ${on}${g.conditional ? ' (with a condition)' : ''}`,
    });
  }
}
