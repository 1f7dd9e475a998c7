import { beforeAll, describe, expect, it } from 'vitest';
import { gcpPlanJson, planGcp } from '../../app/gcp-plan.js';
import { prepareParsed } from '../../app/prepare.js';
import { UserError } from '../../lib/errors.js';
import type { JsonObject } from '../../lib/json.js';
import { loadPolicy, policyInjectListeners, proxyPorts } from '../../lib/policy/index.js';
import { probeBundle } from '../../lib/probe/bundle.js';
import { HEALTH_PATH } from '../../lib/proxy-contract.js';
import { ENVOY_IMAGE } from '../../lib/versions.js';
import { renderCheckedProxyConfig } from '../../proxy/index.js';
import { AGENT_TAG, PROXY_TAG } from '../../pulumi/index.js';
import type { GcpPlan } from '../../pulumi/plan/types.js';
import { policyYaml, validPolicy } from '../helpers/policy.js';
import { allStrings, at, byName, GCP, ofType, one } from '../helpers/pulumi-plan.js';

/*
 * The whole Pulumi program (bin/gcp-program.ts) under Pulumi's mocks, as `plan-gcp` runs it:
 * the properties the perimeter promises, read from the resources it would create. The plans
 * are made once (mocks are process-global, so one after the other) and shared by every test.
 */

const DEFAULT = loadPolicy();
const VARIANT = validPolicy(
  policyYaml(
    `  - host: api.anthropic.com
    inject: { header: x-api-key, secret: anthropic-api-key }
  - host: api.openai.com
    inject: { header: authorization, secret: openai-api-key }
  - host: git.example.com
    ports: [443, 8443]`,
    `agents:
  - name: worker
    image: docker.io/library/python:3.13-slim
proxy:
  image: us-docker.pkg.dev/acme-agents/mirror/envoy:v1.36.4
  replicas: { min: 3, max: 9 }
logging:
  retention_days: 90`,
  ),
);

let base: GcpPlan;
let variant: GcpPlan;
let jobs: GcpPlan;
beforeAll(async () => {
  base = await planGcp();
  variant = await planGcp({ prepared: prepareParsed(VARIANT), project: 'acme-agents' });
  jobs = await planGcp({ config: { agentRuntime: 'job', agentGoogleApis: 'false' } });
});

const inputs = (plan: GcpPlan, type: string, name?: string): JsonObject =>
  one(plan, type, name).inputs;

/**
 * The proxy's one Artifact Registry grant, reader on that one repository for the proxy's service
 * account `account` of `project`, and its VM's Docker login to that registry. Returns the grant.
 */
function expectImageReader(
  plan: GcpPlan,
  location: string,
  project: string,
  repository: string,
  account: string,
) {
  const reader = one(plan, 'gcp:artifactregistry/repositoryIamMember:RepositoryIamMember');
  expect(reader.inputs).toEqual({
    location,
    project,
    repository,
    role: 'roles/artifactregistry.reader',
    member: `serviceAccount:${account}@${project}.iam.gserviceaccount.com`,
  });
  expect(String(at(inputs(plan, GCP.template), 'metadata.user-data'))).toContain(
    `docker-credential-gcr configure-docker --registries=${location}-docker.pkg.dev`,
  );
  return reader;
}

