import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scopeOf } from '../../../lib/containment/analysis/scope.js';
import { CHECKS } from '../../../lib/containment/checks/index.js';
import type {
  AnalysisOptions,
  ContainmentModel,
  ServiceEndpoint,
} from '../../../lib/containment/index.js';
import { ANYWHERE, egress, smallModel, tcp } from '../../helpers/containment-models.js';

/*
 * Every check in `CHECKS`, on its own: the small model (the perimeter as designed) passes it,
 * and each failing case makes exactly this check report the channel named, on the resource
 * named. A check added to `CHECKS` without cases here fails the last test.
 */

interface Case {
  readonly name: string;
  readonly model: ContainmentModel;
  readonly options?: AnalysisOptions;
  readonly channel: string;
  readonly resource: string;
}

const base = smallModel();
const agentSubnet = base.subnets[0] as ContainmentModel['subnets'][number];
const withAgentSubnet = (extra: Partial<typeof agentSubnet>): ContainmentModel => ({
  ...base,
  subnets: [{ ...agentSubnet, ...extra }, ...base.subnets.slice(1)],
});
/** The small model with one interface endpoint (ECR's API), `extra` changed. */
const withEndpoint = (extra: Partial<ServiceEndpoint>): ContainmentModel => {
  const endpoint: ServiceEndpoint = {
    id: 'ep',
    resource: 'Endpoint',
    network: 'vpc',
    kind: 'interface',
    service: 'ecr.api',
    routeTables: [],
    subnets: ['endpoint'],
    groups: ['sg-endpoint'],
    policy: { kind: 'statements', statements: [] },
    ...extra,
  };
  return { ...base, endpoints: [endpoint] };
};
/** `s3:GetObject` on `<ConfigBucket-Arn>/*`, with `own` as the adapter's own resources. */
const ownBucketRead = (own: string[]) => ({
  effect: 'Allow' as const,
  actions: ['s3:GetObject'],
  resources: ['<ConfigBucket-Arn>/*'],
  ...(own.length === 0 ? {} : { ownResources: own }),
});
const profiles: AnalysisOptions = {
  proxyPorts: [3128, 8081],
  profilePorts: { a: [3128], b: [8081] },
};
const profileModel = (ports: number[]): ContainmentModel => ({
  ...base,
  firewallGroups: base.firewallGroups.map((g) =>
    g.id === 'sg-agent' ? { ...g, profile: 'a' } : g,
  ),
  firewallRules: ports.map((p) =>
    egress(`AgentToProxy${p}`, tcp(p), { kind: 'group', group: 'sg-proxy' }),
  ),
});

const PASSING: Record<string, { model: ContainmentModel; options?: AnalysisOptions }[]> = {
  'cross-profile': [{ model: profileModel([3128]), options: profiles }],
  'endpoint-policies': [
    { model: withEndpoint({}) },
    // A path inside a bucket the input creates (`Fn::Join` of `Bucket.Arn` and `/*`).
    {
      model: withEndpoint({
        service: 's3',
        policy: { kind: 'statements', statements: [ownBucketRead(['<ConfigBucket-Arn>/*'])] },
      }),
    },
  ],
  'endpoint-identity': [
    // An endpoint agents cannot reach is not theirs to use, whatever stands behind it.
    {
      model: withEndpoint({
        subnets: [],
        groups: [],
        ownership: [{ resource: 'Endpoint', how: 'service is sqs' }],
      }),
    },
  ],
};

