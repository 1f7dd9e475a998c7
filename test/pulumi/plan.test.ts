import { describe, expect, it } from 'vitest';
import { bootFacts } from '../../lib/containment/gcp/facts/boot.js';
import { proxyConfigDigest } from '../../lib/contract/proxy-identity.js';
import { loadPolicy } from '../../lib/policy/index.js';
import { planAgent } from '../../pulumi/agents/plan.js';
import { GcpPerimeterError } from '../../pulumi/errors.js';
import { auditSinkFilter, planAuditLogging } from '../../pulumi/logging/plan.js';
import { AGENT_TAG, fitName, PROXY_TAG, serviceAccountId } from '../../pulumi/names.js';
import {
  DENY_ALL_PRIORITY,
  HEALTH_CHECK_RANGES,
  planNetwork,
  RESTRICTED_GOOGLE_APIS_RANGE,
} from '../../pulumi/network/plan.js';
import {
  DENY_RULE_PRIORITY,
  MAX_FQDNS_PER_RULE,
  planEgressPolicy,
} from '../../pulumi/proxy-tier/egress-policy.js';
import { planProxyTier, proxyMachineType } from '../../pulumi/proxy-tier/plan.js';
import { policyYaml, validPolicy } from '../helpers/policy.js';

/*
 * The pure planning behind the GCP components: no Pulumi runtime involved. What the
 * components create from these plans is checked in test/app/gcp-program.test.ts.
 */

const DEFAULT = loadPolicy();
const ANTHROPIC = `  - host: api.anthropic.com
    inject: { header: x-api-key, secret: anthropic-api-key }
  - host: github.com`;
const BASE = validPolicy(policyYaml(ANTHROPIC));

/** Runs `fn`, expects a GcpPerimeterError, returns its message. */
function failure(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(GcpPerimeterError);
    return (error as Error).message;
  }
  throw new Error('expected a GcpPerimeterError');
}