describe('network', () => {
  it('is a custom-mode VPC created without its default route, firewall policies first', () => {
    expect(inputs(base, GCP.network)).toMatchObject({
      name: 'demo-perimeter',
      autoCreateSubnetworks: false,
      deleteDefaultRoutesOnCreate: true,
      enableUlaInternalIpv6: false,
      networkFirewallPolicyEnforcementOrder: 'BEFORE_CLASSIC_FIREWALL',
    });
  });

  it('has agent and proxy subnets with full flow logs and Private Google Access', () => {
    const subnets = byName(base, GCP.subnet);
    expect(Object.keys(subnets).sort()).toEqual(['demo-agents', 'demo-proxy']);
    for (const subnet of Object.values(subnets)) {
      expect(subnet).toMatchObject({
        network: 'projects/agent-perimeter-plan/global/networks/demo-perimeter',
        privateIpGoogleAccess: true,
        stackType: 'IPV4_ONLY',
        logConfig: { metadata: 'INCLUDE_ALL_METADATA', flowSampling: 1 },
      });
    }
  });

  it('routes to the internet only for proxy-tagged instances', () => {
    const routes = ofType(base, GCP.route).map((r) => r.inputs);
    expect(routes.map((r) => [r.destRange, r.nextHopGateway, r.tags ?? []])).toEqual([
      ['0.0.0.0/0', 'default-internet-gateway', [PROXY_TAG]],
      ['199.36.153.4/30', 'default-internet-gateway', []],
    ]);
  });

  it('gives Cloud NAT to the proxy subnet only', () => {
    const nat = inputs(base, GCP.nat);
    expect(nat.sourceSubnetworkIpRangesToNat).toBe('LIST_OF_SUBNETWORKS');
    expect(nat.subnetworks).toEqual([
      {
        name: 'projects/agent-perimeter-plan/regions/us-central1/subnetworks/demo-proxy',
        sourceIpRangesToNats: ['ALL_IP_RANGES'],
      },
    ]);
    expect(nat.router).toBe(inputs(base, GCP.router).name);
  });

  it('denies and logs everything else at the lowest priority, and logs every rule', () => {
    const rules = ofType(base, GCP.firewall).map((r) => r.inputs);
    expect(rules.every((r) => at(r, 'logConfig.metadata') === 'INCLUDE_ALL_METADATA')).toBe(true);
    const lowest = Math.max(...rules.map((r) => Number(r.priority)));
    expect(lowest).toBe(65534);
    expect(
      rules
        .filter((r) => r.priority === lowest)
        .map((r) => [r.direction, r.denies, r.targetTags ?? null]),
    ).toEqual([
      ['EGRESS', [{ protocol: 'all' }], null],
      ['INGRESS', [{ protocol: 'all' }], null],
    ]);
  });

  it('lets agents out only to the proxy load balancer and Google APIs', () => {
    const address = String(inputs(base, GCP.address).address);
    const agentRules = ofType(base, GCP.firewall)
      .map((r) => r.inputs)
      .filter((r) => (r.targetTags as string[] | undefined)?.includes(AGENT_TAG));
    expect(agentRules.map((r) => [r.direction, r.destinationRanges, r.allows])).toEqual([
      ['EGRESS', ['199.36.153.4/30'], [{ protocol: 'tcp', ports: ['443'] }]],
      ['EGRESS', [`${address}/32`], [{ protocol: 'tcp', ports: ['3128', '8081'] }]],
    ]);
  });

  it('resolves Google APIs privately and nothing outside the allowlist', () => {
    const network = 'projects/agent-perimeter-plan/global/networks/demo-perimeter';
    expect(inputs(base, GCP.zone)).toMatchObject({
      dnsName: 'googleapis.com.',
      visibility: 'private',
      privateVisibilityConfig: { networks: [{ networkUrl: network }] },
    });
    expect(inputs(base, GCP.responsePolicy).networks).toEqual([{ networkUrl: network }]);
    const rules = ofType(base, GCP.responsePolicyRule).map((r) => r.inputs);
    expect(rules.find((r) => r.dnsName === '*.')?.localData).toBeDefined();
    expect(rules.filter((r) => r.behavior === 'bypassResponsePolicy')).toHaveLength(
      rules.length - 1,
    );
  });
});

