import type { Channel } from '../../lib/containment/index.js';
import type { Json, JsonObject } from '../../lib/json.js';
import type { GcpPlan, PlannedResource } from '../../pulumi/plan/types.js';
import { GCP } from './pulumi-plan.js';

/*
 * Planted escapes for the GCP perimeter: each a small edit of a deep copy of the real plan,
 * with the channel and the resource the verifier must name.
 */

export interface GcpMutation {
  readonly name: string;
  readonly channel: Channel;
  /** The resource the violation must be reported on (and its message must name). */
  readonly resource: string;
  /** Something else the message must name (e.g. the agent a NAT now serves). */
  readonly mentions?: string;
  readonly plant: (plan: Mutable) => void;
}

type Mutable = { -readonly [K in keyof GcpPlan]: GcpPlan[K] } & {
  resources: PlannedResource[];
};

const PROJECT = 'agent-perimeter-plan';
const NETWORK = `projects/${PROJECT}/global/networks/demo-perimeter`;
const AGENT_SUBNET = `projects/${PROJECT}/regions/us-central1/subnetworks/demo-agents`;
const PROXY_SUBNET = `projects/${PROJECT}/regions/us-central1/subnetworks/demo-proxy`;
const AGENT_SA = `demo-agent-claude-code@${PROJECT}.iam.gserviceaccount.com`;
const PROXY_SA = `demo-proxy@${PROJECT}.iam.gserviceaccount.com`;
const AGENT_TAG = 'agent-perimeter-agent';
/** Pulumi's marker for a value not known until apply. */
export const UNKNOWN = '04da6b54-80e4-46f7-96ec-b56ff0331ba9';

/** The proxy instance template's inputs (to edit in place). */
function proxyTemplate(plan: GcpPlan): JsonObject {
  const found = plan.resources.find(
    (r) => r.type === 'gcp:compute/instanceTemplate:InstanceTemplate',
  );
  if (found === undefined) throw new Error('no proxy instance template');
  return found.inputs;
}

/** The inputs of the resource of `type` whose cloud name is `name` (to edit in place). */
export function inputsOf(plan: GcpPlan, type: string, name: string): JsonObject {
  const found = plan.resources.find(
    (r) => r.type === type && (r.inputs.name ?? r.inputs.responsePolicyName) === name,
  );
  if (found === undefined) throw new Error(`no ${type} named ${name}`);
  return found.inputs;
}

function add(plan: Mutable, type: string, pulumiName: string, inputs: JsonObject): void {
  plan.resources.push({
    urn: `urn:pulumi:plan::agent-perimeter::${type}::${pulumiName}`,
    id: null,
    type,
    name: pulumiName,
    custom: true,
    parent: null,
    inputs,
    dependencies: [],
  });
}

function remove(plan: Mutable, test: (r: PlannedResource) => boolean): void {
  plan.resources = plan.resources.filter((r) => !test(r));
}

const run = (plan: GcpPlan) => inputsOf(plan, GCP.runService, 'demo-claude-code');
const runTemplate = (plan: GcpPlan) => run(plan).template as JsonObject;
const runVpc = (plan: GcpPlan) => runTemplate(plan).vpcAccess as JsonObject;
const runNic = (plan: GcpPlan) => (runVpc(plan).networkInterfaces as JsonObject[])[0] as JsonObject;

function route(name: string, extra: JsonObject): JsonObject {
  return { name, network: NETWORK, priority: 1000, ...extra };
}

function firewall(name: string, extra: JsonObject): JsonObject {
  return { name, network: NETWORK, priority: 1000, ...extra };
}

const tcp = (...ports: string[]): Json => [{ protocol: 'tcp', ports }];

function instance(name: string, tags: string[], accessConfigs: Json[]): JsonObject {
  return {
    name,
    machineType: 'e2-small',
    zone: 'us-central1-a',
    tags,
    bootDisk: { initializeParams: { image: 'debian-cloud/debian-12' } },
    networkInterfaces: [{ subnetwork: AGENT_SUBNET, accessConfigs }],
  };
}