describe('planNetwork', () => {
  const plan = planNetwork(DEFAULT);
  const rules = Object.fromEntries(plan.firewallRules.map((r) => [r.name, r]));

  it('lays out the default address plan with the load balancer on the last usable address', () => {
    expect(plan.agentCidr).toBe('10.80.0.0/20');
    expect(plan.proxyCidr).toBe('10.80.16.0/24');
    expect(plan.proxyLoadBalancerIp).toBe('10.80.16.253');
  });

  it('adds back only the restricted Google APIs route and a proxy-tagged default route', () => {
    expect(plan.routes.map((r) => [r.destRange, r.tags])).toEqual([
      [RESTRICTED_GOOGLE_APIS_RANGE, []],
      ['0.0.0.0/0', [PROXY_TAG]],
    ]);
  });

  it('tags the Google APIs route to the proxy when agents may not use Google APIs', () => {
    const closed = planNetwork(DEFAULT, { agentGoogleApis: false });
    expect(closed.routes.find((r) => r.destRange === RESTRICTED_GOOGLE_APIS_RANGE)?.tags).toEqual([
      PROXY_TAG,
    ]);
    expect(closed.firewallRules.map((r) => r.name)).not.toContain('demo-agent-to-google-apis');
  });

  it('ends both directions with a deny-all rule below every other rule', () => {
    for (const direction of ['EGRESS', 'INGRESS'] as const) {
      const own = plan.firewallRules.filter((r) => r.direction === direction);
      const last = own.reduce((a, b) => (a.priority >= b.priority ? a : b));
      expect(last).toMatchObject({
        action: 'deny',
        protocol: 'all',
        priority: DENY_ALL_PRIORITY,
        targetTags: [],
      });
      expect(own.filter((r) => r.priority === DENY_ALL_PRIORITY)).toHaveLength(1);
    }
  });

  it('lets agents reach only the load balancer on its ports, and Google APIs on 443', () => {
    const agentRules = plan.firewallRules.filter((r) => r.targetTags.includes(AGENT_TAG));
    expect(agentRules.map((r) => [r.direction, r.action, r.destinationRanges, r.ports])).toEqual([
      ['EGRESS', 'allow', ['10.80.16.253/32'], ['3128', '8081']],
      ['EGRESS', 'allow', [RESTRICTED_GOOGLE_APIS_RANGE], ['443']],
    ]);
  });

  it('admits agents and health checks to the proxy, and nothing else', () => {
    const ingress = plan.firewallRules.filter(
      (r) => r.direction === 'INGRESS' && r.action === 'allow',
    );
    expect(ingress.map((r) => [r.targetTags, r.sourceRanges, r.ports])).toEqual([
      [[PROXY_TAG], ['10.80.0.0/20'], ['3128', '8081']],
      [[PROXY_TAG], [...HEALTH_CHECK_RANGES], ['8099']],
    ]);
  });

  it("lets the proxy out on the policy's ports (and 443 for its image), never into private ranges", () => {
    expect(rules['demo-proxy-to-upstream']).toMatchObject({
      destinationRanges: ['0.0.0.0/0'],
      ports: ['443'],
      targetTags: [PROXY_TAG],
    });
    const guard = rules['demo-proxy-deny-private'];
    expect(guard?.action).toBe('deny');
    expect(guard?.priority).toBeLessThan(rules['demo-proxy-to-upstream']?.priority ?? 0);
    expect(guard?.destinationRanges).toEqual([
      '10.0.0.0/8',
      '100.64.0.0/10',
      '172.16.0.0/12',
      '192.168.0.0/16',
    ]);
  });

  it('opens only the ranges an internal entry names, above the guard, on its ports', () => {
    const internal = validPolicy(
      policyYaml(
        `${ANTHROPIC}\n  - host: git.corp.example.com\n    ports: [8443]\n    private: ["10.20.0.0/16"]`,
      ),
    );
    const byName = Object.fromEntries(planNetwork(internal).firewallRules.map((r) => [r.name, r]));
    expect(byName['test-proxy-to-internal-1']).toMatchObject({
      action: 'allow',
      destinationRanges: ['10.20.0.0/16'],
      ports: ['8443'],
      targetTags: [PROXY_TAG],
    });
    expect(byName['test-proxy-to-internal-1']?.priority).toBeLessThan(
      byName['test-proxy-deny-private']?.priority ?? 0,
    );
    // The internal entry's port is not opened towards the internet.
    expect(byName['test-proxy-to-upstream']?.ports).toEqual(['443']);
  });

  it('derives firewall ports from the policy', () => {
    const custom = validPolicy(
      policyYaml(
        `${ANTHROPIC}\n  - host: git.example.com\n    ports: [443, 8443]`,
        'proxy:\n  port: 3129\n  health_port: 9000',
      ),
    );
    const ports = Object.fromEntries(
      planNetwork(custom).firewallRules.map((r) => [r.name, r.ports]),
    );
    expect(ports['test-agent-to-proxy']).toEqual(['3129', '8081']);
    expect(ports['test-proxy-from-health-checks']).toEqual(['9000']);
    expect(ports['test-proxy-to-upstream']).toEqual(['443', '8443']);
  });

  it("answers only allowlisted names, the image registry's, Google APIs and .internal", () => {
    const names = plan.responsePolicyRules.map((r) => [r.dnsName, r.behavior ?? 'local-data']);
    expect(names.at(-1)).toEqual(['*.', 'local-data']);
    expect(plan.responsePolicyRules.at(-1)?.localData).toEqual([
      { name: '*.', type: 'A', ttl: 300, rrdatas: ['0.0.0.0'] },
    ]);
    expect(names.slice(0, -1).map(([n]) => n)).toEqual([
      'api.anthropic.com.',
      'registry.npmjs.org.',
      'github.com.',
      'codeload.github.com.',
      '*.githubusercontent.com.',
      // The proxy pulls Envoy from Artifact Registry (any region without one), not Docker Hub.
      '*.pkg.dev.',
      '*.googleapis.com.',
      '*.internal.',
    ]);
    expect(new Set(plan.responsePolicyRules.map((r) => r.ruleName)).size).toBe(
      plan.responsePolicyRules.length,
    );
    expect(planNetwork(DEFAULT, { dnsAllowlist: false }).responsePolicyRules).toEqual([]);
  });

  it('points every *.googleapis.com name at restricted.googleapis.com', () => {
    expect(plan.googleApisRecords).toEqual([
      {
        name: 'restricted.googleapis.com.',
        type: 'A',
        ttl: 300,
        rrdatas: ['199.36.153.4', '199.36.153.5', '199.36.153.6', '199.36.153.7'],
      },
      {
        name: '*.googleapis.com.',
        type: 'CNAME',
        ttl: 300,
        rrdatas: ['restricted.googleapis.com.'],
      },
    ]);
  });

  it.each([
    [{ agentCidr: '10.80.0.1/20' }, 'agentCidr "10.80.0.1/20" is not an IPv4 CIDR'],
    [{ proxyCidr: '8.8.8.0/24' }, 'proxyCidr "8.8.8.0/24" is not inside a private range'],
    [{ agentCidr: '10.80.0.0/27' }, 'Direct VPC egress needs at least a /26'],
    [{ proxyCidr: '10.90.0.0/29' }, 'use a /28 or larger'],
    [{ agentCidr: '10.80.0.0/16' }, 'overlap'],
    [{ proxyLoadBalancerIp: '10.80.16.255' }, 'GCP reserves'],
    [{ proxyLoadBalancerIp: '10.81.0.5' }, 'is not a usable address of proxyCidr'],
    [{ extraDnsNames: ['http://x.example.com'] }, 'contains a URL scheme'],
  ])('rejects %j', (options, message) => {
    const text = failure(() => planNetwork(DEFAULT, options));
    expect(text).toContain(message);
    expect(text).toMatch(/^AgentNetwork: .*Fix: /s);
  });

  it('rejects a proxy subnet too small for the replicas', () => {
    const many = validPolicy(policyYaml(ANTHROPIC, 'proxy:\n  replicas: { min: 2, max: 20 }'));
    expect(failure(() => planNetwork(many, { proxyCidr: '10.90.0.0/28' }))).toContain(
      'proxy.replicas.max (20)',
    );
  });
});