describe('proxy tier', () => {
  it('runs Shielded COS instances without an external address, with OS Login, tagged for NAT', () => {
    const template = inputs(base, GCP.template);
    expect(template).toMatchObject({
      machineType: 'e2-small',
      canIpForward: false,
      tags: [PROXY_TAG],
      shieldedInstanceConfig: {
        enableSecureBoot: true,
        enableVtpm: true,
        enableIntegrityMonitoring: true,
      },
      serviceAccount: { email: 'demo-proxy@agent-perimeter-plan.iam.gserviceaccount.com' },
      metadata: { 'enable-oslogin': 'TRUE', 'block-project-ssh-keys': 'TRUE' },
    });
    expect(at(template, 'disks.0.sourceImage')).toBe('cos-cloud/cos-stable');
    expect(template.networkInterfaces).toEqual([
      {
        subnetwork: 'projects/agent-perimeter-plan/regions/us-central1/subnetworks/demo-proxy',
        stackType: 'IPV4_ONLY',
      },
    ]);
  });

  it('boots the pinned Envoy image with the rendered config and fetches secrets at boot', () => {
    const userData = String(at(inputs(base, GCP.template), 'metadata.user-data'));
    const config = /encoding: b64\n\s+content: (\S+)/.exec(userData)?.[1] ?? '';
    expect(JSON.parse(Buffer.from(config, 'base64').toString('utf8'))).toEqual(
      renderCheckedProxyConfig(DEFAULT),
    );
    expect(userData).toContain(
      `${DEFAULT.proxy.image} /etc/envoy/agent-perimeter-launch.sh --credential-env AGENT_PERIMETER_SECRET_ANTHROPIC_API_KEY`,
    );
    expect(userData).toContain('--config-path /etc/envoy/agent-perimeter.json');
    expect(userData).toContain('--env-file=/run/agent-perimeter/envoy.env');
    expect(userData).toContain(
      `printf '%s=%s\\n' 'AGENT_PERIMETER_SECRET_ANTHROPIC_API_KEY' "\${value}"`,
    );
  });

  it('heals and scales the group within the policy bounds, behind an internal load balancer', () => {
    const group = one(base, GCP.group);
    expect(group.inputs.autoHealingPolicies).toEqual({
      healthCheck: 'projects/agent-perimeter-plan/global/healthChecks/demo-proxy-autohealing',
      initialDelaySec: 300,
    });
    expect(group.dependencies).toContain(one(base, GCP.address).urn);
    expect(at(inputs(base, GCP.autoscaler), 'autoscalingPolicy')).toMatchObject({
      minReplicas: 2,
      maxReplicas: 6,
    });
    for (const type of [GCP.regionHealthCheck, GCP.healthCheck]) {
      expect(inputs(base, type).httpHealthCheck).toEqual({ port: 8099, requestPath: HEALTH_PATH });
    }
    expect(inputs(base, GCP.backend)).toMatchObject({
      loadBalancingScheme: 'INTERNAL',
      protocol: 'TCP',
      backends: [
        {
          group:
            'https://www.googleapis.com/compute/v1/projects/agent-perimeter-plan/regions/us-central1/instanceGroups/demo-proxy',
          balancingMode: 'CONNECTION',
        },
      ],
    });
    expect(inputs(base, GCP.forwardingRule)).toMatchObject({
      loadBalancingScheme: 'INTERNAL',
      ipAddress: '10.80.16.253',
      ports: ['3128', '8081'],
      allowGlobalAccess: false,
    });
    expect(inputs(base, GCP.address)).toMatchObject({ addressType: 'INTERNAL' });
  });

  it('lets only the proxy read the secrets, and gives it nothing but logs and metrics', () => {
    const proxy = 'serviceAccount:demo-proxy@agent-perimeter-plan.iam.gserviceaccount.com';
    expect(ofType(base, GCP.secretIam).map((r) => r.inputs)).toEqual([
      {
        member: proxy,
        project: 'agent-perimeter-plan',
        role: 'roles/secretmanager.secretAccessor',
        secretId: 'anthropic-api-key',
      },
    ]);
    expect(ofType(base, GCP.projectIam).map((r) => [r.inputs.role, r.inputs.member])).toEqual([
      ['roles/logging.logWriter', proxy],
      ['roles/monitoring.metricWriter', proxy],
    ]);
  });

  it('adds the FQDN firewall policy for the proxy only, attached to the VPC', () => {
    const rules = ofType(base, GCP.policyRule).map((r) => r.inputs);
    expect(new Set(rules.map((r) => JSON.stringify(r.targetServiceAccounts)))).toEqual(
      new Set(['["demo-proxy@agent-perimeter-plan.iam.gserviceaccount.com"]']),
    );
    expect(rules.find((r) => r.action === 'deny')).toMatchObject({
      priority: 65000,
      match: { destIpRanges: ['0.0.0.0/0'], layer4Configs: [{ ipProtocol: 'all' }] },
    });
    expect(inputs(base, GCP.policyAssociation).attachmentTarget).toBe(
      inputs(base, GCP.subnet, 'demo-agents').network,
    );
    expect(base.warnings.some((w) => w.includes('"*.githubusercontent.com"'))).toBe(true);
  });
});