const FAILING: Record<string, Case[]> = {
  'unprovable-input': [
    {
      name: 'a nested stack the adapter cannot read',
      model: { ...base, unprovable: [{ resource: 'Nested', explanation: 'is a nested stack' }] },
      channel: 'cannot-prove',
      resource: 'Nested',
    },
  ],
  'agent-subnets-known': [
    {
      name: 'an agent subnet the input imports',
      model: withAgentSubnet({ unresolved: 'is imported (Fn::ImportValue Agents)' }),
      channel: 'cannot-prove',
      resource: 'AgentSubnet',
    },
  ],
  'agent-routes': [
    {
      name: 'a default route to an internet gateway',
      model: smallModel({
        routes: [
          {
            resource: 'AgentDefault',
            destination: { cidr: '0.0.0.0/0' },
            target: { kind: 'internet-gateway', label: 'internet gateway Igw' },
          },
        ],
      }),
      channel: 'route-to-internet',
      resource: 'AgentDefault',
    },
  ],
  'direct-internet': [
    {
      name: 'an agent function outside the network',
      model: smallModel({
        attachments: [
          ...(base.attachments as ContainmentModel['attachments'][number][]),
          {
            id: 'fn',
            resource: 'AgentFunction',
            kind: 'Lambda function',
            role: 'workload',
            tier: 'agent',
            groups: ['sg-agent'],
            directInternet: [{ resource: 'AgentFunction', how: 'it has no VpcConfig' }],
          },
        ],
      }),
      channel: 'route-to-internet',
      resource: 'AgentFunction',
    },
  ],
  'agent-nat': [
    {
      name: 'Cloud NAT serving the agent subnet',
      model: withAgentSubnet({ nat: [{ resource: 'Nat', how: 'Cloud NAT Nat serves it' }] }),
      channel: 'route-to-internet',
      resource: 'Nat',
    },
  ],
  'agent-acls': [
    {
      name: 'an ACL entry allowing everything out',
      model: smallModel({
        aclEntries: [
          {
            resource: 'AllOut',
            direction: 'egress',
            ruleNumber: 100,
            action: 'allow',
            traffic: { protocol: 'all' },
            cidr: '0.0.0.0/0',
          },
        ],
      }),
      channel: 'nacl-weakened',
      resource: 'AllOut',
    },
  ],
  'agent-addressing': [
    {
      name: 'public addresses on launch',
      model: withAgentSubnet({
        publicIpOnLaunch: [{ resource: 'AgentSubnet', how: 'MapPublicIpOnLaunch is true' }],
      }),
      channel: 'public-ip',
      resource: 'AgentSubnet',
    },
    {
      name: 'IPv6 on the agent subnet',
      model: withAgentSubnet({ ipv6: [{ resource: 'AgentSubnet', how: 'it has an IPv6 block' }] }),
      channel: 'ipv6',
      resource: 'AgentSubnet',
    },
  ],
  'agent-workloads': [
    {
      name: 'a workload in the agent subnet without the agent group',
      model: smallModel({
        attachments: [
          ...(base.attachments as ContainmentModel['attachments'][number][]),
          {
            id: 'neighbour',
            resource: 'Neighbour',
            kind: 'EC2 instance',
            role: 'workload',
            subnet: 'agent',
            groups: [],
          },
        ],
      }),
      channel: 'unprotected-workload',
      resource: 'Neighbour',
    },
  ],
  'agent-firewall': [
    {
      name: 'an egress rule to the internet on 443',
      model: smallModel({
        rules: [egress('AgentToAnywhere', tcp(443), ANYWHERE)],
      }),
      channel: 'sg-egress',
      resource: 'AgentToAnywhere',
    },
    {
      name: 'an ingress rule from anywhere',
      model: smallModel({
        rules: [egress('AnyoneIn', tcp(22), ANYWHERE, { direction: 'ingress' })],
      }),
      channel: 'sg-ingress',
      resource: 'AnyoneIn',
    },
    {
      name: 'agents reaching each other',
      model: smallModel({
        rules: [egress('AgentToAgent', { protocol: 'all' }, { kind: 'group', group: 'sg-agent' })],
      }),
      channel: 'lateral',
      resource: 'AgentToAgent',
    },
  ],
  'cross-profile': [
    {
      name: "profile a's agents reaching profile b's listener",
      model: profileModel([3128, 8081]),
      options: profiles,
      channel: 'cross-profile',
      resource: 'AgentToProxy8081',
    },
  ],
  'dns-filter': [
    {
      name: 'a DNS rule group without the block of "*"',
      model: {
        ...base,
        dns: {
          ...base.dns,
          ruleGroups: [
            {
              id: 'rg',
              resource: 'RuleGroup',
              rules: [{ priority: 1, action: 'allow', domains: ['api.example.com'] }],
            },
          ],
        },
      },
      channel: 'dns-firewall',
      resource: 'RuleGroup',
    },
  ],
  'endpoint-policies': [
    {
      name: 'an endpoint with the full-access default policy',
      model: withEndpoint({ policy: { kind: 'full-access', how: 'has no policy' } }),
      channel: 'endpoint-policy',
      resource: 'Endpoint',
    },
    {
      name: 'a wildcard path not among the resources the input creates',
      model: withEndpoint({
        service: 's3',
        policy: { kind: 'statements', statements: [ownBucketRead([])] },
      }),
      channel: 'endpoint-policy',
      resource: 'Endpoint',
    },
  ],
  'endpoint-identity': [
    {
      name: "an endpoint whose policy names another account's bucket",
      model: withEndpoint({
        ownership: [{ resource: 'Endpoint', how: 'policy statement 1 names bucket drop' }],
      }),
      channel: 'identity',
      resource: 'Endpoint',
    },
    {
      name: 'an endpoint whose service name is not known',
      model: withEndpoint({
        ownership: [{ resource: 'Endpoint', how: 'service name unknown', unresolved: true }],
      }),
      channel: 'cannot-prove',
      resource: 'Endpoint',
    },
  ],
  'agent-grants': [
    {
      name: 'a role granted to the agent identity',
      model: {
        ...base,
        identityGrants: [{ resource: 'Grant', how: 'the agent identity holds storage.admin' }],
      },
      channel: 'endpoint-policy',
      resource: 'Grant',
    },
  ],
  'proxy-identity': [
    {
      name: 'an unknown workload in the proxy subnet',
      model: smallModel({
        attachments: [
          ...(base.attachments as ContainmentModel['attachments'][number][]),
          {
            id: 'planted',
            resource: 'Planted',
            kind: 'EC2 instance',
            role: 'workload',
            subnet: 'proxy',
            groups: ['sg-proxy'],
          },
        ],
      }),
      channel: 'identity',
      resource: 'Planted',
    },
  ],
};

