import { beforeAll, describe, expect, it } from 'vitest';
import { planGcp } from '../../../app/gcp-plan.js';
import type { JsonObject } from '../../../lib/json.js';
import { AGENT_TAG, PROXY_TAG } from '../../../pulumi/names.js';
import {
  canonicalRef,
  type GcpNetworkFacts,
  gcpPlanToNetworkFacts,
  sameRef,
} from '../../../pulumi/plan/facts.js';
import type { ExportedResource, GcpPlan, StackExport } from '../../../pulumi/plan/types.js';
import { asStackExport, GCP } from '../../helpers/pulumi-plan.js';

/*
 * gcpPlanToNetworkFacts: the plain data a containment verifier reads, from an offline plan and
 * from `pulumi stack export` (simulated from the plan: real exports carry provider outputs,
 * secrets and, during previews, unknowns).
 */

const PROJECT = 'projects/agent-perimeter-plan';
const NETWORK = `${PROJECT}/global/networks/demo-perimeter`;
const AGENT_SUBNET = `${PROJECT}/regions/us-central1/subnetworks/demo-agents`;
const PROXY_SUBNET = `${PROJECT}/regions/us-central1/subnetworks/demo-proxy`;
const PROXY_SA = 'demo-proxy@agent-perimeter-plan.iam.gserviceaccount.com';
const SECRET = {
  '4dabf18193072939515e22adb298388d': '1b47061264138c4ac30d75fd1eb44270',
  ciphertext: 'x',
};
const UNKNOWN = '04da6b54-80e4-46f7-96ec-b56ff0331ba9';

let plan: GcpPlan;
let facts: GcpNetworkFacts;

beforeAll(async () => {
  plan = await planGcp();
  facts = gcpPlanToNetworkFacts(plan);
});

/** The plan as `pulumi stack export` would show it, with `edit` applied to each resource. */
/** The plan as a stack export (see `asStackExport`), with `edit` applied to each resource. */
function asExport(
  edit: (r: ExportedResource) => ExportedResource | undefined = (r) => r,
): StackExport {
  const exported = asStackExport(plan);
  return {
    ...exported,
    deployment: {
      resources: (exported.deployment.resources ?? [])
        .map(edit)
        .filter((r): r is ExportedResource => r !== undefined),
    },
  };
}

const withOutputs = (r: ExportedResource, outputs: JsonObject): ExportedResource => ({
  ...r,
  outputs: { ...r.outputs, ...outputs },
});