describe('planEgressPolicy (the FQDN layer)', () => {
  const registryNames = ['registry-1.docker.io', 'auth.docker.io'];

  it('names exact hosts, Google APIs and the registry, then denies everything else', () => {
    const plan = planEgressPolicy(DEFAULT, { registryNames });
    expect(
      plan.rules.map((r) => [r.ruleName, r.action, r.destFqdns, r.destIpRanges, r.ports]),
    ).toEqual([
      ['proxy-to-google-apis', 'goto_next', [], [RESTRICTED_GOOGLE_APIS_RANGE], ['443']],
      [
        'proxy-to-allowlist-1',
        'goto_next',
        [
          'api.anthropic.com',
          'registry.npmjs.org',
          'github.com',
          'codeload.github.com',
          ...registryNames,
        ],
        [],
        ['443'],
      ],
      ['proxy-wildcard-1', 'goto_next', [], ['0.0.0.0/0'], ['443']],
      ['proxy-deny-everything-else', 'deny', [], ['0.0.0.0/0'], []],
    ]);
    expect(plan.uncoveredWildcards).toEqual(['*.githubusercontent.com']);
    expect(plan.rules.at(-1)?.priority).toBe(DENY_RULE_PRIORITY);
  });

  it('names a wildcard entry through wildcardHosts, and refuses names it does not match', () => {
    const plan = planEgressPolicy(DEFAULT, {
      registryNames: [],
      wildcardHosts: { '*.githubusercontent.com': ['raw.githubusercontent.com'] },
    });
    expect(plan.uncoveredWildcards).toEqual([]);
    expect(plan.rules.flatMap((r) => r.destFqdns)).toContain('raw.githubusercontent.com');
    expect(
      plan.rules.some((r) => r.destIpRanges.includes('0.0.0.0/0') && r.action !== 'deny'),
    ).toBe(false);
    expect(
      failure(() =>
        planEgressPolicy(DEFAULT, {
          registryNames: [],
          wildcardHosts: { '*.githubusercontent.com': ['a.b.githubusercontent.com'] },
        }),
      ),
    ).toContain('allows exactly one label');
    expect(
      failure(() =>
        planEgressPolicy(DEFAULT, { registryNames: [], wildcardHosts: { '*.example.com': [] } }),
      ),
    ).toContain('is not a wildcard entry');
  });

  it('groups names by port set and splits long lists', () => {
    const hosts = Array.from(
      { length: MAX_FQDNS_PER_RULE + 5 },
      (_, i) => `  - host: h${i}.example.com`,
    );
    const policy = validPolicy(
      policyYaml(`${hosts.join('\n')}\n  - host: git.example.com\n    ports: [22]`),
    );
    const plan = planEgressPolicy(policy, { registryNames: [] });
    const allow = plan.rules.filter((r) => r.destFqdns.length > 0);
    expect(allow.map((r) => [r.ports, r.destFqdns.length])).toEqual([
      [['22'], 1],
      [['443'], MAX_FQDNS_PER_RULE],
      [['443'], 5],
    ]);
    expect(new Set(plan.rules.map((r) => r.priority)).size).toBe(plan.rules.length);
  });
});