describe('agents', () => {
  it('run on Cloud Run gen1 (gVisor), internal ingress, all traffic into the agent subnet', () => {
    const service = inputs(base, GCP.runService);
    expect(service).toMatchObject({
      name: 'demo-claude-code',
      ingress: 'INGRESS_TRAFFIC_INTERNAL_ONLY',
      template: {
        executionEnvironment: 'EXECUTION_ENVIRONMENT_GEN1',
        serviceAccount: 'demo-agent-claude-code@agent-perimeter-plan.iam.gserviceaccount.com',
        vpcAccess: {
          egress: 'ALL_TRAFFIC',
          networkInterfaces: [
            {
              network: 'projects/agent-perimeter-plan/global/networks/demo-perimeter',
              subnetwork:
                'projects/agent-perimeter-plan/regions/us-central1/subnetworks/demo-agents',
              tags: [AGENT_TAG],
            },
          ],
        },
      },
    });
    expect(at(service, 'template.vpcAccess.connector')).toBeUndefined();
  });

  it('have a service account with no roles and no secrets, only the proxy environment', () => {
    const email = 'demo-agent-claude-code@agent-perimeter-plan.iam.gserviceaccount.com';
    const grants = [...ofType(base, GCP.projectIam), ...ofType(base, GCP.secretIam)];
    expect(grants.filter((g) => String(g.inputs.member).includes(email))).toEqual([]);
    const service = inputs(base, GCP.runService);
    const envs = at(service, 'template.containers.0.envs') as JsonObject[];
    expect(envs.every((e) => e.valueSource === undefined)).toBe(true);
    expect(at(service, 'template.volumes')).toBeUndefined();
    const env = Object.fromEntries(envs.map((e) => [e.name, e.value]));
    expect(env).toMatchObject({
      HTTPS_PROXY: 'http://10.80.16.253:3128',
      ANTHROPIC_BASE_URL: 'http://10.80.16.253:8081',
      ANTHROPIC_API_KEY: 'injected-by-agent-perimeter-proxy',
    });
    expect(Object.keys(env).some((k) => k.startsWith('AGENT_PERIMETER_SECRET_'))).toBe(false);
  });

  it('run as Cloud Run jobs on gen2 with the same containment', () => {
    expect(ofType(jobs, GCP.runService)).toEqual([]);
    expect(inputs(jobs, GCP.runJob, 'demo-claude-code')).toMatchObject({
      template: {
        template: {
          executionEnvironment: 'EXECUTION_ENVIRONMENT_GEN2',
          vpcAccess: { egress: 'ALL_TRAFFIC', networkInterfaces: [{ tags: [AGENT_TAG] }] },
        },
      },
    });
    // agentGoogleApis false: no agent rule to Google APIs, the route is the proxy's only.
    expect(Object.keys(byName(jobs, GCP.firewall))).not.toContain('demo-agent-to-google-apis');
    expect(byName(jobs, GCP.route)['demo-restricted-google-apis']?.tags).toEqual([PROXY_TAG]);
  });
});

