// The offline CloudFormation validator adds seconds per synth and checks nothing we assert.
process.env.CDK_VALIDATION = 'false';

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { describe, expect, it } from 'vitest';
import { buildAwsApp } from '../../app/aws.js';
import {
  AgentWorkloadError,
  AgentWorkloads,
  agentTaskSize,
  parseAgentImage,
  pullThroughCachePrefix,
  runTaskCommand,
} from '../../cdk/agents/index.js';
import { acknowledgementsUnder } from '../../cdk/nag.js';
import { AgentPerimeterChecks } from '../../cdk/nag-rules/index.js';
import { TIER_TAG_KEY } from '../../cdk/network/index.js';
import { AgentPerimeterStack } from '../../cdk/stack/index.js';
import { type Policy, PolicyError } from '../../lib/policy/index.js';
import { renderCheckedProxyConfig } from '../../proxy/index.js';
import { closedSecurityGroup, isolatedStack } from '../helpers/cdk-isolated-stack.js';
import {
  type CfnResourceJson,
  props,
  refOf,
  renderString,
  resources,
  resourcesOfType,
  tagValue,
} from '../helpers/cdk-network-template.js';
import { packFindings, packRows, unusedAcknowledgements } from '../helpers/nag.js';
import { policyYaml, validPolicy } from '../helpers/policy.js';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const PRIVATE_IMAGE = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/agents/reporter@sha256:${'ab'.repeat(32)}`;

/**
 * Two profiles: `coder` with the defaults that matter (public image, no AWS access, on demand
 * only), `reporter` with everything optional (private ECR image, aws_access, a service, more
 * scratch than Fargate's default storage, 2 vCPU).
 */
const POLICY: Policy = validPolicy(
  policyYaml(
    [
      '  - host: api.anthropic.com',
      '    inject: { header: x-api-key, secret: anthropic-api-key }',
      '  - host: registry.npmjs.org',
    ].join('\n'),
    `agents:
  - name: coder
    image: public.ecr.aws/docker/library/node:22-slim
    command: ["node", "--version"]
    pids_limit: 256
    environment: { HOME: /home/agent, LOG_LEVEL: debug }
    scratch:
      - { path: /tmp, size_mib: 512 }
      - { path: /home/agent, size_mib: 1024, exec: true }
  - name: reporter
    image: ${PRIVATE_IMAGE}
    cpu: 2
    memory_mib: 4096
    scratch:
      - { path: /tmp, size_mib: 20480 }
    service: { desired_count: 2 }
    aws_access:
      - actions: [s3:GetObject]
        resources: ["arn:\${AWS::Partition}:s3:::reports-bucket/latest.json"]
logging:
  retention_days: 90