export const GCP_MUTATIONS: readonly GcpMutation[] = [
  // Routes and NAT
  {
    name: 'an untagged default route to the default internet gateway',
    channel: 'route-to-internet',
    resource: 'escape-default',
    plant: (p) =>
      add(
        p,
        GCP.route,
        'escape-default',
        route('escape-default', {
          destRange: '0.0.0.0/0',
          nextHopGateway: 'default-internet-gateway',
        }),
      ),
  },
  {
    name: "the proxy's tag-scoped internet route re-tagged to the agent tag",
    channel: 'route-to-internet',
    resource: 'demo-proxy-internet',
    plant: (p) => {
      inputsOf(p, GCP.route, 'demo-proxy-internet').tags = [AGENT_TAG];
    },
  },
  {
    name: "the proxy's internet route with its tags removed (every instance uses it)",
    channel: 'route-to-internet',
    resource: 'demo-proxy-internet',
    plant: (p) => {
      delete inputsOf(p, GCP.route, 'demo-proxy-internet').tags;
    },
  },
  {
    name: 'a route to a next-hop IP (a box that can forward)',
    channel: 'route-to-internet',
    resource: 'escape-next-hop-ip',
    plant: (p) =>
      add(
        p,
        GCP.route,
        'escape-next-hop-ip',
        route('escape-next-hop-ip', {
          destRange: '0.0.0.0/0',
          nextHopIp: '10.80.16.10',
          priority: 900,
        }),
      ),
  },
  {
    name: 'a specific route to an instance',
    channel: 'route-to-internet',
    resource: 'escape-next-hop-instance',
    plant: (p) =>
      add(
        p,
        GCP.route,
        'escape-next-hop-instance',
        route('escape-next-hop-instance', {
          destRange: '203.0.113.0/24',
          nextHopInstance: `projects/${PROJECT}/zones/us-central1-a/instances/forwarder`,
        }),
      ),
  },
  {
    name: 'the network keeps the default route GCP creates',
    channel: 'route-to-internet',
    resource: 'demo-perimeter',
    plant: (p) => {
      inputsOf(p, GCP.network, 'demo-perimeter').deleteDefaultRoutesOnCreate = false;
    },
  },
  {
    name: 'Cloud NAT for every subnet (ALL_SUBNETWORKS_ALL_IP_RANGES)',
    channel: 'route-to-internet',
    resource: 'demo-proxy-nat',
    mentions: 'demo-agents',
    plant: (p) => {
      const nat = inputsOf(p, GCP.nat, 'demo-proxy-nat');
      nat.sourceSubnetworkIpRangesToNat = 'ALL_SUBNETWORKS_ALL_IP_RANGES';
      delete nat.subnetworks;
    },
  },
  {
    name: 'Cloud NAT listing the agent subnet',
    channel: 'route-to-internet',
    resource: 'demo-proxy-nat',
    mentions: 'demo-agents',
    plant: (p) => {
      (inputsOf(p, GCP.nat, 'demo-proxy-nat').subnetworks as Json[]).push({
        name: AGENT_SUBNET,
        sourceIpRangesToNats: ['ALL_IP_RANGES'],
      });
    },
  },
  // Cloud Run egress
  {
    name: 'Cloud Run egress PRIVATE_RANGES_ONLY (public traffic goes direct)',
    channel: 'route-to-internet',
    resource: 'demo-claude-code',
    plant: (p) => {
      runVpc(p).egress = 'PRIVATE_RANGES_ONLY';
    },
  },
  {
    name: 'Cloud Run Direct VPC egress without an egress setting (GCP default: private ranges)',
    channel: 'route-to-internet',
    resource: 'demo-claude-code',
    plant: (p) => {
      delete runVpc(p).egress;
    },
  },
  {
    name: 'Cloud Run without VPC access',
    channel: 'route-to-internet',
    resource: 'demo-claude-code',
    plant: (p) => {
      delete runTemplate(p).vpcAccess;
    },
  },
  {
    name: 'Cloud Run agent moved into the proxy subnet (Cloud NAT serves it)',
    channel: 'route-to-internet',
    resource: 'demo-proxy-nat',
    mentions: 'demo-claude-code',
    plant: (p) => {
      runNic(p).subnetwork = PROXY_SUBNET;
    },
  },
  // Firewall
  {
    name: 'egress allow 0.0.0.0/0 for the agent tag at a priority above the deny-all',
    channel: 'sg-egress',
    resource: 'escape-agent-egress',
    plant: (p) =>
      add(
        p,
        GCP.firewall,
        'escape-agent-egress',
        firewall('escape-agent-egress', {
          direction: 'EGRESS',
          priority: 100,
          allows: tcp('443'),
          destinationRanges: ['0.0.0.0/0'],
          targetTags: [AGENT_TAG],
        }),
      ),
  },
  {
    name: 'egress allow with no target (every instance)',
    channel: 'sg-egress',
    resource: 'escape-everyone-egress',
    mentions: 'every member of VPC network demo-perimeter',
    plant: (p) =>
      add(
        p,
        GCP.firewall,
        'escape-everyone-egress',
        firewall('escape-everyone-egress', {
          direction: 'EGRESS',
          allows: [{ protocol: 'all' }],
        }),
      ),
  },
  {
    name: 'egress allow to ::/0 for the agent tag',
    channel: 'sg-egress',
    resource: 'escape-v6-egress',
    plant: (p) =>
      add(
        p,
        GCP.firewall,
        'escape-v6-egress',
        firewall('escape-v6-egress', {
          direction: 'EGRESS',
          allows: tcp('443'),
          destinationRanges: ['::/0'],
          targetTags: [AGENT_TAG],
        }),
      ),
  },
  {
    name: 'egress allow UDP 53 to a public resolver for the agent service account',
    channel: 'sg-egress',
    resource: 'escape-agent-sa-dns',
    plant: (p) =>
      add(
        p,
        GCP.firewall,
        'escape-agent-sa-dns',
        firewall('escape-agent-sa-dns', {
          direction: 'EGRESS',
          allows: [{ protocol: 'udp', ports: ['53'] }],
          destinationRanges: ['8.8.8.8/32'],
          targetServiceAccounts: [AGENT_SA],
        }),
      ),
  },
  {
    name: 'the deny-all egress rule removed (the implied allow applies)',
    channel: 'sg-egress',
    resource: 'demo-perimeter',
    mentions: 'implied allow-egress rule',
    plant: (p) => remove(p, (r) => r.inputs.name === 'demo-deny-all-egress'),
  },
  {
    name: 'the deny-all egress rule disabled',
    channel: 'sg-egress',
    resource: 'demo-perimeter',
    mentions: 'demo-deny-all-egress is disabled',
    plant: (p) => {
      inputsOf(p, GCP.firewall, 'demo-deny-all-egress').disabled = true;
    },
  },
  {
    name: 'the agent-to-proxy rule opened to every TCP port',
    channel: 'sg-egress',
    resource: 'demo-agent-to-proxy',
    plant: (p) => {
      inputsOf(p, GCP.firewall, 'demo-agent-to-proxy').allows = [{ protocol: 'tcp' }];
    },
  },
  {
    name: 'the Google APIs rule widened beyond restricted.googleapis.com',
    channel: 'sg-egress',
    resource: 'demo-agent-to-google-apis',
    plant: (p) => {
      inputsOf(p, GCP.firewall, 'demo-agent-to-google-apis').destinationRanges = [
        '199.36.153.0/24',
      ];
    },
  },
  {
    name: 'a firewall policy rule allowing the agent service account to an FQDN',
    channel: 'sg-egress',
    resource: 'demo-proxy-egress',
    mentions: 'pastebin.com',
    plant: (p) =>
      add(p, GCP.policyRule, 'escape-policy-fqdn', {
        action: 'allow',
        direction: 'EGRESS',
        firewallPolicy: 'demo-proxy-egress',
        priority: 500,
        ruleName: 'agent-to-paste',
        match: {
          destFqdns: ['pastebin.com'],
          layer4Configs: [{ ipProtocol: 'tcp', ports: ['443'] }],
        },
        targetServiceAccounts: [AGENT_SA],
      }),
  },
  {
    name: 'ingress to agents from 0.0.0.0/0',
    channel: 'sg-ingress',
    resource: 'escape-ingress',
    plant: (p) =>
      add(
        p,
        GCP.firewall,
        'escape-ingress',
        firewall('escape-ingress', {
          direction: 'INGRESS',
          allows: tcp('22'),
          sourceRanges: ['0.0.0.0/0'],
          targetTags: [AGENT_TAG],
        }),
      ),
  },
  {
    name: 'agents admit other agents (source tag = target tag)',
    channel: 'lateral',
    resource: 'escape-lateral-ingress',
    plant: (p) =>
      add(
        p,
        GCP.firewall,
        'escape-lateral-ingress',
        firewall('escape-lateral-ingress', {
          direction: 'INGRESS',
          allows: tcp('8080'),
          sourceTags: [AGENT_TAG],
          targetTags: [AGENT_TAG],
        }),
      ),
  },
  {
    name: 'agents may open connections into the agent subnet',
    channel: 'lateral',
    resource: 'escape-lateral-egress',
    plant: (p) =>
      add(
        p,
        GCP.firewall,
        'escape-lateral-egress',
        firewall('escape-lateral-egress', {
          direction: 'EGRESS',
          allows: [{ protocol: 'all' }],
          destinationRanges: ['10.80.0.0/20'],
          targetTags: [AGENT_TAG],
        }),
      ),
  },
  // Addressing
  {
    name: 'an agent instance with an access config (external IP)',
    channel: 'public-ip',
    resource: 'escape-agent-vm',
    plant: (p) =>
      add(p, GCP.instance, 'escape-agent-vm', instance('escape-agent-vm', [AGENT_TAG], [{}])),
  },
  {
    name: 'Cloud Run ingress from the internet (INGRESS_TRAFFIC_ALL)',
    channel: 'public-ip',
    resource: 'demo-claude-code',
    plant: (p) => {
      run(p).ingress = 'INGRESS_TRAFFIC_ALL';
    },
  },
  {
    name: 'a dual-stack agent subnet (IPV4_IPV6)',
    channel: 'ipv6',
    resource: 'demo-agents',
    plant: (p) => {
      const s = inputsOf(p, GCP.subnet, 'demo-agents');
      s.stackType = 'IPV4_IPV6';
      s.ipv6AccessType = 'INTERNAL';
    },
  },
  // Identity and Google APIs
  {
    name: 'the agent service account granted a project role',
    channel: 'endpoint-policy',
    resource: `${PROJECT}/roles/storage.objectAdmin`,
    mentions: AGENT_SA,
    plant: (p) =>
      add(p, GCP.projectIam, 'escape-agent-role', {
        project: PROJECT,
        role: 'roles/storage.objectAdmin',
        member: `serviceAccount:${AGENT_SA}`,
      }),
  },
  {
    name: 'the agent service account given secretAccessor on the API key',
    channel: 'endpoint-policy',
    resource: 'anthropic-api-key/roles/secretmanager.secretAccessor',
    mentions: 'demo-claude-code',
    plant: (p) =>
      add(p, GCP.secretIam, 'escape-agent-secret', {
        project: PROJECT,
        secretId: 'anthropic-api-key',
        role: 'roles/secretmanager.secretAccessor',
        member: `serviceAccount:${AGENT_SA}`,
      }),
  },
  {
    name: "the agent runs as the proxy's service account (its secrets)",
    channel: 'endpoint-policy',
    resource: 'anthropic-api-key/roles/secretmanager.secretAccessor',
    mentions: PROXY_SA,
    plant: (p) => {
      runTemplate(p).serviceAccount = PROXY_SA;
    },
  },
  {
    name: 'Cloud Run without a service account (Compute Engine default, Editor)',
    channel: 'endpoint-policy',
    resource: 'demo-claude-code',
    plant: (p) => {
      delete runTemplate(p).serviceAccount;
    },
  },
  {
    name: 'agents routed and allowed to private.googleapis.com (every Google API)',
    channel: 'endpoint-policy',
    resource: 'private.googleapis.com',
    plant: (p) => {
      add(
        p,
        GCP.route,
        'escape-private-apis',
        route('escape-private-apis', {
          destRange: '199.36.153.8/30',
          nextHopGateway: 'default-internet-gateway',
        }),
      );
      inputsOf(p, GCP.firewall, 'demo-agent-to-google-apis').destinationRanges = [
        '199.36.153.4/30',
        '199.36.153.8/30',
      ];
    },
  },
  // DNS
  {
    name: 'the DNS response policy removed',
    channel: 'dns-firewall',
    resource: 'demo-perimeter',
    mentions: 'DNS response policy',
    plant: (p) =>
      remove(p, (r) => r.type === GCP.responsePolicy || r.type === GCP.responsePolicyRule),
  },
  {
    name: 'the private googleapis.com zone removed',
    channel: 'dns-firewall',
    resource: 'demo-perimeter',
    mentions: 'googleapis.com',
    plant: (p) => remove(p, (r) => r.type === GCP.zone || r.type === GCP.record),
  },
  {
    name: 'the catch-all response policy rule lets every name through',
    channel: 'dns-firewall',
    resource: 'demo-dns-allowlist',
    mentions: 'deny-everything-else',
    plant: (p) => {
      const rule = p.resources.find((r) => r.inputs.ruleName === 'deny-everything-else');
      if (rule === undefined) throw new Error('no catch-all rule');
      delete rule.inputs.localData;
      rule.inputs.behavior = 'bypassResponsePolicy';
    },
  },
  {
    name: 'a DNS server policy with an alternative name server',
    channel: 'dns-firewall',
    resource: 'demo-dns-logging',
    plant: (p) => {
      inputsOf(p, GCP.dnsPolicy, 'demo-dns-logging').alternativeNameServerConfig = {
        targetNameServers: [{ ipv4Address: '8.8.8.8' }],
      };
    },
  },
  // Workloads
  {
    name: 'Cloud Run agent without the agent network tag',
    channel: 'unprotected-workload',
    resource: 'demo-claude-code',
    plant: (p) => {
      runNic(p).tags = ['web'];
    },
  },
  {
    name: 'an instance in the agent subnet without the agent tag',
    channel: 'unprotected-workload',
    resource: 'escape-neighbour',
    plant: (p) =>
      add(p, GCP.instance, 'escape-neighbour', instance('escape-neighbour', ['web'], [])),
  },
  // What cannot be seen
  {
    name: "an unknown value in a route (the proxy route's destination during a preview)",
    channel: 'cannot-prove',
    resource: 'demo-network-route-proxy-internet',
    plant: (p) => {
      inputsOf(p, GCP.route, 'demo-proxy-internet').destRange = UNKNOWN;
    },
  },
  {
    name: 'a secret Cloud Run egress setting',
    channel: 'cannot-prove',
    resource: 'demo-agent-claude-code-service',
    plant: (p) => {
      runVpc(p).egress = {
        '4dabf18193072939515e22adb298388d': '1b47061264138c4ac30d75fd1eb44270',
        ciphertext: 'x',
      };
    },
  },
  {
    name: 'Cloud Run in a subnet that is not in the input',
    channel: 'cannot-prove',
    resource: 'demo-claude-code',
    mentions: 'shared-agents',
    plant: (p) => {
      runNic(p).subnetwork = `projects/host-project/regions/us-central1/subnetworks/shared-agents`;
    },
  },
  {
    name: 'a VPC peering (routes the verifier does not read)',
    channel: 'cannot-prove',
    resource: 'escape-peering',
    plant: (p) =>
      add(p, 'gcp:compute/networkPeering:NetworkPeering', 'escape-peering', {
        name: 'escape-peering',
        network: NETWORK,
        peerNetwork: 'projects/other/global/networks/elsewhere',
      }),
  },
  {
    name: 'proxy template runs another image',
    channel: 'identity',
    resource: 'demo-proxy-template',
    mentions: 'evil/relay:1',
    plant: (p) => {
      const md = proxyTemplate(p).metadata as JsonObject;
      md['user-data'] = String(md['user-data']).replace(
        /\S+ \/etc\/envoy\/agent-perimeter-launch\.sh/,
        'evil/relay:1 /etc/envoy/agent-perimeter-launch.sh',
      );
    },
  },
  {
    name: 'proxy template writes another Envoy config',
    channel: 'identity',
    resource: 'demo-proxy-template',
    mentions: 'other than the one the policy renders',
    plant: (p) => {
      const md = proxyTemplate(p).metadata as JsonObject;
      md['user-data'] = String(md['user-data']).replace(
        /content: [A-Za-z0-9+/=]{200,}/,
        `content: ${Buffer.from('{"static_resources":{}}').toString('base64')}`,
      );
    },
  },
  {
    name: 'proxy template runs as the agent service account',
    channel: 'identity',
    resource: 'demo-proxy-template',
    mentions: AGENT_SA,
    plant: (p) => {
      (proxyTemplate(p).serviceAccount as JsonObject).email = AGENT_SA;
    },
  },
  {
    name: 'another instance with the proxy tag in the proxy subnet',
    channel: 'identity',
    resource: 'impostor-vm',
    plant: (p) =>
      add(p, 'gcp:compute/instance:Instance', 'impostor-vm', {
        name: 'impostor-vm',
        machineType: 'e2-small',
        tags: ['agent-perimeter-proxy'],
        serviceAccount: { email: PROXY_SA, scopes: [] },
        networkInterfaces: [{ subnetwork: PROXY_SUBNET }],
      }),
  },
  {
    name: 'proxy backend service with an instance group not defined here',
    channel: 'cannot-prove',
    resource: 'demo-proxy',
    mentions: 'elsewhere',
    plant: (p) => {
      const backend = inputsOf(
        p,
        'gcp:compute/regionBackendService:RegionBackendService',
        'demo-proxy',
      );
      (backend.backends as JsonObject[]).push({
        group: `projects/${PROJECT}/regions/us-central1/instanceGroups/elsewhere`,
      });
    },
  },
];
