import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildSync } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { collectAwsDescribe } from '../../../lib/containment/aws-describe/collect.js';
import { verifyAwsDescribe } from '../../../lib/containment/aws-describe/index.js';
import { TemplateError, verifyTemplate } from '../../../lib/containment/index.js';
import { runVerify } from '../../helpers/containment-cli.js';
import { realTemplate } from '../../helpers/containment-template.js';
import { fakeAwsAnswer } from '../../helpers/fake-aws.js';

/*
 * `verify --aws-describe DIR` on a snapshot of the demo stack as deployed (test/fixtures/
 * aws-describe/demo: AWS CLI answers in their documented shape, ids invented), and on copies
 * with drift made outside IaC: each planted change must be found, by the resource it changed.
 */

const FIXTURE = 'test/fixtures/aws-describe/demo';
type Item = Record<string, unknown>;
type Doc = Record<string, unknown>;
/** The list `key` of an answer (the snapshot's files are AWS CLI answers). */
const items = (doc: Doc, key: string) => (doc[key] ?? []) as Item[];
/** The one element `find` picks; the fixture has it. */
function pick<T>(list: readonly T[], find: (x: T) => boolean): T {
  const found = list.find(find);
  if (found === undefined) throw new Error('fixture element not found');
  return found;
}
const read = (file: string) =>
  JSON.parse(readFileSync(join(FIXTURE, `${file}.json`), 'utf8')) as Doc;
const temps: string[] = [];
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

/** A copy of the snapshot with `change` applied to some of its files. */
function drifted(change: (doc: (file: string) => Doc) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'agent-perimeter-describe-'));
  temps.push(dir);
  cpSync(FIXTURE, dir, { recursive: true });
  const docs = new Map<string, Doc>();
  change((file) => {
    let doc = docs.get(file);
    if (doc === undefined) {
      doc = JSON.parse(readFileSync(join(dir, `${file}.json`), 'utf8')) as Doc;
      docs.set(file, doc);
    }
    return doc;
  });
  for (const [file, doc] of docs) writeFileSync(join(dir, `${file}.json`), JSON.stringify(doc));
  return dir;
}

const tagged = (o: Record<string, unknown>, tier: string) =>
  ((o.Tags ?? o.TagSet) as { Key: string; Value: string }[] | undefined)?.some(
    (t) => t.Key === 'agent-perimeter:tier' && t.Value === tier,
  ) === true;
const subnets = items(read('ec2-describe-subnets'), 'Subnets');
const agentSubnet = subnets.find((s) => tagged(s, 'agent'))?.SubnetId as string;
const groups = items(read('ec2-describe-security-groups'), 'SecurityGroups');
const agentGroup = groups.find((g) => tagged(g, 'agent'))?.GroupId as string;
const defaultGroup = groups.find((g) => g.GroupName === 'default')?.GroupId as string;
const tables = items(read('ec2-describe-route-tables'), 'RouteTables');
const agentTable = tables.find((t) =>
  (t.Associations as { SubnetId?: string }[]).some((a) => a.SubnetId === agentSubnet),
) as Record<string, unknown> & { Routes: Record<string, unknown>[]; RouteTableId: string };
const igw = 'igw-0a1b2c3d4e5f60718';
const vpc = (items(read('ec2-describe-vpcs'), 'Vpcs')[0] as Item).VpcId as string;

/** The snapshot's VPC endpoints, in the copy a change edits. */
const vpcEndpoints = (doc: (file: string) => Doc) =>
  items(doc('ec2-describe-vpc-endpoints'), 'VpcEndpoints');
/** The snapshot's ECR API endpoint, shared from the landing zone. */
const ecrApiEndpoint = (doc: (file: string) => Doc) =>
  pick(vpcEndpoints(doc), (x) => String(x.ServiceName).endsWith('.ecr.api'));

/** A change that adds `route` to the agent route table by hand, as `aws ec2 create-route` would. */
const agentRouteAdded =
  (route: Item) =>
  (doc: (file: string) => Doc): void => {
    const t = pick(
      items(doc('ec2-describe-route-tables'), 'RouteTables'),
      (x) => x.RouteTableId === agentTable.RouteTableId,
    );
    (t.Routes as Item[]).push({ ...route, Origin: 'CreateRoute', State: 'active' });
  };

