import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../write-file.js';
import { DESCRIBE_CALLS, type DescribeKey } from './files.js';
import { type Json, objects, str, strs } from './read.js';

/*
 * Collects a describe snapshot with the AWS CLI (read-only calls; your usual credentials and
 * region). `scripts/collect-aws-describe.ts` is the command-line entry; `verify
 * --aws-describe DIR` reads the result.
 */

/** Runs one AWS CLI command (`['ec2', 'describe-vpcs', ...]`) and returns its JSON answer. */
export type AwsCli = (args: readonly string[]) => Promise<Json>;

export interface CollectOptions {
  readonly outDir: string;
  /** Only these VPCs (and what is in them). @default - every VPC of the region */
  readonly vpcIds?: readonly string[];
  readonly region?: string;
  readonly profile?: string;
  /** @default - the `aws` program on PATH */
  readonly aws?: AwsCli;
  /** Progress lines. */
  readonly log?: (line: string) => void;
}

/** The `aws` program, with `--output json`. */
export function awsCli(base: readonly string[] = []): AwsCli {
  return (args) =>
    new Promise((resolve, reject) => {
      const child = spawn('aws', [...args, ...base, '--output', 'json'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
      });
      child.stderr.on('data', (d: Buffer) => {
        err += d.toString();
      });
      child.on('error', (error) =>
        reject(
          new Error(
            `cannot run the AWS CLI (${(error as NodeJS.ErrnoException).code}); install it and configure credentials`,
          ),
        ),
      );
      child.on('close', (code) => {
        if (code !== 0)
          reject(new Error(`aws ${args.join(' ')} failed: ${err.trim() || `exit ${code}`}`));
        else {
          try {
            resolve(out.trim() === '' ? {} : (JSON.parse(out) as Json));
          } catch {
            reject(new Error(`aws ${args.join(' ')} did not answer JSON`));
          }
        }
      });
    });
}

const chunks = <T>(list: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(list.length / size) }, (_, i) =>
    list.slice(i * size, i * size + size),
  );

/** What `ecs list-<kind>` answers with, and how many `ecs describe-<kind>` takes per call. */
const ECS_BATCH = {
  services: { arns: 'serviceArns', size: 10 },
  tasks: { arns: 'taskArns', size: 100 },
} as const;

/** File-name-safe id: `family:3` -> `family-3`. */
const fileId = (id: string) => id.replace(/[^A-Za-z0-9._-]+/g, '-');