describe('audit logging', () => {
  it('routes the audit logs into a locked bucket with the policy retention', () => {
    const bucket = inputs(base, GCP.bucket);
    expect(bucket).toMatchObject({ bucketId: 'demo-audit', retentionDays: 365, locked: true });
    expect(inputs(base, GCP.sink)).toMatchObject({
      destination:
        'logging.googleapis.com/projects/agent-perimeter-plan/locations/us-central1/buckets/demo-audit',
      uniqueWriterIdentity: true,
    });
    expect(inputs(base, GCP.dnsPolicy)).toMatchObject({
      enableLogging: true,
      networks: [{ networkUrl: 'projects/agent-perimeter-plan/global/networks/demo-perimeter' }],
    });
    expect(inputs(base, GCP.auditConfig)).toMatchObject({
      service: 'secretmanager.googleapis.com',
      auditLogConfigs: [{ logType: 'DATA_READ' }],
    });
  });
});

describe('a different policy changes the resources', () => {
  it('names a new host in the FQDN layer and opens its ports', () => {
    const fqdns = ofType(variant, GCP.policyRule).flatMap(
      (r) => (at(r.inputs, 'match.destFqdns') as string[] | undefined) ?? [],
    );
    expect(fqdns).toEqual(expect.arrayContaining(['api.openai.com', 'git.example.com']));
    const upstream = byName(variant, GCP.firewall)['test-proxy-to-upstream'];
    expect(upstream?.allows).toEqual([{ protocol: 'tcp', ports: ['443', '8443'] }]);
    expect(
      ofType(variant, GCP.policyRule).find((r) =>
        (at(r.inputs, 'match.destFqdns') as string[] | undefined)?.includes('git.example.com'),
      )?.inputs.match,
    ).toMatchObject({ layer4Configs: [{ ipProtocol: 'tcp', ports: ['443', '8443'] }] });
  });

  it('adds a listener port for a new inject entry, and access to its secret', () => {
    const ports = proxyPorts(VARIANT).agentFacing.map(String);
    expect(ports).toEqual(['3128', '8081', '8082']);
    expect(inputs(variant, GCP.forwardingRule).ports).toEqual(ports);
    expect(byName(variant, GCP.firewall)['test-agent-to-proxy']?.allows).toEqual([
      { protocol: 'tcp', ports },
    ]);
    expect(ofType(variant, GCP.secretIam).map((r) => r.inputs.secretId)).toEqual(
      policyInjectListeners(VARIANT).map((l) => l.secret),
    );
  });

  it('lets the proxy pull its image from Artifact Registry, and only that repository', () => {
    const reader = expectImageReader(variant, 'us', 'acme-agents', 'mirror', 'test-proxy');
    expect(one(variant, GCP.group).dependencies).toContain(reader.urn);
    // A pkg.dev image is the mirror step: used as it is, with no remote repository.
    expect(ofType(variant, 'gcp:artifactregistry/repository:Repository')).toEqual([]);
  });

  it('pulls a Docker Hub image through a remote repository of the perimeter, by tag', () => {
    const cache = one(base, 'gcp:artifactregistry/repository:Repository');
    expect(cache.inputs).toMatchObject({
      project: 'agent-perimeter-plan',
      location: 'us-central1',
      repositoryId: 'demo-proxy',
      format: 'DOCKER',
      mode: 'REMOTE_REPOSITORY',
      remoteRepositoryConfig: { dockerRepository: { publicRepository: 'DOCKER_HUB' } },
    });
    // No login unless one is passed: anonymous pulls.
    expect(at(cache.inputs, 'remoteRepositoryConfig.upstreamCredentials')).toBeUndefined();
    // On that repository only, and after it exists; no project-wide Artifact Registry role.
    const reader = expectImageReader(
      base,
      'us-central1',
      'agent-perimeter-plan',
      'demo-proxy',
      'demo-proxy',
    );
    expect(reader.dependencies).toContain(cache.urn);
    expect(
      ofType(base, GCP.projectIam).filter((r) =>
        String(r.inputs.role).includes('artifactregistry'),
      ),
    ).toEqual([]);
    const userData = String(at(inputs(base, GCP.template), 'metadata.user-data'));
    expect(userData).toContain(
      `us-central1-docker.pkg.dev/agent-perimeter-plan/demo-proxy/${ENVOY_IMAGE}`,
    );
    expect(userData).not.toMatch(/docker run[^\n]* envoyproxy\/envoy/);
  });

  it('follows the replica bounds, retention, profiles and project', () => {
    expect(at(inputs(variant, GCP.autoscaler), 'autoscalingPolicy')).toMatchObject({
      minReplicas: 3,
      maxReplicas: 9,
    });
    expect(inputs(variant, GCP.bucket).retentionDays).toBe(90);
    expect(inputs(variant, GCP.runService)).toMatchObject({
      name: 'test-worker',
      project: 'acme-agents',
      template: { containers: [{ image: 'docker.io/library/python:3.13-slim' }] },
    });
    // Only the policy's own warnings: both images are given by tag without a digest.
    expect(
      variant.warnings.map((w) => w.slice(0, w.indexOf(' is a tag without a digest'))),
    ).toEqual([
      'proxy.image "us-docker.pkg.dev/acme-agents/mirror/envoy:v1.36.4"',
      'agents[0].image "docker.io/library/python:3.13-slim"',
    ]);
  });
});