const violations = (dir: string) =>
  verifyAwsDescribe(dir, {}, 'snapshot').violations.map((v) => `${v.channel} ${v.resource}`);

describe('the deployed demo stack, from its describe snapshot', () => {
  it('is contained: the agent slots and the running probe task reach only the proxy and endpoints', () => {
    const report = verifyAwsDescribe(FIXTURE, {}, 'demo');
    expect(report.violations).toEqual([]);
    expect(report.format).toBe('aws-describe');
    expect(report.proxyPorts).toEqual([3128, 8081]);
    expect(report.proxyPortsSource).toMatch(/listener/);
    const probe = report.agents.find((a) => a.kind === 'network interface');
    expect(probe?.reachable).toMatch(
      /^tcp 443 to 10\.64\.96\.0\/25, s3 managed prefix list; tcp 3128,8081 to /,
    );
    expect(report.agents.map((a) => a.kind).sort()).toEqual([
      'agent subnet',
      'agent subnet',
      'network interface',
    ]);
  });

  it('reads into the same model as the template it was deployed from: the same reach per agent slot', () => {
    const slots = (agents: readonly { kind: string; reachable: string }[]) =>
      agents.filter((a) => a.kind === 'agent subnet').map((a) => a.reachable);
    const fromTemplate = slots(verifyTemplate(realTemplate().template, 'template').agents);
    const fromSnapshot = slots(verifyAwsDescribe(FIXTURE, {}, 'demo').agents);
    expect(fromSnapshot).toHaveLength(2);
    expect(fromSnapshot).toEqual(fromTemplate);
  });

  it('the CLI says so in one line and exits 0', async () => {
    const r = await runVerify('--aws-describe', FIXTURE);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(
      'contained: 3 agent attachment(s) in 1 AWS describe snapshot reach only the proxy tier on 3128, 8081 and the endpoints on 443',
    );
    const json = JSON.parse((await runVerify('--aws-describe', FIXTURE, '--json')).stdout) as {
      templates: { format: string }[];
    };
    expect(json.templates[0]?.format).toBe('aws-describe');
  });
});