describe('planProxyTier', () => {
  const config = { static_resources: {} };

  it('sizes the instances from the policy', () => {
    expect(proxyMachineType(DEFAULT).name).toBe('e2-small');
    const big = validPolicy(policyYaml(ANTHROPIC, 'proxy:\n  cpu: 2\n  memory_mib: 4096'));
    expect(planProxyTier(big, config)).toMatchObject({
      machineType: 'e2-standard-2',
      concurrency: 2,
    });
  });

  it('hardens the instance metadata and carries no secret', () => {
    const plan = planProxyTier(BASE, config);
    expect(plan.metadata).toMatchObject({
      'enable-oslogin': 'TRUE',
      'block-project-ssh-keys': 'TRUE',
      'serial-port-enable': 'FALSE',
    });
    expect(plan.secrets).toEqual([
      { secret: 'anthropic-api-key', variable: 'AGENT_PERIMETER_SECRET_ANTHROPIC_API_KEY' },
    ]);
    expect(plan.cloudInit.startsWith('#cloud-config\n')).toBe(true);
    expect(plan.cloudInit).toContain('secrets/$1/versions/latest:access');
  });

  it('fetches a config too large for instance metadata from Cloud Storage, pinned by sha256', () => {
    const huge = { blob: 'x'.repeat(300 * 1024) };
    const plan = planProxyTier(BASE, huge, { region: 'europe-west1' });
    const object = plan.configObject;
    expect(object?.content).toBe(JSON.stringify(huge));
    expect(object?.bucket).toMatch(/^ap-[a-z0-9-]+-envoy-[a-f0-9]{8}$/);
    expect(object?.object).toBe(`envoy-${proxyConfigDigest(huge).slice(0, 16)}.json`);
    expect(plan.cloudInit.length).toBeLessThan(64 * 1024);
    expect(plan.cloudInit).not.toContain('x'.repeat(1000));
    expect(plan.cloudInit).toContain(proxyConfigDigest(huge));
    expect(plan.cloudInit).toContain(
      `https://storage.googleapis.com/storage/v1/b/${object?.bucket}/o/${object?.object}?alt=media`,
    );
    // What the verifier reads back: the pinned digest, which the fetch checks.
    expect(bootFacts(plan.cloudInit).configDigest).toBe(proxyConfigDigest(huge));
    const small = planProxyTier(BASE, config);
    expect(small.configObject).toBeUndefined();
    expect(planProxyTier(BASE, huge, { configBucket: 'my-bucket' }).configObject?.bucket).toBe(
      'my-bucket',
    );
  });

  it('does not count a pinned digest that the boot script does not check', () => {
    const huge = { blob: 'x'.repeat(300 * 1024) };
    const plan = planProxyTier(BASE, huge);
    const unchecked = plan.cloudInit.replace('want="$(cat', 'wanted="$(cat');
    expect(bootFacts(unchecked).configDigest).toBeUndefined();
  });

  it('refuses an autoscaling target outside 0.1-0.9', () => {
    expect(failure(() => planProxyTier(BASE, config, { cpuTarget: 0.95 }))).toContain(
      'cpuTarget 0.95',
    );
  });

  it.each([
    {
      what: 'an empty zone list',
      plan: () => planProxyTier(BASE, config, { zones: [] }),
      message:
        'ProxyTier: zones is empty. Fix: list the zones of the region to spread over, or leave it out.',
    },
    {
      what: 'a config bucket the boot script cannot name',
      plan: () => planProxyTier(BASE, { blob: 'x'.repeat(300 * 1024) }, { configBucket: 'Bad!' }),
      message:
        'ProxyTier: config object gs://Bad!/envoy-c8abde56ac03f7f7.json cannot be used in the boot script. Fix: a bucket name of lower-case letters, digits, "-" and "_".',
    },
    {
      what: 'a size no E2 machine type has',
      plan: () =>
        planProxyTier(
          validPolicy(policyYaml(ANTHROPIC, 'proxy:\n  cpu: 16\n  memory_mib: 65536')),
          config,
        ),
      message:
        'ProxyTier: no E2 machine type has 16 vCPU and 65536 MiB plus 512 MiB for the OS. Fix: lower proxy.cpu / proxy.memory_mib, or pass machineType.',
    },
    {
      what: 'Bedrock model access',
      plan: () => planProxyTier(loadPolicy('examples/bedrock.yaml'), config),
      message:
        'ProxyTier: model_access.provider is "bedrock": the proxy signs Bedrock requests with its AWS task role, which a GCP proxy does not have. Fix: deploy this policy on AWS (cdk deploy), or use provider "vertex" on GCP.',
    },
    {
      what: 'interception without a CA',
      plan: () => planProxyTier(loadPolicy('examples/github-intercept.yaml'), config),
      message:
        'ProxyTier: the policy intercepts TLS (an egress entry has tls: "intercept") but the proxy tier got no CA. Fix: pass `ca: loadPolicyCa(policy, policyFile, name)` (the AgentPerimeter component and plan-gcp do this).',
    },
  ])('refuses $what, naming the proxy tier and the fix', ({ plan, message }) => {
    expect(failure(plan)).toBe(message);
  });
});