describe('Pulumi config', () => {
  it('passes each network and proxy setting to its component; unset ones keep the defaults', async () => {
    const set = await planGcp({
      config: {
        agentCidr: '10.90.0.0/20',
        proxyCidr: '10.90.16.0/24',
        proxyLoadBalancerIp: '10.90.16.10',
        extraDnsNames: '["extra.example.com"]',
        wildcardHosts: '{"*.githubusercontent.com": ["raw.githubusercontent.com"]}',
        proxyMachineType: 'e2-standard-2',
        proxyZones: '["us-central1-a", "us-central1-b"]',
      },
    });
    const cidrs = (plan: GcpPlan) =>
      ofType(plan, GCP.subnet).map((r) => [r.inputs.name, r.inputs.ipCidrRange]);
    expect(cidrs(set)).toEqual([
      ['demo-agents', '10.90.0.0/20'],
      ['demo-proxy', '10.90.16.0/24'],
    ]);
    expect(cidrs(base)).toEqual([
      ['demo-agents', '10.80.0.0/20'],
      ['demo-proxy', '10.80.16.0/24'],
    ]);
    expect(inputs(set, GCP.address).address).toBe('10.90.16.10');
    const ruleNames = (plan: GcpPlan) =>
      ofType(plan, GCP.responsePolicyRule).map((r) => r.inputs.dnsName);
    expect(ruleNames(set)).toContain('extra.example.com.');
    expect(ruleNames(base)).not.toContain('extra.example.com.');
    const fqdns = (plan: GcpPlan) =>
      ofType(plan, GCP.policyRule).flatMap((r) => allStrings(at(r.inputs, 'match.destFqdns')));
    expect(fqdns(set)).toContain('raw.githubusercontent.com');
    expect(fqdns(base)).not.toContain('raw.githubusercontent.com');
    expect(inputs(set, GCP.template).machineType).toBe('e2-standard-2');
    expect(inputs(base, GCP.template).machineType).not.toBe('e2-standard-2');
    expect(inputs(set, GCP.group).distributionPolicyZones).toEqual([
      'us-central1-a',
      'us-central1-b',
    ]);
    expect(inputs(base, GCP.group).distributionPolicyZones).toBeUndefined();
  });

  it('passes dockerHubCredential to the proxy image cache; without it Docker Hub is anonymous', async () => {
    const version = 'projects/acme-agents/secrets/docker-hub-token/versions/3';
    const set = await planGcp({
      config: {
        dockerHubCredential: JSON.stringify({ username: 'acme', passwordSecretVersion: version }),
      },
    });
    const cache = (plan: GcpPlan) => one(plan, 'gcp:artifactregistry/repository:Repository').inputs;
    expect(at(cache(set), 'remoteRepositoryConfig.upstreamCredentials')).toEqual({
      usernamePasswordCredentials: { username: 'acme', passwordSecretVersion: version },
    });
    expect(at(cache(base), 'remoteRepositoryConfig.upstreamCredentials')).toBeUndefined();
    // The proxy's own identity still reads no secret but its injected ones.
    expect(JSON.stringify(ofType(set, GCP.secretIam))).not.toContain('docker-hub-token');
  });

  it.each([
    [
      { passwordSecretVersion: 'projects/p/secrets/s/versions/1' },
      'dockerHubCredential.username is undefined',
    ],
    [
      { username: 'acme', passwordSecretVersion: 'docker-hub-token' },
      'dockerHubCredential.passwordSecretVersion is "docker-hub-token", not a Secret Manager secret version',
    ],
    [
      { username: 'acme', passwordSecretVersion: 'projects/p/secrets/s/versions/1', token: 'x' },
      'dockerHubCredential has unknown field(s) token',
    ],
  ])('refuses dockerHubCredential %j with the fix', async (value, message) => {
    const refused = planGcp({ config: { dockerHubCredential: JSON.stringify(value) } });
    await expect(refused).rejects.toThrow(UserError);
    await expect(refused).rejects.toThrow(message);
    await expect(refused).rejects.toThrow(
      'Fix: pulumi config set --path dockerHubCredential.username',
    );
  });

  it('passes the DNS allowlist and FQDN policy switches', async () => {
    const off = await planGcp({ config: { dnsAllowlist: 'false', fqdnEgressPolicy: 'false' } });
    expect(ofType(off, GCP.responsePolicy)).toEqual([]);
    expect(ofType(off, GCP.policyRule)).toEqual([]);
    expect(ofType(base, GCP.responsePolicy)).toHaveLength(1);
    expect(ofType(base, GCP.policyRule).length).toBeGreaterThan(0);
  });
});