`,
  ),
);

// One synth of the whole perimeter, shared by every test below.
const app = new App();
const stack = new AgentPerimeterStack(app, 'AgentsTest', {
  policy: POLICY,
  envoyConfig: renderCheckedProxyConfig(POLICY),
  env: { account: ACCOUNT, region: REGION },
});
const template = Template.fromStack(stack);
const all = resources(template);
const idOf = (construct: { node: { defaultChild?: unknown } } | undefined): string => {
  const cfn = construct?.node.defaultChild as { logicalId: string } | undefined;
  if (cfn === undefined) throw new Error('no CloudFormation element');
  return stack.resolve(cfn.logicalId) as string;
};
const coder = stack.agents.workloads.coder;
const reporter = stack.agents.workloads.reporter;
if (coder === undefined || reporter === undefined) throw new Error('profiles missing');

interface Container {
  readonly Name: string;
  readonly User?: string;
  readonly Essential?: boolean;
  readonly Privileged?: boolean;
  readonly ReadonlyRootFilesystem?: boolean;
  readonly EntryPoint?: string[];
  readonly Command?: string[];
  readonly Environment?: { Name: string; Value: unknown }[];
  readonly Secrets?: unknown[];
  readonly MountPoints?: { ContainerPath: string; SourceVolume: string; ReadOnly: boolean }[];
  readonly Ulimits?: { Name: string; SoftLimit: number; HardLimit: number }[];
  readonly DependsOn?: { ContainerName: string; Condition: string }[];
  readonly LinuxParameters?: {
    Capabilities?: { Drop?: string[]; Add?: string[] };
    InitProcessEnabled?: boolean;
  };
  readonly LogConfiguration?: { LogDriver: string; Options: Record<string, unknown> };
}

function taskDefinition(workload: typeof coder): CfnResourceJson {
  const td = all[idOf(workload?.taskDefinition)];
  if (td === undefined) throw new Error('task definition missing');
  return td;
}

function containers(workload: typeof coder): Container[] {
  return props(taskDefinition(workload)).ContainerDefinitions as Container[];
}

function container(workload: typeof coder, name: string): Container {
  const found = containers(workload).find((c) => c.Name === name);
  if (found === undefined) throw new Error(`no container ${name}`);
  return found;
}

interface Statement {
  readonly Sid?: string;
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

const list = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

function statementsOf(policyId: string): Statement[] {
  const doc = props(all[policyId]).PolicyDocument as { Statement: Statement[] };
  return doc.Statement;
}

/** Every identity-policy statement in the template, with the logical id that holds it. */
function identityStatements(): [string, Statement][] {
  const out: [string, Statement][] = [];
  for (const [id, r] of Object.entries(all)) {
    if (r.Type === 'AWS::IAM::ManagedPolicy' || r.Type === 'AWS::IAM::Policy') {
      for (const s of statementsOf(id)) out.push([id, s]);
    }
    if (r.Type === 'AWS::IAM::Role') {
      for (const p of (props(r).Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[])
        for (const s of p.PolicyDocument.Statement) out.push([id, s]);
    }
  }
  return out;
}

const underAgents = (id: string) => id.startsWith('Agents');

describe('agent task definitions', () => {
  it('tags every agent task definition as the agent tier, with its profile and policy', () => {
    for (const workload of [coder, reporter]) {
      const td = taskDefinition(workload);
      expect(tagValue(td, TIER_TAG_KEY)).toBe('agent');
      expect(tagValue(td, 'agent-perimeter:agent')).toBe(workload.profile.name);
      expect(tagValue(td, 'agent-perimeter:policy')).toBe('test');
    }
    const agentTaskDefinitions = resourcesOfType(template, 'AWS::ECS::TaskDefinition').filter(
      ([, r]) =>
        tagValue(r, TIER_TAG_KEY) === 'agent' && tagValue(r, 'agent-perimeter:role') !== 'probe',
    );
    expect(agentTaskDefinitions).toHaveLength(2);
  });

  it('runs on Fargate with the CPU and memory of each profile', () => {
    expect(props(taskDefinition(coder))).toMatchObject({
      Cpu: '1024',
      Memory: '2048',
      NetworkMode: 'awsvpc',
      RequiresCompatibilities: ['FARGATE'],
      Family: 'agent-perimeter-test-coder',
    });
    expect(props(taskDefinition(reporter))).toMatchObject({ Cpu: '2048', Memory: '4096' });
  });

  // The root init container as much as the agent's own: no container of the task may relax this.
  it.each(['agent', 'scratch-permissions'])(
    'locks down the %s container: read-only root, unprivileged, every capability dropped',
    (name) => {
      for (const workload of [coder, reporter]) {
        const locked = container(workload, name);
        expect(locked).toMatchObject({
          ReadonlyRootFilesystem: true,
          Privileged: false,
          LinuxParameters: { Capabilities: { Drop: ['ALL'] } },
        });
        expect(locked.LinuxParameters?.Capabilities?.Add ?? []).toEqual([]);
      }
    },
  );

  it('runs the agent container as non-root, with init and the profile nproc limit', () => {
    expect(container(coder, 'agent')).toMatchObject({
      User: '1000:1000',
      Essential: true,
      Command: ['node', '--version'],
      Ulimits: [{ Name: 'nproc', SoftLimit: 256, HardLimit: 256 }],
      LinuxParameters: { InitProcessEnabled: true },
    });
    expect(container(reporter, 'agent').Ulimits).toEqual([
      { Name: 'nproc', SoftLimit: 512, HardLimit: 512 },
    ]);
  });

  it('mounts writable scratch only at the policy paths, on ephemeral task volumes', () => {
    const td = props(taskDefinition(coder));
    expect(td.Volumes).toEqual([{ Name: 'scratch-0' }, { Name: 'scratch-1' }]);
    expect(container(coder, 'agent').MountPoints).toEqual([
      { ContainerPath: '/tmp', SourceVolume: 'scratch-0', ReadOnly: false },
      { ContainerPath: '/home/agent', SourceVolume: 'scratch-1', ReadOnly: false },
    ]);
  });

  it('sizes ephemeral storage to hold every scratch volume and the image', () => {
    // coder: 1.5 GiB of scratch fits in Fargate's default 20 GiB.
    expect(props(taskDefinition(coder)).EphemeralStorage).toBeUndefined();
    // reporter: 20 GiB of scratch + 10 GiB for the image.
    expect(props(taskDefinition(reporter)).EphemeralStorage).toEqual({ SizeInGiB: 30 });
  });

  it('makes scratch writable with a run-once init container that holds no privilege', () => {
    const init = container(coder, 'scratch-permissions');
    expect(init).toMatchObject({
      User: '0:0',
      Essential: false,
      EntryPoint: ['chmod'],
      Command: ['1777', '/tmp', '/home/agent'],
    });
    expect(init.Environment).toBeUndefined();
    expect(container(coder, 'agent').DependsOn).toEqual([
      { ContainerName: 'scratch-permissions', Condition: 'SUCCESS' },
    ]);
  });

  it('routes the agent through the proxy load balancer and adds the profile environment', () => {
    const env = Object.fromEntries(
      (container(coder, 'agent').Environment ?? []).map((e) => [e.Name, renderString(e.Value)]),
    );
    const lb = JSON.stringify({ 'Fn::GetAtt': [idOf(stack.proxy.loadBalancer), 'DNSName'] });
    expect(env).toMatchObject({
      HTTPS_PROXY: `http://${lb}:3128`,
      ANTHROPIC_BASE_URL: expect.stringMatching(/^http:\/\/.*:8081$/),
      NODE_USE_ENV_PROXY: '1',
      HOME: '/home/agent',
      LOG_LEVEL: 'debug',
    });
  });

  it('gives agents no secrets and no credential-looking values', () => {
    for (const workload of [coder, reporter]) {
      for (const c of containers(workload)) {
        expect(c.Secrets).toBeUndefined();
        for (const e of c.Environment ?? []) {
          expect(e.Name).not.toMatch(/^(AWS_SECRET|AWS_ACCESS|AGENT_PERIMETER_SECRET_)/);
        }
      }
    }
  });

  it('logs each agent to its own KMS-encrypted log group with the policy retention', () => {
    const group = props(all[idOf(coder.logGroup)]);
    expect(group.RetentionInDays).toBe(90);
    expect(refOf(group.KmsKeyId)).toBe(idOf(stack.network.logKey as kms.Key));
    expect(container(coder, 'agent').LogConfiguration).toMatchObject({
      LogDriver: 'awslogs',
      Options: { 'awslogs-group': { Ref: idOf(coder.logGroup) }, mode: 'blocking' },
    });
  });
});