describe('planAgent', () => {
  const profile = (extra: string) =>
    validPolicy(
      policyYaml(
        ANTHROPIC,
        `agents:\n  - name: worker\n    image: docker.io/library/node:22\n${extra}`,
      ),
    );

  it('maps the profile onto Cloud Run', () => {
    const policy = profile('    command: [node, main.js]\n    cpu: 2\n    memory_mib: 4096');
    const plan = planAgent(policy, policy.agents[0] as (typeof policy.agents)[number]);
    expect(plan).toMatchObject({
      name: 'test-worker',
      serviceAccountId: 'test-agent-worker',
      commands: ['node'],
      args: ['main.js'],
      cpu: '2',
      memory: '4096Mi',
      warnings: [],
    });
  });

  it.each([
    ['    cpu: 16', 'more than Cloud Run'],
    ['    cpu: 1\n    memory_mib: 8192', 'needs at least 2 vCPU'],
  ])('rejects sizes Cloud Run lacks (%s)', (extra, message) => {
    const policy = profile(extra);
    expect(
      failure(() => planAgent(policy, policy.agents[0] as (typeof policy.agents)[number])),
    ).toContain(message);
  });

  it('warns about images Cloud Run cannot pull', () => {
    const [agent] = DEFAULT.agents;
    expect(planAgent(DEFAULT, agent as (typeof DEFAULT.agents)[number]).warnings[0]).toContain(
      'Cloud Run cannot pull "public.ecr.aws/',
    );
  });
});

describe('planAuditLogging', () => {
  it('keeps logs for the policy retention and routes every audit log', () => {
    expect(planAuditLogging(DEFAULT)).toMatchObject({ bucketId: 'demo-audit', retentionDays: 365 });
    for (const log of [
      'cos_containers',
      'compute.googleapis.com/vpc_flows',
      'compute.googleapis.com/firewall',
      'dns.googleapis.com/dns_queries',
      'run.googleapis.com/varlog/system',
    ]) {
      expect(auditSinkFilter()).toContain(`log_id("${log}")`);
    }
    // Instance lifecycle comes from Cloud Run itself, never the agents' own output.
    expect(auditSinkFilter()).toContain(
      '(log_id("run.googleapis.com/varlog/system") AND resource.type=("cloud_run_revision" OR "cloud_run_job"))',
    );
    expect(auditSinkFilter()).not.toContain('run.googleapis.com/stdout');
  });

  it('refuses a retention Cloud Logging cannot keep', () => {
    const long = validPolicy(policyYaml(ANTHROPIC, 'logging:\n  retention_days: 3653'));
    expect(failure(() => planAuditLogging(long))).toContain('3653');
  });
});

describe('names', () => {
  it('fits long names deterministically and keeps service account ids in 6-30 characters', () => {
    const long = fitName('a-very-long-policy-name-and-an-even-longer-agent-name', 30);
    expect(long).toHaveLength(30);
    expect(long).toBe(fitName('a-very-long-policy-name-and-an-even-longer-agent-name', 30));
    expect(long).not.toBe(fitName('a-very-long-policy-name-and-an-even-longer-agent-namf', 30));
    const short = validPolicy('name: a\negress:\n  - host: example.com\n');
    expect(serviceAccountId(short, 'x')).toMatch(/^[a-z][a-z0-9-]{5,29}$/);
  });
});