describe('the plan', () => {
  it('parents every resource to a perimeter component', () => {
    const components = new Map(base.resources.filter((r) => !r.custom).map((r) => [r.urn, r]));
    expect([...components.values()].map((c) => c.type).sort()).toEqual([
      'agent-perimeter:gcp:AgentNetwork',
      'agent-perimeter:gcp:AgentPerimeter',
      'agent-perimeter:gcp:AgentService',
      'agent-perimeter:gcp:AuditLogging',
      'agent-perimeter:gcp:ProbeJob',
      'agent-perimeter:gcp:ProxyTier',
    ]);
    for (const resource of base.resources) {
      if (resource.type === 'agent-perimeter:gcp:AgentPerimeter') {
        expect(resource.parent).toBeNull();
      } else {
        expect(components.has(String(resource.parent))).toBe(true);
      }
    }
  });

  it('holds no secret value and is the same on every run', async () => {
    const text = gcpPlanJson(base);
    // The probe program carries its detectors' patterns (e.g. /^sk-ant-/), not any value.
    const strings = allStrings(JSON.parse(text)).filter((s) => s !== probeBundle());
    expect(strings.some((s) => /sk-ant-|ghp_|BEGIN PRIVATE KEY/.test(s))).toBe(false);
    expect(gcpPlanJson(await planGcp())).toBe(text);
  });

  it('records the stack outputs', () => {
    expect(base.outputs).toMatchObject({
      policy: 'demo',
      proxyAddress: '10.80.16.253',
      network: 'demo-perimeter',
      agentServices: { 'claude-code': { name: 'demo-claude-code' } },
    });
  });
});