describe('agent IAM', () => {
  it('has no task role at all unless the profile lists aws_access', () => {
    expect(props(taskDefinition(coder)).TaskRoleArn).toBeUndefined();
    expect(coder.taskRole).toBeUndefined();
    const coderRoles = resourcesOfType(template, 'AWS::IAM::Role').filter(([id]) =>
      id.startsWith('Agentscoder'),
    );
    expect(coderRoles.map(([id]) => id)).toEqual([idOf(coder.executionRole)]);
  });

  it('gives an aws_access profile exactly the listed actions on the listed resources', () => {
    expect(refOf(props(taskDefinition(reporter)).TaskRoleArn)).toBe(idOf(reporter.taskRole));
    const statements = statementsOf(idOf(reporter.taskPolicy));
    expect(statements).toHaveLength(1);
    expect(statements[0]?.Action).toBe('s3:GetObject');
    expect(renderString(statements[0]?.Resource)).toBe(
      'arn:<AWS::Partition>:s3:::reports-bucket/latest.json',
    );
  });

  it('trusts ECS only on behalf of this account', () => {
    for (const role of [coder.executionRole, reporter.executionRole, reporter.taskRole]) {
      const trust = props(all[idOf(role)]).AssumeRolePolicyDocument as { Statement: Statement[] };
      expect(trust.Statement).toHaveLength(1);
      expect(trust.Statement[0]?.Condition?.StringEquals?.['aws:SourceAccount']).toBe(ACCOUNT);
      expect(renderString(trust.Statement[0]?.Condition?.ArnLike?.['aws:SourceArn'])).toBe(
        `arn:<AWS::Partition>:ecs:${REGION}:${ACCOUNT}:*`,
      );
    }
  });

  it('lets the execution role pull only the agent image and write only its own log group', () => {
    const [login, pull, log] = statementsOf(idOf(coder.executionPolicy));
    expect(login).toMatchObject({ Action: 'ecr:GetAuthorizationToken', Resource: '*' });
    expect(pull?.Action).toEqual([
      'ecr:BatchCheckLayerAvailability',
      'ecr:GetDownloadUrlForLayer',
      'ecr:BatchGetImage',
      'ecr:BatchImportUpstreamImage',
    ]);
    const cache = stack.agents.cacheRepositories['test/ecr-public/docker/library/node'];
    expect(pull?.Resource).toEqual({ 'Fn::GetAtt': [idOf(cache), 'Arn'] });
    expect(log).toMatchObject({
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: { 'Fn::GetAtt': [idOf(coder.logGroup), 'Arn'] },
    });
    const [, reporterPull] = statementsOf(idOf(reporter.executionPolicy));
    expect(renderString(reporterPull?.Resource)).toBe(
      `arn:<AWS::Partition>:ecr:${REGION}:${ACCOUNT}:repository/agents/reporter`,
    );
    expect(reporterPull?.Action).not.toContain('ecr:BatchImportUpstreamImage');
  });

  it('has no wildcard action anywhere and no wildcard resource but the ECR login in agent IAM', () => {
    for (const [id, s] of identityStatements()) {
      if (s.Effect !== 'Allow') continue;
      expect(
        list(s.Action).filter((a) => a.includes('*')),
        id,
      ).toEqual([]);
      if (!underAgents(id)) continue;
      const wild = list(s.Resource).filter((r) => renderString(r).includes('*'));
      if (wild.length > 0) expect(s.Action, id).toBe('ecr:GetAuthorizationToken');
    }
  });

  it('uses no inline policies and no hard-coded partition in agent IAM', () => {
    expect(resourcesOfType(template, 'AWS::IAM::Policy').filter(([id]) => underAgents(id))).toEqual(
      [],
    );
    for (const [id, r] of resourcesOfType(template, 'AWS::IAM::Role').filter(([i]) =>
      underAgents(i),
    ))
      expect(props(r).Policies, id).toBeUndefined();
    expect(JSON.stringify(Object.entries(all).filter(([id]) => underAgents(id)))).not.toContain(
      'arn:aws:',
    );
  });
});