describe('drift made outside IaC is found in the snapshot', () => {
  const cases: readonly [string, (doc: (file: string) => Doc) => void, string][] = [
    [
      'a default route to the internet gateway in an agent route table',
      agentRouteAdded({ DestinationCidrBlock: '0.0.0.0/0', GatewayId: igw }),
      `route-to-internet ${agentTable.RouteTableId}/route 0.0.0.0/0`,
    ],
    [
      'a peering route added by hand',
      agentRouteAdded({
        DestinationCidrBlock: '172.16.0.0/16',
        VpcPeeringConnectionId: 'pcx-0123456789abcdef0',
      }),
      `route-to-internet ${agentTable.RouteTableId}/route 172.16.0.0/16`,
    ],
    [
      'an allow-all egress rule on the agent security group',
      (doc) => {
        const g = pick(
          items(doc('ec2-describe-security-groups'), 'SecurityGroups'),
          (x) => x.GroupId === agentGroup,
        );
        (g.IpPermissionsEgress as Item[]).push({
          IpProtocol: '-1',
          IpRanges: [{ CidrIp: '0.0.0.0/0' }],
          Ipv6Ranges: [],
          PrefixListIds: [],
          UserIdGroupPairs: [],
        });
      },
      `sg-egress ${agentGroup}`,
    ],
    [
      'the DNS firewall rule group disassociated from the VPC',
      (doc) => {
        doc('route53resolver-list-firewall-rule-group-associations').FirewallRuleGroupAssociations =
          [];
      },
      `dns-firewall ${vpc}`,
    ],
    [
      'the DNS firewall switched to fail open',
      (doc) => {
        (
          items(doc('route53resolver-list-firewall-configs'), 'FirewallConfigs')[0] as Item
        ).FirewallFailOpen = 'ENABLED';
      },
      'dns-firewall',
    ],
    [
      'DHCP options pointing agents at a resolver of their own',
      (doc) => {
        const d = items(doc('ec2-describe-dhcp-options'), 'DhcpOptions')[0] as unknown as {
          DhcpConfigurations: { Key: string; Values: { Value: string }[] }[];
        };
        const servers = d.DhcpConfigurations.find((c) => c.Key === 'domain-name-servers');
        if (servers !== undefined) servers.Values = [{ Value: '198.51.100.53' }];
      },
      'dns-firewall',
    ],
    [
      'public addresses turned on for an agent subnet',
      (doc) => {
        const s = pick(
          items(doc('ec2-describe-subnets'), 'Subnets'),
          (x) => x.SubnetId === agentSubnet,
        );
        if (s !== undefined) s.MapPublicIpOnLaunch = true;
      },
      `public-ip ${agentSubnet}`,
    ],
    [
      'an allow-all egress entry in the agent network ACL',
      (doc) => {
        const acl = pick(items(doc('ec2-describe-network-acls'), 'NetworkAcls'), (a) =>
          (a.Associations as { SubnetId: string }[]).some((x) => x.SubnetId === agentSubnet),
        );
        (acl.Entries as Item[]).push({
          CidrBlock: '0.0.0.0/0',
          Egress: true,
          Protocol: '-1',
          RuleAction: 'allow',
          RuleNumber: 90,
        });
      },
      'nacl-weakened',
    ],
    [
      'the S3 gateway endpoint policy opened to full access',
      (doc) => {
        const e = vpcEndpoints(doc).find((x) => x.VpcEndpointType === 'Gateway');
        if (e !== undefined)
          e.PolicyDocument = JSON.stringify({
            Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }],
          });
      },
      'endpoint-policy',
    ],
    // A landing zone's shared endpoints are read like the perimeter's own: `verify
    // --aws-describe` is where a reused endpoint's policy and service are proven (ADR 0049).
    [
      "a shared ECR endpoint with the landing zone's default full-access policy",
      (doc) => {
        delete ecrApiEndpoint(doc).PolicyDocument;
      },
      'endpoint-policy vpce-0caee23fa5e378f60',
    ],
    [
      'another shared endpoint (STS) in the security group of the ECR endpoints',
      (doc) => {
        vpcEndpoints(doc).push({
          ...ecrApiEndpoint(doc),
          VpcEndpointId: 'vpce-0feedfacefeedface',
          ServiceName: 'com.amazonaws.us-east-1.sts',
          NetworkInterfaceIds: [],
        });
      },
      'identity vpce-0feedfacefeedface',
    ],
    [
      'an instance someone launched in an agent subnet with the default group',
      (doc) => {
        (doc('ec2-describe-network-interfaces').NetworkInterfaces as unknown[]).push({
          NetworkInterfaceId: 'eni-0ffffffffffffffff',
          InterfaceType: 'interface',
          SubnetId: agentSubnet,
          Groups: [{ GroupId: defaultGroup, GroupName: 'default' }],
          Description: '',
          Attachment: { InstanceId: 'i-0123456789abcdef0', DeviceIndex: 0 },
          Ipv6Addresses: [],
          TagSet: [],
        });
      },
      'unprotected-workload eni-0ffffffffffffffff',
    ],
    [
      'a public address on the running probe task',
      (doc) => {
        const e = (
          doc('ec2-describe-network-interfaces').NetworkInterfaces as Record<string, unknown>[]
        ).find((x) => x.SubnetId === agentSubnet && x.InterfaceType === 'interface');
        if (e !== undefined) e.Association = { PublicIp: '198.51.100.77', IpOwnerId: 'amazon' };
      },
      'public-ip',
    ],
  ];

  it.each(cases)('%s', (_name, change, expected) => {
    const found = violations(drifted(change));
    expect(
      found.some((v) => v.startsWith(expected)),
      found.join('\n'),
    ).toBe(true);
  });

  it('exits 1 with one VIOLATION line each, naming the snapshot', async () => {
    const dir = drifted(cases[0]?.[1] as (doc: (file: string) => Doc) => void);
    const r = await runVerify('--aws-describe', dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /^VIOLATION .*route-to-internet: route .* goes to internet gateway igw-0a1b2c3d4e5f60718/m,
    );
  });
});