describe('facts from the offline plan', () => {
  it('describes the network: no default route, firewall policies first', () => {
    expect(facts.source).toBe('plan');
    expect(facts.networks).toEqual([
      {
        name: 'demo-perimeter',
        ref: NETWORK,
        autoCreateSubnetworks: false,
        deleteDefaultRoutesOnCreate: true,
        firewallPolicyEnforcementOrder: 'BEFORE_CLASSIC_FIREWALL',
        internalIpv6: false,
      },
    ]);
    expect(facts.routes.filter((r) => r.implicit)).toEqual([]);
    expect(facts.routes.map((r) => [r.destRange, r.tags, r.nextHop.kind])).toEqual([
      ['0.0.0.0/0', [PROXY_TAG], 'internet-gateway'],
      ['199.36.153.4/30', [], 'internet-gateway'],
    ]);
    expect(facts.subnets.map((s) => [s.ref, s.cidr, s.flowLogs, s.privateGoogleAccess])).toEqual([
      [AGENT_SUBNET, '10.80.0.0/20', { metadata: 'INCLUDE_ALL_METADATA', sampling: 1 }, true],
      [PROXY_SUBNET, '10.80.16.0/24', { metadata: 'INCLUDE_ALL_METADATA', sampling: 1 }, true],
    ]);
  });

  it('lists firewall rules with priority, direction, targets, action, ranges and ports', () => {
    const toProxy = facts.firewallRules.find((r) => r.name === 'demo-agent-to-proxy');
    expect(toProxy).toEqual({
      name: 'demo-agent-to-proxy',
      ref: `${PROJECT}/global/firewalls/demo-agent-to-proxy`,
      network: NETWORK,
      direction: 'EGRESS',
      priority: 1000,
      action: 'allow',
      disabled: false,
      match: [{ protocol: 'tcp', ports: ['3128', '8081'] }],
      sourceRanges: [],
      sourceTags: [],
      sourceServiceAccounts: [],
      destinationRanges: ['10.80.16.253/32'],
      targetTags: [AGENT_TAG],
      targetServiceAccounts: [],
      logged: true,
    });
    const denyAll = facts.firewallRules.find((r) => r.name === 'demo-deny-all-egress');
    expect(denyAll).toMatchObject({ priority: 65534, action: 'deny', targetTags: [] });
  });

  it('joins the FQDN policy with its rules and the network it is attached to', () => {
    expect(facts.firewallPolicies).toHaveLength(1);
    const [policy] = facts.firewallPolicies;
    expect(policy?.networks).toEqual([NETWORK]);
    expect(policy?.rules.map((r) => [r.priority, r.action])).toEqual([
      [1000, 'goto_next'],
      [1010, 'goto_next'],
      [1020, 'goto_next'],
      [65000, 'deny'],
    ]);
    expect(policy?.rules[1]).toMatchObject({
      direction: 'EGRESS',
      targetServiceAccounts: [PROXY_SA],
      destFqdns: expect.arrayContaining(['api.anthropic.com']),
      match: [{ protocol: 'tcp', ports: ['443'] }],
    });
  });

  it('shows NAT covering the proxy subnet only', () => {
    expect(facts.nats).toEqual([
      {
        name: 'demo-proxy-nat',
        router: 'demo-router',
        network: NETWORK,
        region: 'us-central1',
        coverage: 'LIST_OF_SUBNETWORKS',
        subnetworks: [{ subnetwork: PROXY_SUBNET, ranges: ['ALL_IP_RANGES'] }],
        logged: true,
      },
    ]);
  });

  it('shows the Cloud Run egress setting, VPC access and identity', () => {
    expect(facts.cloudRun).toEqual([
      expect.objectContaining({
        kind: 'service',
        name: 'demo-claude-code',
        executionEnvironment: 'EXECUTION_ENVIRONMENT_GEN1',
        ingress: 'INGRESS_TRAFFIC_INTERNAL_ONLY',
        serviceAccount: 'demo-agent-claude-code@agent-perimeter-plan.iam.gserviceaccount.com',
        vpcAccess: true,
        egress: 'ALL_TRAFFIC',
        connector: undefined,
        networkInterfaces: [{ network: NETWORK, subnetwork: AGENT_SUBNET, tags: [AGENT_TAG] }],
        secretVolumes: 0,
      }),
      // The egress probe: a job with the agents' network settings and its own role-less account.
      expect.objectContaining({
        kind: 'job',
        name: 'demo-probe',
        executionEnvironment: 'EXECUTION_ENVIRONMENT_GEN2',
        serviceAccount: 'demo-probe@agent-perimeter-plan.iam.gserviceaccount.com',
        egress: 'ALL_TRAFFIC',
        networkInterfaces: [{ network: NETWORK, subnetwork: AGENT_SUBNET, tags: [AGENT_TAG] }],
      }),
    ]);
    expect(facts.cloudRun.every((r) => r.env.every((e) => !e.fromSecret))).toBe(true);
  });

  it('shows instances without external addresses, the group and its autoscaling', () => {
    expect(facts.instances).toEqual([
      expect.objectContaining({
        kind: 'template',
        tags: [PROXY_TAG],
        serviceAccount: PROXY_SA,
        networkInterfaces: [
          {
            network: undefined,
            subnetwork: PROXY_SUBNET,
            externalIpv4: false,
            externalIpv6: false,
          },
        ],
        canIpForward: false,
        shieldedVm: { secureBoot: true, vtpm: true, integrityMonitoring: true },
        osLogin: true,
        bootImage: 'cos-cloud/cos-stable',
      }),
    ]);
    expect(facts.instanceGroups).toEqual([
      expect.objectContaining({
        name: 'demo-proxy',
        templates: [facts.instances[0]?.ref],
        autoscaling: { min: 2, max: 6 },
      }),
    ]);
    expect(facts.forwardingRules).toEqual([
      expect.objectContaining({ scheme: 'INTERNAL', external: false, ipAddress: '10.80.16.253' }),
    ]);
    expect(facts.addresses).toEqual([expect.objectContaining({ addressType: 'INTERNAL' })]);
  });

  it('lists service accounts and every IAM grant', () => {
    // Most grants are the proxy's own, to its service account alone.
    const proxy = [`serviceAccount:${PROXY_SA}`];
    expect(facts.serviceAccounts.map((s) => s.email).sort()).toEqual([
      'demo-agent-claude-code@agent-perimeter-plan.iam.gserviceaccount.com',
      'demo-probe-scheduler@agent-perimeter-plan.iam.gserviceaccount.com',
      'demo-probe@agent-perimeter-plan.iam.gserviceaccount.com',
      PROXY_SA,
    ]);
    expect(facts.iam.map((b) => [b.scope, b.resource, b.role, b.members])).toEqual([
      // Cloud Scheduler may start the egress probe job, and nothing else.
      [
        'cloudrunv2',
        'demo-probe',
        'roles/run.invoker',
        ['serviceAccount:demo-probe-scheduler@agent-perimeter-plan.iam.gserviceaccount.com'],
      ],
      // The proxy pulls Envoy from its remote repository, and from no other.
      ['artifactregistry', 'demo-proxy', 'roles/artifactregistry.reader', proxy],
      ['projects', 'agent-perimeter-plan', 'roles/logging.logWriter', proxy],
      ['projects', 'agent-perimeter-plan', 'roles/monitoring.metricWriter', proxy],
      ['secretmanager', 'anthropic-api-key', 'roles/secretmanager.secretAccessor', proxy],
    ]);
  });

  it('describes DNS and logging', () => {
    expect(facts.dns.zones).toEqual([
      expect.objectContaining({
        dnsName: 'googleapis.com.',
        visibility: 'private',
        networks: [NETWORK],
      }),
    ]);
    expect(facts.dns.responsePolicies[0]?.networks).toEqual([NETWORK]);
    expect(facts.dns.responsePolicies[0]?.rules.at(-1)?.dnsName).toBe('*.');
    expect(facts.dns.serverPolicies).toEqual([
      expect.objectContaining({ logging: true, networks: [NETWORK] }),
    ]);
    expect(facts.logging.buckets).toEqual([
      expect.objectContaining({ bucketId: 'demo-audit', retentionDays: 365, locked: true }),
    ]);
    expect(facts.logging.auditConfigs).toEqual([
      { service: 'secretmanager.googleapis.com', logTypes: ['DATA_READ'] },
    ]);
  });

  it('reads what the proxy runs: its image, config digest, identity and load balancer backends', async () => {
    const { preparePolicy } = await import('../../../app/prepare.js');
    const expected = preparePolicy().expectedProxy;
    const proxy = facts.instances.find((i) => i.tags.includes(PROXY_TAG));
    expect(proxy?.tierLabel).toBe('proxy');
    // The VM runs proxy.image through the perimeter's remote repository, never Docker Hub.
    expect(proxy?.boot).toEqual({
      image: `us-central1-docker.pkg.dev/agent-perimeter-plan/demo-proxy/${expected.image}`,
      configDigest: expected.configDigest,
    });
    const account = facts.serviceAccounts.find((a) => a.email === proxy?.serviceAccount);
    expect(account?.proxyTier).toBe(true);
    expect(facts.serviceAccounts.filter((a) => a.proxyTier)).toHaveLength(1);
    expect(facts.backendServices).toEqual([
      expect.objectContaining({
        groups: [expect.stringMatching(/\/instanceGroups\/demo-proxy$/)],
      }),
    ]);
  });

  it('lists what it does not describe, and nothing unresolved', () => {
    expect(facts.otherResources.map((r) => r.type).sort()).toEqual([
      'gcp:artifactregistry/repository:Repository',
      'gcp:cloudscheduler/job:Job',
      GCP.healthCheck,
      GCP.regionHealthCheck,
      ...Array(4).fill('gcp:logging/metric:Metric'),
      ...Array(3).fill('gcp:monitoring/alertPolicy:AlertPolicy'),
    ]);
    expect(facts.unresolved).toEqual([]);
  });
});