describe('agent images', () => {
  it('pulls public.ecr.aws images through an ECR pull-through cache into a repository made up front', () => {
    // The proxy image has its own rule (`test/proxy`, ADR 0047); these are the agents'.
    const [[, rule] = []] = resourcesOfType(template, 'AWS::ECR::PullThroughCacheRule').filter(
      ([id]) => id.startsWith('Agents'),
    );
    expect(props(rule)).toEqual({
      EcrRepositoryPrefix: 'test/ecr-public',
      UpstreamRegistryUrl: 'public.ecr.aws',
    });
    const repos = resourcesOfType(template, 'AWS::ECR::Repository').filter(([id]) =>
      id.startsWith('Agents'),
    );
    expect(repos.map(([, r]) => props(r).RepositoryName)).toEqual([
      'test/ecr-public/docker/library/node',
    ]);
    const image = renderString((container(coder, 'agent') as { Image?: unknown }).Image);
    expect(image).toMatch(/\.dkr\.ecr\..*\/<AgentsCache.*>:22-slim$/);
  });

  it('uses private ECR images of this account and region as they are', () => {
    expect((container(reporter, 'agent') as { Image?: unknown }).Image).toBe(PRIVATE_IMAGE);
  });

  it('parses the image references the agent subnets can pull', () => {
    expect(parseAgentImage('public.ecr.aws/docker/library/node:22-slim', 'x')).toMatchObject({
      kind: 'ecr-public',
      upstreamRepository: 'docker/library/node',
      tagOrDigest: '22-slim',
    });
    expect(parseAgentImage('public.ecr.aws/a/b', 'x')).toMatchObject({ tagOrDigest: 'latest' });
    expect(
      parseAgentImage(`123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/r:1`, 'x'),
    ).toMatchObject({ kind: 'private-ecr', region: 'cn-north-1', repositoryName: 'r' });
  });

  it.each([
    ['node:22', 'public.ecr.aws/docker/library/node:22'],
    ['docker.io/library/python:3.12', 'public.ecr.aws/docker/library/python:3.12'],
    ['ghcr.io/acme/agent:1', 'private ECR repository'],
  ])('rejects %s with the fix (%s)', (image, fix) => {
    expect(() => parseAgentImage(image, 'agents[0].image')).toThrow(AgentWorkloadError);
    expect(() => parseAgentImage(image, 'agents[0].image')).toThrow(fix);
  });

  it('keeps the pull-through cache prefix within ECR limits for the longest policy names', () => {
    expect(pullThroughCachePrefix('demo')).toBe('demo/ecr-public');
    expect(pullThroughCachePrefix('a'.repeat(20)).length).toBeLessThanOrEqual(30);
  });
});