describe('reading a snapshot', () => {
  it('names a missing file, a file that is not JSON and a file of the wrong call, with the fix (exit 2)', async () => {
    const missing = drifted(() => {});
    rmSync(join(missing, 'ec2-describe-security-groups.json'));
    expect(() => verifyAwsDescribe(missing, {}, 'snap')).toThrow(TemplateError);
    const r = await runVerify('--aws-describe', missing);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'no ec2-describe-security-groups.json (the answer of `aws ec2 describe-security-groups --output json`). Fix: collect',
    );

    const broken = drifted(() => {});
    writeFileSync(join(broken, 'ec2-describe-subnets.json'), '{"Subnets": [');
    expect(() => verifyAwsDescribe(broken, {}, 'snap')).toThrow(
      /snap\/ec2-describe-subnets\.json: not JSON/,
    );
    const wrong = drifted(() => {});
    writeFileSync(join(wrong, 'ec2-describe-vpcs.json'), '{"Subnets": []}');
    expect(() => verifyAwsDescribe(wrong, {}, 'snap')).toThrow(
      /no "Vpcs" list, so it is not the answer of `aws ec2 describe-vpcs`/,
    );
    expect((await runVerify('--aws-describe', '/nonexistent/snapshot')).stderr).toContain(
      'no such directory',
    );
  });
});

describe('collecting a snapshot (scripts/collect-aws-describe.ts)', () => {
  const rulesFile = `route53resolver-list-firewall-rules.${String((items(read('route53resolver-list-firewall-rule-group-associations'), 'FirewallRuleGroupAssociations')[0] as Item).FirewallRuleGroupId)}.json`;
  const READ_ONLY =
    /^(ec2 (describe|get)-|route53resolver list-|elbv2 describe-|ecs (list|describe)-)/;

  it('runs read-only AWS CLI calls and writes what verify reads', async () => {
    const calls: string[] = [];
    const aws = async (args: readonly string[]) => {
      calls.push(args.slice(0, 2).join(' '));
      return fakeAwsAnswer(FIXTURE, args);
    };
    const out = mkdtempSync(join(tmpdir(), 'agent-perimeter-collect-'));
    temps.push(out);
    const files = await collectAwsDescribe({ outDir: out, vpcIds: [vpc], aws });
    expect(files).toContain('ec2-describe-vpcs.json');
    expect(files).toContain(rulesFile);
    expect(calls.every((c) => READ_ONLY.test(c))).toBe(true);
    const report = verifyAwsDescribe(out, {}, 'collected');
    expect(report.violations).toEqual([]);
    expect(report.agents).toHaveLength(3);
  });

  it('the script drives the aws program on PATH and verify proves its output', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'agent-perimeter-fake-aws-'));
    const out = join(bin, 'snapshot');
    temps.push(bin);
    const log = join(bin, 'calls.log');
    // The fake CLI as one plain module, so each call starts as fast as node does.
    buildSync({
      entryPoints: ['test/helpers/fake-aws-cli.ts'],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: join(bin, 'fake-aws.mjs'),
      logLevel: 'silent',
    });
    writeFileSync(
      join(bin, 'aws'),
      `#!/bin/sh\nexec "${process.execPath}" "${join(bin, 'fake-aws.mjs')}" "$@"\n`,
      { mode: 0o755 },
    );
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'scripts/collect-aws-describe.ts',
        out,
        '--vpc',
        vpc,
        '--region',
        'us-east-1',
      ],
      {
        encoding: 'utf8',
        env: {
          ...process.env,
          PATH: `${bin}:${process.env.PATH ?? ''}`,
          FAKE_AWS_SNAPSHOT: resolve(FIXTURE),
          FAKE_AWS_LOG: log,
        },
        timeout: 120_000,
      },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/now run: npx agent-perimeter verify --aws-describe /);
    const calls = readFileSync(log, 'utf8').trim().split('\n');
    expect(
      calls.every((c) => READ_ONLY.test(c) && c.endsWith('--region us-east-1 --output json')),
    ).toBe(true);
    expect((await runVerify('--aws-describe', out)).code).toBe(0);
    const usage = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'scripts/collect-aws-describe.ts'],
      { encoding: 'utf8' },
    );
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain('Usage: npx tsx scripts/collect-aws-describe.ts DIR');
  }, 180_000);
});