/** Collects every call of {@link DESCRIBE_CALLS} into `outDir`; returns the files written. */
export async function collectAwsDescribe(options: CollectOptions): Promise<string[]> {
  const base = [
    ...(options.region === undefined ? [] : ['--region', options.region]),
    ...(options.profile === undefined ? [] : ['--profile', options.profile]),
  ];
  const aws = options.aws ?? awsCli(base);
  const log = options.log ?? (() => {});
  mkdirSync(options.outDir, { recursive: true });
  const written: string[] = [];
  const save = (key: DescribeKey, answer: Json, id?: string) => {
    const name = `${DESCRIBE_CALLS[key].file}${id === undefined ? '' : `.${fileId(id)}`}.json`;
    writeFileAtomic(join(options.outDir, name), `${JSON.stringify(answer, null, 2)}\n`);
    written.push(name);
    log(`  ${name}`);
    return answer;
  };
  const vpcs = options.vpcIds ?? [];
  const inVpcs = vpcs.length === 0 ? [] : ['--filters', `Name=vpc-id,Values=${vpcs.join(',')}`];
  const ec2 = async (key: DescribeKey, command: string, args: readonly string[] = inVpcs) =>
    save(key, await aws(['ec2', command, ...args]));

  const vpcAnswer = await ec2(
    'vpcs',
    'describe-vpcs',
    vpcs.length === 0 ? [] : ['--vpc-ids', ...vpcs],
  );
  const vpcIds = objects(vpcAnswer, 'Vpcs').map((v) => str(v, 'VpcId') ?? '');
  const subnets = await ec2('subnets', 'describe-subnets');
  const subnetIds = new Set(objects(subnets, 'Subnets').map((s) => str(s, 'SubnetId')));
  await ec2('routeTables', 'describe-route-tables');
  await ec2('networkAcls', 'describe-network-acls');
  await ec2('securityGroups', 'describe-security-groups');
  await ec2('networkInterfaces', 'describe-network-interfaces');
  await ec2('vpcEndpoints', 'describe-vpc-endpoints');
  await ec2('dhcpOptions', 'describe-dhcp-options', []);
  const lists = await ec2('prefixLists', 'describe-managed-prefix-lists', []);
  for (const pl of objects(lists, 'PrefixLists')) {
    const id = str(pl, 'PrefixListId');
    if (id === undefined || str(pl, 'OwnerId') === 'AWS') continue;
    save(
      'prefixListEntries',
      await aws(['ec2', 'get-managed-prefix-list-entries', '--prefix-list-id', id]),
      id,
    );
  }

  const r53 = (command: string, args: readonly string[] = []) =>
    aws(['route53resolver', command, ...args]);
  const associations = { FirewallRuleGroupAssociations: [] as Json[] };
  for (const vpc of vpcIds) {
    const answer = await r53('list-firewall-rule-group-associations', ['--vpc-id', vpc]);
    associations.FirewallRuleGroupAssociations.push(
      ...objects(answer, 'FirewallRuleGroupAssociations'),
    );
  }
  save('firewallAssociations', associations);
  const configs = await r53('list-firewall-configs');
  save('firewallConfigs', {
    FirewallConfigs: objects(configs, 'FirewallConfigs').filter((c) =>
      vpcIds.includes(str(c, 'ResourceId') ?? ''),
    ),
  });
  const domainLists = save('firewallDomainLists', await r53('list-firewall-domain-lists'));
  const managedLists = new Set(
    objects(domainLists, 'FirewallDomainLists')
      .filter((d) => str(d, 'ManagedOwnerName') !== undefined)
      .map((d) => str(d, 'Id')),
  );
  const wantedLists = new Set<string>();
  for (const groupId of new Set(
    associations.FirewallRuleGroupAssociations.map((a) => str(a, 'FirewallRuleGroupId')),
  )) {
    if (groupId === undefined) continue;
    const rules = save(
      'firewallRules',
      await r53('list-firewall-rules', ['--firewall-rule-group-id', groupId]),
      groupId,
    );
    for (const rule of objects(rules, 'FirewallRules')) {
      const list = str(rule, 'FirewallDomainListId');
      if (list !== undefined && !managedLists.has(list)) wantedLists.add(list);
    }
  }
  for (const list of wantedLists)
    save(
      'firewallDomains',
      await r53('list-firewall-domains', ['--firewall-domain-list-id', list]),
      list,
    );

  const balancers = await aws(['elbv2', 'describe-load-balancers']);
  const mine = objects(balancers, 'LoadBalancers').filter((lb) =>
    vpcIds.includes(str(lb, 'VpcId') ?? ''),
  );
  save('loadBalancers', { LoadBalancers: mine });
  const arns = strs(mine, 'LoadBalancerArn');
  for (const lb of mine) {
    const arn = str(lb, 'LoadBalancerArn') ?? '';
    save(
      'listeners',
      await aws(['elbv2', 'describe-listeners', '--load-balancer-arn', arn]),
      str(lb, 'LoadBalancerName') ?? arn,
    );
  }
  const tags = { TagDescriptions: [] as Json[] };
  for (const batch of chunks(arns, 20)) {
    const answer = await aws(['elbv2', 'describe-tags', '--resource-arns', ...batch]);
    tags.TagDescriptions.push(...objects(answer, 'TagDescriptions'));
  }
  save('loadBalancerTags', tags);

  // ECS: services and running tasks placed in these VPCs' subnets, and their task definitions.
  const placedHere = (net: Json | undefined) =>
    ((net?.subnets as string[] | undefined) ?? []).some((s) => subnetIds.has(s));
  const definitions = new Set<string>();
  /** A cluster's services or tasks with their tags, described as many at a time as ECS takes. */
  const ecsResources = async (cluster: string, kind: keyof typeof ECS_BATCH): Promise<Json[]> => {
    const listed = await aws(['ecs', `list-${kind}`, '--cluster', cluster]);
    const arns = (listed[ECS_BATCH[kind].arns] as string[] | undefined) ?? [];
    const found: Json[] = [];
    for (const batch of chunks(arns, ECS_BATCH[kind].size)) {
      const answer = await aws([
        'ecs',
        `describe-${kind}`,
        '--cluster',
        cluster,
        '--include',
        'TAGS',
        `--${kind}`,
        ...batch,
      ]);
      found.push(...objects(answer, kind));
    }
    return found;
  };
  const clusters =
    ((await aws(['ecs', 'list-clusters'])).clusterArns as string[] | undefined) ?? [];
  for (const cluster of clusters) {
    const name = cluster.split('/').pop() ?? cluster;
    const services = (await ecsResources(cluster, 'services')).filter((s) =>
      placedHere(
        (s.networkConfiguration as Json | undefined)?.awsvpcConfiguration as Json | undefined,
      ),
    );
    const tasks = (await ecsResources(cluster, 'tasks')).filter((t) =>
      objects(t, 'attachments').some((a) =>
        objects(a, 'details').some(
          (d) => str(d, 'name') === 'subnetId' && subnetIds.has(str(d, 'value')),
        ),
      ),
    );
    if (services.length > 0) save('ecsServices', { services, failures: [] }, name);
    if (tasks.length > 0) save('ecsTasks', { tasks, failures: [] }, name);
    for (const x of [
      ...services.map((s) => str(s, 'taskDefinition')),
      ...tasks.map((t) => str(t, 'taskDefinitionArn')),
    ])
      if (x !== undefined) definitions.add(x);
  }
  for (const arn of definitions) {
    const answer = await aws([
      'ecs',
      'describe-task-definition',
      '--include',
      'TAGS',
      '--task-definition',
      arn,
    ]);
    save('ecsTaskDefinitions', answer, arn.split('/').pop() ?? arn);
  }
  writeFileAtomic(
    join(options.outDir, 'manifest.json'),
    `${JSON.stringify({ format: 'agent-perimeter/aws-describe@1', region: options.region ?? null, vpcs: vpcIds, collectedAt: new Date().toISOString() }, null, 2)}\n`,
  );
  written.push('manifest.json');
  return written;
}