describe('agent placement', () => {
  const subnetIds = stack.network.agentSubnets.map((s) => ({ Ref: idOf(s as ec2.Subnet) }));

  it("runs the optional service only in the agent subnets, with only its profile's SG, no public IP", () => {
    const service = props(all[idOf(reporter.service)]);
    // Two profiles: the second (reporter) has its own group, reaching only its own listeners.
    const reporterSg = stack.network.agentSecurityGroups.reporter as ec2.SecurityGroup;
    expect(idOf(reporterSg)).not.toBe(idOf(stack.network.agentSecurityGroup));
    expect(service).toMatchObject({
      DesiredCount: 2,
      LaunchType: 'FARGATE',
      EnableExecuteCommand: false,
      NetworkConfiguration: {
        AwsvpcConfiguration: {
          AssignPublicIp: 'DISABLED',
          Subnets: subnetIds,
          SecurityGroups: [{ 'Fn::GetAtt': [idOf(reporterSg), 'GroupId'] }],
        },
      },
    });
    expect(tagValue(all[idOf(reporter.service)], TIER_TAG_KEY)).toBe('agent');
    expect(tagValue(all[idOf(reporter.service)], 'agent-perimeter:agent')).toBe('reporter');
    expect(tagValue(all[idOf(reporter.service)], 'agent-perimeter:policy')).toBe('test');
    expect(coder.service).toBeUndefined();
    expect(resourcesOfType(template, 'AWS::ECS::Service')).toHaveLength(2); // proxy + reporter
  });

  it('outputs a run-task command that places the task the same way', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    const command = renderString(outputs.AgentCoderRunTask?.Value);
    expect(command).toContain('aws ecs run-task');
    expect(command).toContain('--task-definition agent-perimeter-test-coder');
    expect(command).toContain('--launch-type FARGATE');
    expect(command).toContain(
      `subnets=[${subnetIds.map((s) => `<${s.Ref}>`).join(',')}],securityGroups=[`,
    );
    expect(command).toContain('assignPublicIp=DISABLED');
    expect(command).toContain('--propagate-tags TASK_DEFINITION');
    expect(outputs.AgentReporterTaskDefinition?.Value).toEqual({
      Ref: idOf(reporter.taskDefinition),
    });
    expect(outputs.AgentCluster?.Value).toEqual({ Ref: idOf(stack.agents.cluster as ecs.Cluster) });
  });

  it('builds the run-task command from its inputs', () => {
    expect(
      runTaskCommand({
        cluster: 'c',
        taskDefinition: 'f',
        subnetIds: ['subnet-1', 'subnet-2'],
        securityGroupId: 'sg-1',
      }),
    ).toBe(
      "aws ecs run-task --cluster c --task-definition f --launch-type FARGATE --platform-version LATEST --network-configuration 'awsvpcConfiguration={subnets=[subnet-1,subnet-2],securityGroups=[sg-1],assignPublicIp=DISABLED}' --propagate-tags TASK_DEFINITION --enable-ecs-managed-tags",
    );
  });

  it('runs agents in a cluster with Container Insights', () => {
    expect(props(all[idOf(stack.agents.cluster as ecs.Cluster)]).ClusterSettings).toEqual([
      { Name: 'containerInsights', Value: 'enabled' },
    ]);
  });
});