describe('facts from pulumi stack export', () => {
  it('read the deployed outputs the same way as the plan', () => {
    const exported = gcpPlanToNetworkFacts(asExport());
    expect(exported.source).toBe('stack-export');
    const { source: _a, policy: _b, project: _c, region: _d, ...fromExport } = exported;
    const { source: _e, policy: _f, project: _g, region: _h, ...fromPlan } = facts;
    expect(fromExport).toEqual(fromPlan);
  });

  it('add the default route GCP creates when a network keeps it', () => {
    const exported = gcpPlanToNetworkFacts(
      asExport((r) =>
        r.type === GCP.network ? withOutputs(r, { deleteDefaultRoutesOnCreate: false }) : r,
      ),
    );
    expect(exported.routes.filter((r) => r.implicit)).toEqual([
      expect.objectContaining({ network: NETWORK, destRange: '0.0.0.0/0', tags: [] }),
    ]);
  });

  it('apply GCP defaults that matter: omitted egress, scheme, address type', () => {
    const exported = gcpPlanToNetworkFacts(
      asExport((r) => {
        if (r.type === GCP.runService) {
          const outputs = structuredClone(r.outputs ?? {}) as {
            template: { vpcAccess: JsonObject };
          };
          delete outputs.template.vpcAccess.egress;
          return { ...r, inputs: {}, outputs: outputs as unknown as JsonObject };
        }
        if (r.type === GCP.forwardingRule || r.type === GCP.address) {
          const { loadBalancingScheme: _s, addressType: _t, ...rest } = r.outputs ?? {};
          return { ...r, inputs: {}, outputs: rest };
        }
        return r;
      }),
    );
    expect(exported.cloudRun[0]?.egress).toBe('PRIVATE_RANGES_ONLY');
    expect(exported.forwardingRules[0]).toMatchObject({ scheme: 'EXTERNAL', external: true });
    expect(exported.addresses[0]?.addressType).toBe('EXTERNAL');
  });

  it('leave out secret and unknown values and say so', () => {
    const exported = gcpPlanToNetworkFacts(
      asExport((r) => {
        if (r.type === GCP.nat) return withOutputs(r, { sourceSubnetworkIpRangesToNat: UNKNOWN });
        if (r.type === GCP.bucket) return withOutputs(r, { retentionDays: SECRET });
        return r;
      }),
    );
    expect(exported.nats[0]?.coverage).toBe('');
    expect(exported.logging.buckets[0]?.retentionDays).toBeUndefined();
    expect(exported.unresolved).toEqual([
      `${GCP.nat} demo-network-nat: sourceSubnetworkIpRangesToNat (unknown)`,
      `${GCP.bucket} demo-audit-bucket: retentionDays (secret)`,
    ]);
  });

  it('skip resources pending deletion and refuse anything else', () => {
    const exported = gcpPlanToNetworkFacts(
      asExport((r) => (r.type === GCP.firewall ? { ...r, delete: true } : r)),
    );
    expect(exported.firewallRules).toEqual([]);
    expect(() => gcpPlanToNetworkFacts({ hello: 'world' })).toThrow(TypeError);
  });
});

describe('references', () => {
  it('compare self links, ids and names', () => {
    const link = `https://www.googleapis.com/compute/v1/${NETWORK}`;
    expect(canonicalRef(link)).toBe(NETWORK);
    expect(canonicalRef(`${link}?uniqueId=12`)).toBe(NETWORK);
    expect(sameRef(link, NETWORK)).toBe(true);
    expect(sameRef('demo-perimeter', NETWORK)).toBe(true);
    expect(sameRef(`${PROJECT}/global/networks/other`, NETWORK)).toBe(false);
  });
});