describe.each(CHECKS.map((c) => [c.id, c] as const))('check %s', (id, check) => {
  it('describes what it proves and names its channels', () => {
    expect(check.description.length).toBeGreaterThan(20);
    expect(check.channels.length).toBeGreaterThan(0);
  });

  it.each(
    [{ model: base }, ...(PASSING[id] ?? [])].map(
      (p, i) => [i === 0 ? 'the small model' : `passing case ${i}`, p] as const,
    ),
  )('passes %s', (_name, { model, options }) => {
    expect(check.check(scopeOf(model, options))).toEqual([]);
  });

  it.each((FAILING[id] ?? []).map((c) => [c.name, c] as const))('fails: %s', (_name, c) => {
    const found = check.check(scopeOf(c.model, c.options));
    expect(found.map((v) => [v.resource, v.channel])).toContainEqual([c.resource, c.channel]);
    expect(
      c.channel === 'cannot-prove' || (check.channels as readonly string[]).includes(c.channel),
    ).toBe(true);
  });
});

it('every check has a failing case, and no case names a check that does not exist', () => {
  const ids = CHECKS.map((c) => c.id);
  expect(ids.filter((id) => (FAILING[id] ?? []).length === 0)).toEqual([]);
  expect(Object.keys(FAILING).filter((id) => !ids.includes(id))).toEqual([]);
  expect(Object.keys(PASSING).filter((id) => !ids.includes(id))).toEqual([]);
  expect(new Set(ids).size).toBe(ids.length);
});

/*
 * `CHECKS` is the one table of what is said about each check; each file in `checks/` holds
 * only the check, exported under its id's name. The table and the files must not drift apart,
 * nor the list in the docs from the table.
 */
describe('the table of checks', () => {
  const CHECKS_DIR = 'lib/containment/checks';
  const ids = CHECKS.map((c) => c.id);
  /** `agent-routes` -> `agentRoutes`, the name its file exports the check under. */
  const exportName = (id: string) => id.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());

  it('has one row for each file in lib/containment/checks/, its id the file name', () => {
    const files = readdirSync(CHECKS_DIR)
      .filter((f) => f.endsWith('.ts') && f !== 'check.ts' && f !== 'index.ts')
      .map((f) => f.slice(0, -'.ts'.length));
    expect(new Set(ids)).toEqual(new Set(files));
  });

  it.each(CHECKS.map((c) => [c.id, c] as const))(
    'row %s runs the function its file exports',
    async (id, row) => {
      const file: Record<string, unknown> = await import(resolve(CHECKS_DIR, `${id}.ts`));
      expect(file[exportName(id)]).toBe(row.check);
    },
  );

  it('docs/containment.md names the checks in this order', () => {
    const doc = readFileSync('docs/containment.md', 'utf8');
    const section = doc.slice(doc.indexOf('## The checks')).split(/\n## /)[0] ?? '';
    const named = [...section.matchAll(/`([a-z-]+)`/g)]
      .map((m) => m[1] as string)
      .filter((name) => ids.includes(name));
    expect([...new Set(named)]).toEqual(ids);
  });
});