describe('compliance', () => {
  it.each(packRows())('%s reports zero unacknowledged findings', (_name, pack) => {
    expect(packFindings(pack, stack)).toEqual([]);
  });

  it('the AgentPerimeter pack finds only the acknowledged root init container', () => {
    const findings = (acknowledged: boolean) => {
      const pack = new AgentPerimeterChecks();
      if (!acknowledged) {
        (pack as unknown as { isAcknowledged: () => boolean }).isAcknowledged = () => false;
      }
      return pack
        .validateScope(stack)
        .violations.flatMap((v) =>
          v.violatingResources.map((r) => `${v.ruleName} ${r.constructPath}`),
        );
    };
    expect(findings(true)).toEqual([]);
    expect(findings(false)).toEqual([
      `AgentPerimeter-AgentTaskNonRootUser[scratch-permissions] ${coder.taskDefinition.node.path}/Resource`,
      `AgentPerimeter-AgentTaskNonRootUser[scratch-permissions] ${reporter.taskDefinition.node.path}/Resource`,
    ]);
  });

  it('every agent acknowledgement matches a finding and names its reason', () => {
    const own = (id: string) => !id.startsWith('AgentPerimeter-');
    expect(unusedAcknowledgements(stack.agents).filter(own)).toEqual([]);
    const acks = acknowledgementsUnder(stack.agents);
    expect(acks.map((a) => a.id).sort()).toEqual([
      'AgentPerimeter-AgentTaskNonRootUser[scratch-permissions]',
      'AgentPerimeter-AgentTaskNonRootUser[scratch-permissions]',
      'AwsSolutions-ECS2',
      'AwsSolutions-ECS2',
      'AwsSolutions-IAM5[Resource::*]',
      'AwsSolutions-IAM5[Resource::*]',
      // Control Tower (test/cdk/control-tower.test.ts): the cache's mutable tags, the root init.
      'ControlTower::ecr_private_tag_immutability_enabled_check',
      'ControlTower::ecs_task_definition_nonroot_user_check',
      'ControlTower::ecs_task_definition_nonroot_user_check',
    ]);
  });
});

/** A small stack with just enough for AgentWorkloads: isolated subnets, an SG and a key. */
function scaffolding(policy: Policy, env?: { account: string; region: string }) {
  const scaffold = isolatedStack('Scaffold', 'agents', env);
  const { stack: scope, vpc, logKey } = scaffold;
  const securityGroup = closedSecurityGroup(scope, 'AgentSg', vpc);
  const build = () =>
    new AgentWorkloads(scope, 'Agents', {
      policy,
      vpc,
      subnets: vpc.isolatedSubnets,
      securityGroup,
      proxyAddress: 'proxy.internal',
      logKey,
    });
  return { app: scaffold.app, stack: scope, build };
}

const onePolicy = (agent: string) =>
  validPolicy(policyYaml('  - host: github.com', `agents:\n  - name: a\n${agent}`));

describe('synth-time guard', () => {
  const synthError = (mutate: (agents: AgentWorkloads) => void): string => {
    const s = scaffolding(onePolicy('    image: public.ecr.aws/docker/library/node:22'));
    const agents = s.build();
    mutate(agents);
    try {
      s.app.synth();
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error('synth succeeded');
  };
  const workload = (agents: AgentWorkloads) => {
    const w = agents.workloads.a;
    if (w === undefined) throw new Error('no workload');
    return w;
  };

  it('synthesizes a clean workload', () => {
    const s = scaffolding(onePolicy('    image: public.ecr.aws/docker/library/node:22'));
    s.build();
    expect(() => s.app.synth()).not.toThrow();
  });

  it('fails synth when a key-like value is added to the agent environment later', () => {
    const token = `ghp_${'a1B2'.repeat(9)}`;
    const message = synthError((agents) => workload(agents).container.addEnvironment('GH', token));
    expect(message).toContain(
      'container "agent" environment variable GH looks like a GitHub token',
    );
    expect(message).toContain('add an `inject` rule');
    expect(message).not.toContain(token);
  });

  it('fails synth when a credential hides inside a token-built string', () => {
    // The same rule as the policy check: credentials by form (here a password in a URL), not
    // randomness, so commit SHAs and build ids pass both.
    const message = synthError((agents) =>
      workload(agents).container.addEnvironment(
        'URL',
        `https://deploy:Zx8Qw2Lm4Np6@${Stack.of(agents).region}.example.com/`,
      ),
    );
    expect(message).toContain('environment variable URL looks like a URL with a password');
  });

  it('fails synth for credential variables whatever their value', () => {
    const message = synthError((agents) =>
      workload(agents).container.addEnvironment('AWS_SECRET_ACCESS_KEY', 'x'),
    );
    expect(message).toContain('sets AWS_SECRET_ACCESS_KEY, a credential variable');
  });

  it('fails synth when a secret is handed to the agent', () => {
    const message = synthError((agents) => {
      const secret = secretsmanager.Secret.fromSecretNameV2(agents, 'S', 'github-token');
      workload(agents).container.addSecret('GITHUB_TOKEN', ecs.Secret.fromSecretsManager(secret));
    });
    expect(message).toContain('container "agent" has `secrets`');
  });

  it('fails synth when a task role is added to a profile without aws_access', () => {
    const message = synthError((agents) => {
      const cfn = workload(agents).taskDefinition.node.defaultChild as ecs.CfnTaskDefinition;
      const role = new iam.Role(agents, 'Sneaky', {
        assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      });
      cfn.taskRoleArn = role.roleArn;
    });
    expect(message).toContain('has a task role, so the task metadata endpoint');
  });

  it('fails synth when escape hatches weaken the container', () => {
    const message = synthError((agents) => {
      const cfn = workload(agents).taskDefinition.node.defaultChild as ecs.CfnTaskDefinition;
      cfn.addPropertyOverride('ContainerDefinitions.0.ReadonlyRootFilesystem', false);
      cfn.addPropertyOverride('ContainerDefinitions.0.Privileged', true);
      cfn.addPropertyOverride('ContainerDefinitions.0.User', '0');
    });
    expect(message).toContain('container "agent" has a writable root filesystem');
    expect(message).toContain('container "agent" is privileged');
    expect(message).toContain('container "agent" runs as root');
  });

  it('fails the whole app when the policy holds a literal-looking secret', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-perimeter-agents-'));
    const file = join(dir, 'leaky.yaml');
    const token = `ghp_${'x9Y8'.repeat(9)}`;
    writeFileSync(
      file,
      policyYaml(
        '  - host: github.com',
        `agents:\n  - name: a\n    image: public.ecr.aws/docker/library/node:22\n    environment: { GITHUB_TOKEN: ${token} }`,
      ),
    );
    let message = '';
    try {
      buildAwsApp({ policyFile: file, outdir: join(dir, 'out') });
    } catch (error) {
      expect(error).toBeInstanceOf(PolicyError);
      message = (error as Error).message;
    }
    expect(message).toContain(
      'leaky.yaml:7: agents[0].environment.GITHUB_TOKEN: looks like a GitHub token. Agents must never hold credentials',
    );
    expect(message).not.toContain(token);
  });
});

describe('bad profiles fail before any resource, with the fix', () => {
  const buildError = (agent: string, env?: { account: string; region: string }) => {
    const s = scaffolding(onePolicy(agent), env);
    try {
      s.build();
    } catch (error) {
      expect(error).toBeInstanceOf(AgentWorkloadError);
      return (error as Error).message;
    }
    throw new Error('construction succeeded');
  };

  it('rejects a Docker Hub image', () => {
    expect(buildError('    image: node:22')).toContain(
      'agents[0].image "node:22" cannot be pulled by agents on AWS',
    );
  });

  it('rejects a private ECR image in another account or region', () => {
    const message = buildError(`    image: ${PRIVATE_IMAGE}`, {
      account: '210987654321',
      region: 'eu-west-1',
    });
    expect(message).toContain(`account ${ACCOUNT} (the stack deploys to 210987654321)`);
    expect(message).toContain(`region ${REGION} (the stack deploys to eu-west-1)`);
  });

  it('warns that an environment-agnostic stack cannot check a private ECR image', () => {
    const s = scaffolding(onePolicy(`    image: ${PRIVATE_IMAGE}`));
    s.build();
    expect(
      Annotations.fromStack(s.stack)
        .findWarning('*', Match.anyValue())
        .map((w) => w.entry.data),
    ).toContainEqual(
      `agents[0].image is in account ${ACCOUNT}, region ${REGION}; the stack is environment-agnostic, so this cannot be checked at synth time. Agents can pull only from the account and region the stack is deployed to. [ack: agent-perimeter:agent-image-account]`,
    );
  });

  it('rejects a CPU and memory pair Fargate cannot run', () => {
    expect(
      buildError('    image: public.ecr.aws/a/b:1\n    cpu: 0.25\n    memory_mib: 4096'),
    ).toContain('agents[0].memory_mib 4096 does not fit agents[0].cpu 0.25 vCPU on Fargate');
  });

  it('rejects ephemeral storage that leaves no room for the image', () => {
    expect(
      buildError(
        '    image: public.ecr.aws/a/b:1\n    ephemeral_storage_gib: 21\n    scratch: [{ path: /tmp, size_mib: 25600 }]',
      ),
    ).toContain('agents[0].ephemeral_storage_gib 21 does not exceed the scratch total');
  });

  it('derives the task size and storage', () => {
    const base = onePolicy('    image: x').agents[0];
    if (base === undefined) throw new Error('no profile');
    expect(agentTaskSize(base, 'agents[0]')).toMatchObject({
      cpu: 1024,
      memoryMiB: 2048,
      ephemeralStorageGiB: undefined,
      storageGiB: 20,
      scratchMiB: 2048,
    });
    // Storage as asked when it leaves room for the image; else derived from the scratch total.
    expect(agentTaskSize({ ...base, ephemeral_storage_gib: 50 }, 'agents[0]')).toMatchObject({
      ephemeralStorageGiB: 50,
      storageGiB: 50,
    });
    const large = { ...base, scratch: [{ path: '/tmp', size_mib: 20 * 1024 }] };
    expect(agentTaskSize(large, 'agents[0]')).toMatchObject({
      ephemeralStorageGiB: 30,
      storageGiB: 30,
    });
    const huge = { ...base, scratch: [{ path: '/tmp', size_mib: 200 * 1024 }] };
    expect(() => agentTaskSize(huge, 'agents[0]')).toThrow(
      'a Fargate task has at most 200 GiB of ephemeral storage',
    );
  });
});
