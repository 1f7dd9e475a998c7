// The offline CloudFormation validator adds seconds per synth and checks nothing we assert.
process.env.CDK_VALIDATION = 'false';

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CfnElement, Stage } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import {
  configDelivery,
  ecrRepositoryOf,
  FARGATE_MEMORY_BY_CPU,
  FETCHING_ENVOY_ENTRYPOINT,
  fargateTaskSize,
  MAX_INLINE_CONFIG_BYTES,
  MAX_TASK_DEFINITION_BYTES,
  type ProxyImageCache,
  ProxyTier,
  ProxyTierError,
  proxyImageSource,
  TASK_DEFINITION_OVERHEAD_BYTES,
} from '../../cdk/proxy-tier/index.js';
import { formatViolation, verifyTemplate } from '../../lib/containment/index.js';
import { PROXY_CONFIG_DIGEST_ENV, proxyConfigDigest } from '../../lib/contract/proxy-identity.js';
import { type Policy, proxyPorts } from '../../lib/policy/index.js';
import { LAUNCHER_NAME, LAUNCHER_SCRIPT } from '../../lib/proxy-launcher.js';
import { HEALTH_PATH, renderProxyConfig } from '../../proxy/index.js';
import { renderString } from '../helpers/cdk-network-template.js';
import { buildProxyTier, proxyScaffolding, synthProxyTier } from '../helpers/cdk-proxy-stack.js';
import { findId, realTemplate } from '../helpers/containment-template.js';
import { ENVOY_DRAIN_ARGV, launcherOptionsArgv } from '../helpers/launcher-argv.js';
import { unacknowledgedFindings, unusedAcknowledgements } from '../helpers/nag.js';
import { policyYaml, validPolicy } from '../helpers/policy.js';

const ANTHROPIC = `  - host: api.anthropic.com
    inject:
      header: x-api-key
      secret: anthropic-api-key
  - host: github.com`;

/** The shipped defaults: 0.5 vCPU / 1024 MiB, replicas 2-6, ports 3128 / 8081 / 8099. */
const BASE = validPolicy(policyYaml(ANTHROPIC));

const ECR_IMAGE =
  '123456789012.dkr.ecr.us-east-1.amazonaws.com/docker-hub/envoyproxy/envoy:v1.36.4';
const BIGGER = validPolicy(
  policyYaml(
    `${ANTHROPIC}
  - host: api.openai.com
    inject:
      header: authorization
      secret: openai-api-key`,
    `proxy:
  image: ${ECR_IMAGE}
  cpu: 1
  memory_mib: 4096
  replicas: { min: 3, max: 10 }
  limits: { idle_timeout_s: 900 }
logging:
  retention_days: 90`,
  ),
);
const OPENAI_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:openai-api-key-AbCdEf';

// One synth per configuration, shared by every test below.
const base = synthProxyTier(BASE);
const bigger = (() => {
  const scaffolding = proxyScaffolding();
  const { stack } = scaffolding;
  const secretKey = new kms.Key(stack, 'SecretKey', { enableKeyRotation: true });
  const tier = buildProxyTier(scaffolding, BIGGER, {
    deletionProtection: true,
    secrets: {
      'anthropic-api-key': secretsmanager.Secret.fromSecretNameV2(
        stack,
        'Anthropic',
        'anthropic-api-key',
      ),
      'openai-api-key': secretsmanager.Secret.fromSecretAttributes(stack, 'OpenAi', {
        secretCompleteArn: OPENAI_ARN,
        encryptionKey: secretKey,
      }),
    },
  });
  return { ...scaffolding, tier, secretKey, template: Template.fromStack(stack) };
})();

function logicalId(construct: IConstruct): string {
  const element = (construct.node.defaultChild ?? construct) as CfnElement;
  return element.stack.getLogicalId(element);
}

/** The parts of a synthesized template the assertions read; values stay `unknown` elsewhere. */
type Props = Record<string, unknown>;
interface Resource {
  readonly Type: string;
  readonly Properties: Props;
  readonly DependsOn?: string[];
}
type Resources = Record<string, Resource>;
interface Statement {
  readonly Sid?: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
}
interface ContainerDefinition extends Props {
  readonly Image: string;
  readonly Command: string[];
  readonly PortMappings: { ContainerPort: number; Protocol: string }[];
}

function resourcesOf(t: Template): Resources {
  return t.toJSON().Resources as Resources;
}

function ofType(resources: Resources, type: string): [string, Resource][] {
  return Object.entries(resources).filter(([, r]) => r.Type === type);
}

function envoyContainer(t: Template): ContainerDefinition {
  const [[, taskDef] = []] = ofType(resourcesOf(t), 'AWS::ECS::TaskDefinition');
  const containers = taskDef?.Properties.ContainerDefinitions as ContainerDefinition[];
  expect(containers).toHaveLength(1);
  return containers[0] as ContainerDefinition;
}

function statementsOf(t: Template, policy: IConstruct): Statement[] {
  const document = resourcesOf(t)[logicalId(policy)]?.Properties.PolicyDocument as {
    Statement: Statement[];
  };
  return document.Statement;
}

function cacheOf(tier: ProxyTier): ProxyImageCache {
  if (tier.imageCache === undefined) throw new Error('the proxy image has no pull-through cache');
  return tier.imageCache;
}

/** The image URI of this account's ECR, as the proxy tier writes a cache repository's. */
function cacheImage(path: string) {
  return {
    'Fn::Join': [
      '',
      [
        { Ref: 'AWS::AccountId' },
        '.dkr.ecr.',
        { Ref: 'AWS::Region' },
        '.',
        { Ref: 'AWS::URLSuffix' },
        `/${path}`,
      ],
    ],
  };
}

/** Fn::Join of a partition-token ARN, as CDK renders `Stack.formatArn`. */
function secretNameArn(suffix: string) {
  return {
    'Fn::Join': [
      '',
      [
        'arn:',
        { Ref: 'AWS::Partition' },
        ':secretsmanager:',
        { Ref: 'AWS::Region' },
        ':',
        { Ref: 'AWS::AccountId' },
        `:secret:${suffix}`,
      ],
    ],
  };
}

describe('ProxyTier task definition', () => {
  const container = envoyContainer(base.template);

  it('runs on Fargate with the size from the policy', () => {
    base.template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      RequiresCompatibilities: ['FARGATE'],
      NetworkMode: 'awsvpc',
      Cpu: '512',
      Memory: '1024',
    });
  });

  it('runs the pinned Envoy image hardened: read-only root, uid 101, no capabilities, init', () => {
    // Through this account's ECR pull-through cache, never from Docker Hub itself.
    expect(container.Image).toEqual(cacheImage('test/proxy/envoyproxy/envoy:v1.36.4'));
    // The launcher (lib/proxy-launcher.ts) runs Envoy: checks credentials, drains on SIGTERM.
    expect(container.EntryPoint).toEqual(['/bin/bash', '-c', LAUNCHER_SCRIPT, LAUNCHER_NAME]);
    expect(container.ReadonlyRootFilesystem).toBe(true);
    expect(container.User).toBe('101:101');
    expect(container.Privileged).not.toBe(true);
    expect(container.LinuxParameters).toEqual({
      Capabilities: { Drop: ['ALL'] },
      InitProcessEnabled: true,
    });
    expect(container.Environment).toBeUndefined();
  });

  it('passes the rendered bootstrap inline with --config-yaml, after the launcher options', () => {
    const command = container.Command as string[];
    expect(command.slice(0, command.indexOf('--') + 2)).toEqual(
      launcherOptionsArgv('AGENT_PERIMETER_SECRET_ANTHROPIC_API_KEY'),
    );
    const at = command.indexOf('--config-yaml');
    expect(at).toBeGreaterThanOrEqual(0);
    expect(JSON.parse(command[at + 1] as string)).toEqual(renderProxyConfig(BASE));
    expect(command).toContain('--disable-hot-restart');
    expect(command.slice(command.indexOf('--concurrency'))).toEqual(ENVOY_DRAIN_ARGV);
  });

  it('gives the launcher longer to drain than it takes, within what Fargate allows', () => {
    expect(container.StopTimeout).toBe(40);
  });

  it('fits the whole task definition in the 64 KiB ECS allows', () => {
    const [[, taskDef] = []] = ofType(resourcesOf(base.template), 'AWS::ECS::TaskDefinition');
    const size = Buffer.byteLength(JSON.stringify(taskDef?.Properties), 'utf8');
    expect(size).toBeLessThan(MAX_TASK_DEFINITION_BYTES);
    expect(size).toBeLessThan(MAX_INLINE_CONFIG_BYTES + TASK_DEFINITION_OVERHEAD_BYTES);
  });

  it('maps the forward-proxy, inject and health ports', () => {
    expect(container.PortMappings).toEqual([
      { ContainerPort: 3128, Protocol: 'tcp' },
      { ContainerPort: 8081, Protocol: 'tcp' },
      { ContainerPort: 8099, Protocol: 'tcp' },
    ]);
    expect(base.tier.ports).toEqual({
      forwardProxy: 3128,
      forwardProxies: [3128],
      inject: [8081],
      models: [],
      health: 8099,
      agentFacing: [3128, 8081],
      container: [3128, 8081, 8099],
    });
  });

  it('hands Envoy the injected secret from Secrets Manager, by a partition-agnostic ARN', () => {
    expect(container.Secrets).toEqual([
      {
        Name: 'AGENT_PERIMETER_SECRET_ANTHROPIC_API_KEY',
        ValueFrom: secretNameArn('anthropic-api-key'),
      },
    ]);
    expect(JSON.stringify(base.template.toJSON())).not.toContain('arn:aws:');
  });

  it('logs to the KMS-encrypted log group, blocking so no audit line is dropped', () => {
    expect(container.LogConfiguration).toEqual({
      LogDriver: 'awslogs',
      Options: {
        'awslogs-group': { Ref: logicalId(base.tier.logGroup) },
        'awslogs-stream-prefix': 'envoy',
        'awslogs-region': { Ref: 'AWS::Region' },
        mode: 'blocking',
      },
    });
    base.template.hasResource('AWS::Logs::LogGroup', {
      Properties: {
        KmsKeyId: { 'Fn::GetAtt': [logicalId(base.logKey), 'Arn'] },
        RetentionInDays: 365,
      },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });
});

describe('ProxyTier IAM', () => {
  const resources = resourcesOf(base.template);
  const executionRole = logicalId(base.tier.executionRole);
  const taskRole = logicalId(base.tier.taskRole);

  it('trusts ECS only on behalf of this account, for both roles (confused deputy)', () => {
    for (const role of [executionRole, taskRole]) {
      const trust = resources[role]?.Properties.AssumeRolePolicyDocument as {
        Statement: { Principal: unknown; Condition?: Record<string, Record<string, unknown>> }[];
      };
      expect(trust.Statement).toHaveLength(1);
      expect(trust.Statement[0]?.Principal).toEqual({ Service: 'ecs-tasks.amazonaws.com' });
      expect(trust.Statement[0]?.Condition?.StringEquals).toEqual({
        'aws:SourceAccount': { Ref: 'AWS::AccountId' },
      });
      expect(renderString(trust.Statement[0]?.Condition?.ArnLike?.['aws:SourceArn'])).toBe(
        'arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:*',
      );
    }
  });

  it('gives the execution role exactly: its log stream, the one injected secret and the image pull', () => {
    const policies = ofType(resources, 'AWS::IAM::ManagedPolicy');
    expect(policies.map(([, p]) => p.Properties.Roles)).toEqual([[{ Ref: executionRole }]]);
    expect(statementsOf(base.template, base.tier.executionPolicy)).toEqual([
      {
        Sid: 'WriteEnvoyLog',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [logicalId(base.tier.logGroup), 'Arn'] },
      },
      {
        Sid: 'ReadInjectedSecrets',
        Effect: 'Allow',
        Action: 'secretsmanager:GetSecretValue',
        // Exactly "<name>-" plus Secrets Manager's 6-character suffix: not "<name>-other".
        Resource: secretNameArn('anthropic-api-key-??????'),
      },
      { Sid: 'EcrLogin', Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
      {
        Sid: 'PullEnvoyImage',
        Effect: 'Allow',
        Action: [
          'ecr:BatchCheckLayerAvailability',
          'ecr:GetDownloadUrlForLayer',
          'ecr:BatchGetImage',
          'ecr:BatchImportUpstreamImage',
        ],
        // The one cache repository, not the cache prefix or the registry.
        Resource: { 'Fn::GetAtt': [logicalId(cacheOf(base.tier).repository), 'Arn'] },
      },
    ]);
  });

  it('creates no inline policies, so CDK grants cannot widen the execution role', () => {
    expect(ofType(resources, 'AWS::IAM::Policy')).toEqual([]);
    expect(resources[executionRole]?.Properties.Policies).toBeUndefined();
    expect(resources[executionRole]?.Properties.ManagedPolicyArns).toBeUndefined();
  });

  it('leaves the task role without any permission', () => {
    const role = resources[taskRole]?.Properties ?? {};
    expect(role.Policies).toBeUndefined();
    expect(role.ManagedPolicyArns).toBeUndefined();
    const attached = Object.values(resources).filter((r) =>
      JSON.stringify(r.Properties?.Roles ?? []).includes(taskRole),
    );
    expect(attached).toEqual([]);
    base.template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      TaskRoleArn: { 'Fn::GetAtt': [taskRole, 'Arn'] },
      ExecutionRoleArn: { 'Fn::GetAtt': [executionRole, 'Arn'] },
    });
  });

  it('starts tasks only after the execution policy is attached', () => {
    expect(resources[logicalId(base.tier.service)]?.DependsOn).toContain(
      logicalId(base.tier.executionPolicy),
    );
  });
});

describe('ProxyTier load balancer', () => {
  const resources = resourcesOf(base.template);

  it('is an internal NLB with the given security group, cross-zone on', () => {
    base.template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Type: 'network',
      Scheme: 'internal',
      SecurityGroups: [{ 'Fn::GetAtt': [logicalId(base.loadBalancerSecurityGroup), 'GroupId'] }],
      LoadBalancerAttributes: [
        { Key: 'deletion_protection.enabled', Value: 'false' },
        { Key: 'load_balancing.cross_zone.enabled', Value: 'true' },
      ],
    });
  });

  it('listens on the forward-proxy and inject ports only, over TCP', () => {
    const listeners = ofType(resources, 'AWS::ElasticLoadBalancingV2::Listener').map(
      ([, l]) => `${l.Properties.Protocol}:${l.Properties.Port}`,
    );
    expect(listeners.sort()).toEqual(['TCP:3128', 'TCP:8081']);
  });

  it('targets task IPs, health-checked over HTTP on the health port', () => {
    const groups = ofType(resources, 'AWS::ElasticLoadBalancingV2::TargetGroup');
    expect(groups.map(([, g]) => g.Properties.Port).sort()).toEqual([3128, 8081]);
    for (const [, group] of groups) {
      expect(group.Properties).toMatchObject({
        TargetType: 'ip',
        Protocol: 'TCP',
        HealthCheckProtocol: 'HTTP',
        HealthCheckPort: '8099',
        HealthCheckPath: HEALTH_PATH,
        HealthCheckIntervalSeconds: 10,
      });
      expect(group.Properties.TargetGroupAttributes).toEqual(
        expect.arrayContaining([
          { Key: 'preserve_client_ip.enabled', Value: 'true' },
          { Key: 'deregistration_delay.timeout_seconds', Value: '120' },
          { Key: 'deregistration_delay.connection_termination.enabled', Value: 'true' },
        ]),
      );
    }
  });

  it('adds no security-group rules: the network construct owns them', () => {
    expect(ofType(resources, 'AWS::EC2::SecurityGroupIngress')).toEqual([]);
    expect(ofType(resources, 'AWS::EC2::SecurityGroupEgress')).toEqual([]);
    for (const sg of [base.securityGroup, base.loadBalancerSecurityGroup]) {
      expect(resources[logicalId(sg)]?.Properties.SecurityGroupIngress).toBeUndefined();
    }
  });

  it('gives agents the NLB address in their proxy environment', () => {
    const dns = { 'Fn::GetAtt': [logicalId(base.tier.loadBalancer), 'DNSName'] };
    const env = base.stack.resolve(base.tier.agentEnvironment);
    expect(env.HTTPS_PROXY).toEqual({ 'Fn::Join': ['', ['http://', dns, ':3128']] });
    expect(env.ANTHROPIC_BASE_URL).toEqual({ 'Fn::Join': ['', ['http://', dns, ':8081']] });
    expect(base.stack.resolve(base.tier.address)).toEqual(dns);
  });
});

describe('ProxyTier service and scaling', () => {
  it('runs replicas.min tasks privately, rolling back failed deploys, without ECS Exec', () => {
    base.template.hasResourceProperties('AWS::ECS::Service', {
      LaunchType: 'FARGATE',
      PlatformVersion: 'LATEST',
      DesiredCount: 2,
      EnableExecuteCommand: false,
      PropagateTags: 'SERVICE',
      DeploymentConfiguration: Match.objectLike({
        DeploymentCircuitBreaker: { Enable: true, Rollback: true },
        MinimumHealthyPercent: 100,
        MaximumPercent: 200,
      }),
      NetworkConfiguration: {
        AwsvpcConfiguration: Match.objectLike({
          AssignPublicIp: 'DISABLED',
          SecurityGroups: [{ 'Fn::GetAtt': [logicalId(base.securityGroup), 'GroupId'] }],
        }),
      },
      LoadBalancers: [
        Match.objectLike({ ContainerName: 'envoy', ContainerPort: 3128 }),
        Match.objectLike({ ContainerName: 'envoy', ContainerPort: 8081 }),
      ],
    });
  });

  it('runs in a new cluster with Container Insights', () => {
    base.template.hasResourceProperties('AWS::ECS::Cluster', {
      ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }],
    });
  });

  it('scales between the policy replicas on CPU', () => {
    base.template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 2,
      MaxCapacity: 6,
      ScalableDimension: 'ecs:service:DesiredCount',
    });
    base.template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
        TargetValue: 50,
      }),
    });
  });
});

describe('ProxyTier with a different policy', () => {
  const t = bigger.template;
  const container = envoyContainer(t);
  const resources = resourcesOf(t);

  it('follows the policy: size, replicas, listeners, retention', () => {
    t.hasResourceProperties('AWS::ECS::TaskDefinition', { Cpu: '1024', Memory: '4096' });
    t.hasResourceProperties('AWS::ECS::Service', { DesiredCount: 3 });
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 3,
      MaxCapacity: 10,
    });
    t.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
    const ports = ofType(resources, 'AWS::ElasticLoadBalancingV2::Listener').map(
      ([, l]) => l.Properties.Port,
    );
    expect(ports.sort()).toEqual([3128, 8081, 8082]);
    expect(container.PortMappings.map((p) => p.ContainerPort)).toEqual([3128, 8081, 8082, 8099]);
    expect(container.Image).toBe(ECR_IMAGE);
    const command = container.Command as string[];
    expect(JSON.parse(command[command.indexOf('--config-yaml') + 1] as string)).toEqual(
      renderProxyConfig(BIGGER),
    );
  });

  it('injects both secrets and scopes the execution role to them and their key', () => {
    expect(container.Secrets).toEqual([
      {
        Name: 'AGENT_PERIMETER_SECRET_ANTHROPIC_API_KEY',
        ValueFrom: secretNameArn('anthropic-api-key'),
      },
      { Name: 'AGENT_PERIMETER_SECRET_OPENAI_API_KEY', ValueFrom: OPENAI_ARN },
    ]);
    const statements = statementsOf(t, bigger.tier.executionPolicy);
    const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));
    expect(bySid.ReadInjectedSecrets.Resource).toEqual([
      secretNameArn('anthropic-api-key-??????'),
      OPENAI_ARN,
    ]);
    expect(bySid.DecryptInjectedSecrets).toMatchObject({
      Action: 'kms:Decrypt',
      Resource: { 'Fn::GetAtt': [logicalId(bigger.secretKey), 'Arn'] },
    });
  });

  it('lets the execution role pull from the private ECR repository in proxy.image only', () => {
    const statements = statementsOf(t, bigger.tier.executionPolicy);
    const pull = statements.find((s) => s.Sid === 'PullEnvoyImage');
    // The mirror step: the image is used as it is, with no cache rule and no upstream import.
    expect(bigger.tier.imageCache).toBeUndefined();
    expect(ofType(resources, 'AWS::ECR::PullThroughCacheRule')).toEqual([]);
    expect(ofType(resources, 'AWS::ECR::Repository')).toEqual([]);
    expect(pull?.Action).not.toContain('ecr:BatchImportUpstreamImage');
    expect(pull?.Resource).toEqual({
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':ecr:us-east-1:123456789012:repository/docker-hub/envoyproxy/envoy',
        ],
      ],
    });
    expect(statements.find((s) => s.Sid === 'EcrLogin')?.Resource).toBe('*');
  });

  it('honours deletion protection and keeps the NLB idle timeout above Envoy\u2019s', () => {
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      LoadBalancerAttributes: Match.arrayWith([
        { Key: 'deletion_protection.enabled', Value: 'true' },
      ]),
    });
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      ListenerAttributes: [{ Key: 'tcp.idle_timeout.seconds', Value: '930' }],
    });
  });
});

describe('ProxyTier rejects what it cannot deploy', () => {
  const build =
    (policy: Policy, props: Parameters<typeof buildProxyTier>[2] = {}) =>
    () =>
      buildProxyTier(proxyScaffolding(), policy, props);
  const withProxy = (proxy: string) => validPolicy(policyYaml(ANTHROPIC, `proxy:\n${proxy}`));

  it('an invalid Fargate cpu/memory pair, listing the valid memory sizes', () => {
    const policy = withProxy('  cpu: 0.25\n  memory_mib: 4096');
    expect(build(policy)).toThrow(ProxyTierError);
    expect(build(policy)).toThrow(
      'proxy.memory_mib 4096 does not fit proxy.cpu 0.25 vCPU on Fargate. Fix: set proxy.memory_mib to one of 512, 1024, 2048',
    );
  });

  it('credentials from files, which Fargate cannot mount from Secrets Manager', () => {
    expect(build(withProxy('  credentials_from: file'))).toThrow(
      /credentials_from "file" is not supported on AWS Fargate yet.*Fix: set proxy.credentials_from to "env"/,
    );
  });

  it('secrets that do not match the inject entries exactly', () => {
    const scaffolding = proxyScaffolding();
    const other = secretsmanager.Secret.fromSecretNameV2(scaffolding.stack, 'Other', 'other');
    expect(() => buildProxyTier(scaffolding, BASE, { secrets: { other } })).toThrow(
      /missing "anthropic-api-key"; not used by any inject entry: "other"/,
    );
  });
});

describe('ProxyTier with a config too large to pass inline', () => {
  // Over the inline limit: the config goes to S3, pinned by its sha256 in the task definition.
  const envoyConfig = { padding: 'x'.repeat(MAX_INLINE_CONFIG_BYTES) };
  const large = synthProxyTier(BASE, { envoyConfig });
  const container = envoyContainer(large.template) as ContainerDefinition & {
    EntryPoint: string[];
    Environment?: { Name: string; Value: string }[];
  };
  const digest = proxyConfigDigest(envoyConfig);

  it('delivers it as an S3 object the launcher fetches, never inline', () => {
    expect(configDelivery(envoyConfig)).toBe('s3');
    expect(large.tier.configDelivery).toBe('s3');
    expect(JSON.stringify(container.Command)).not.toContain('xxxxxxxx');
    expect(container.Command).not.toContain('--config-yaml');
    const at = container.Command.indexOf('--config-s3');
    expect(at).toBeGreaterThanOrEqual(0);
    expect(container.Command[container.Command.indexOf('--config-path') + 1]).toBe('/dev/fd/9');
    expect(container.EntryPoint).toEqual([...FETCHING_ENVOY_ENTRYPOINT]);
    expect(container.EntryPoint[2]).toContain('fetch_config');
    const staged = large.tier.configObject?.asset;
    const outdir = Stage.of(large.stack)?.outdir;
    if (staged === undefined || outdir === undefined) throw new Error('no staged config');
    // The uploaded object is exactly the compact JSON the digest is taken over.
    expect(readFileSync(join(outdir, staged.assetPath), 'utf8')).toBe(JSON.stringify(envoyConfig));
  });

  it('pins the sha256 in the task definition, so a change is a new revision', () => {
    expect(container.Environment).toEqual([{ Name: PROXY_CONFIG_DIGEST_ENV, Value: digest }]);
    expect(large.tier.expectedProxy.configDigest).toBe(digest);
    const other = synthProxyTier(BASE, { envoyConfig: { ...envoyConfig, n: 1 } });
    const changed = envoyContainer(other.template) as typeof container;
    expect(changed.Environment?.[0]?.Value).not.toBe(digest);
  });

  it('lets only the task role read exactly that object', () => {
    const policy = large.tier.configPolicy;
    expect(policy).toBeDefined();
    const statements = statementsOf(large.template, policy as IConstruct);
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatchObject({ Action: 's3:GetObject', Effect: 'Allow' });
    expect(JSON.stringify(statements[0]?.Resource)).toContain(`${asset(large)}`);
    const roles = resourcesOf(large.template)[logicalId(policy as IConstruct)]?.Properties.Roles;
    expect(roles).toEqual([{ Ref: logicalId(large.tier.taskRole) }]);
  });

  it('has no unacknowledged cdk-nag findings and only acknowledgements that exist', () => {
    expect(unacknowledgedFindings(large.stack)).toEqual([]);
    expect(unusedAcknowledgements(large.tier)).toEqual([]);
  });
});

/** The object key of the tier's config asset (its content hash and extension). */
function asset(s: ReturnType<typeof synthProxyTier>): string {
  const key = s.tier.configObject?.asset.assetHash;
  if (key === undefined) throw new Error('no config asset');
  return key;
}

describe('ProxyTier helpers', () => {
  it('knows every Fargate size the policy schema allows', () => {
    expect(fargateTaskSize(0.5, 1024)).toEqual({ cpu: 512, memoryMiB: 1024 });
    expect(fargateTaskSize(16, 122880)).toEqual({ cpu: 16384, memoryMiB: 122880 });
    expect(FARGATE_MEMORY_BY_CPU.get(8192)).toContain(61440);
    expect(() => fargateTaskSize(8, 20000)).toThrow(/16384, 20480, 24576/);
  });

  it('recognises private ECR images, not other registries', () => {
    expect(ecrRepositoryOf(`${ECR_IMAGE.split(':')[0]}@sha256:${'a'.repeat(64)}`)).toEqual({
      account: '123456789012',
      region: 'us-east-1',
      repositoryName: 'docker-hub/envoyproxy/envoy',
    });
    expect(ecrRepositoryOf('envoyproxy/envoy:v1.36.4')).toBeUndefined();
    expect(ecrRepositoryOf('public.ecr.aws/envoyproxy/envoy:v1.36.4')).toBeUndefined();
  });

  it('derives the ports from the policy alone', () => {
    expect(proxyPorts(BIGGER).agentFacing).toEqual([3128, 8081, 8082]);
    expect(ProxyTier.CONTAINER_NAME).toBe('envoy');
  });
});

describe('ProxyTier compliance', () => {
  it.each([
    ['default policy', base.stack],
    ['bigger policy with ECR image and given secrets', bigger.stack],
  ])('has no unacknowledged cdk-nag findings in any pack (%s)', (_, stack) => {
    expect(unacknowledgedFindings(stack)).toEqual([]);
  });

  it.each([
    ['default policy', base.tier],
    ['bigger policy', bigger.tier],
  ])('acknowledges only findings that exist, where they are (%s)', (_, tier) => {
    expect(unusedAcknowledgements(tier)).toEqual([]);
  });
});

/** A digest for tests of the mechanism only; it names no real image. */
const TEST_DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;

const withImage = (image: string, extra = '') =>
  validPolicy(policyYaml(ANTHROPIC, `proxy:\n  image: "${image}"\n${extra}`));

describe('ProxyTier image supply (never a public registry directly)', () => {
  const resources = resourcesOf(base.template);

  it('pulls a Docker Hub image through a pull-through cache rule with the policy credential', () => {
    const rules = ofType(resources, 'AWS::ECR::PullThroughCacheRule');
    expect(rules.map(([, r]) => r.Properties)).toEqual([
      {
        EcrRepositoryPrefix: 'test/proxy',
        UpstreamRegistry: 'docker-hub',
        UpstreamRegistryUrl: 'registry-1.docker.io',
        CredentialArn: secretNameArn('ecr-pullthroughcache/docker-hub'),
      },
    ]);
    const cache = cacheOf(base.tier);
    base.template.hasResourceProperties('AWS::ECR::Repository', {
      RepositoryName: 'test/proxy/envoyproxy/envoy',
      ImageTagMutability: 'MUTABLE',
    });
    // The repository exists before the first pull (no ecr:CreateRepository) and after the rule.
    const repository = resources[logicalId(cache.repository)];
    expect(repository?.DependsOn).toContain(logicalId(cache.rule));
    const [[taskDefinitionId] = []] = ofType(resources, 'AWS::ECS::TaskDefinition');
    expect(resources[taskDefinitionId ?? '']?.DependsOn).toContain(logicalId(cache.repository));
    expect(base.tier.imageUri).not.toContain('envoyproxy/envoy:v1.36.4@');
  });

  it('reads the credential secret named in the policy, or the one passed in', () => {
    const named = synthProxyTier(
      withImage(
        'envoyproxy/envoy:v1.36.4',
        '  registry_credential_secret: ecr-pullthroughcache/acme-hub\n',
      ),
    );
    named.template.hasResourceProperties('AWS::ECR::PullThroughCacheRule', {
      CredentialArn: secretNameArn('ecr-pullthroughcache/acme-hub'),
    });
    const full =
      'arn:aws:secretsmanager:us-east-1:123456789012:secret:ecr-pullthroughcache/hub-AbCdEf';
    const scaffolding = proxyScaffolding();
    buildProxyTier(scaffolding, BASE, {
      registryCredential: secretsmanager.Secret.fromSecretCompleteArn(
        scaffolding.stack,
        'Hub',
        full,
      ),
    });
    Template.fromStack(scaffolding.stack).hasResourceProperties('AWS::ECR::PullThroughCacheRule', {
      CredentialArn: full,
    });
  });

  it('runs a digest-pinned image by digest from the cache, and stays nag-clean', () => {
    const pinned = synthProxyTier(withImage(`envoyproxy/envoy:v1.36.4@${TEST_DIGEST}`));
    const [[, taskDefinition] = []] = ofType(
      resourcesOf(pinned.template),
      'AWS::ECS::TaskDefinition',
    );
    const [envoy] = (taskDefinition?.Properties.ContainerDefinitions ??
      []) as ContainerDefinition[];
    expect(envoy?.Image).toEqual(cacheImage(`test/proxy/envoyproxy/envoy@${TEST_DIGEST}`));
    expect(pinned.tier.expectedProxy.image).toBe(`envoyproxy/envoy:v1.36.4@${TEST_DIGEST}`);
    expect(unacknowledgedFindings(pinned.stack)).toEqual([]);
    expect(unusedAcknowledgements(pinned.tier)).toEqual([]);
  });

  it.each([
    ['quay.io/acme/envoy:v1.36.4', 'quay', 'quay.io', 'acme/envoy'],
    ['public.ecr.aws/envoyproxy/envoy:v1.36.4', 'ecr-public', 'public.ecr.aws', 'envoyproxy/envoy'],
  ])('pulls %s through its own upstream, with no credential', (image, upstream, url, path) => {
    const tier = synthProxyTier(withImage(image));
    expect(
      ofType(resourcesOf(tier.template), 'AWS::ECR::PullThroughCacheRule').map(
        ([, r]) => r.Properties,
      ),
    ).toEqual([
      { EcrRepositoryPrefix: 'test/proxy', UpstreamRegistry: upstream, UpstreamRegistryUrl: url },
    ]);
    tier.template.hasResourceProperties('AWS::ECR::Repository', {
      RepositoryName: `test/proxy/${path}`,
    });
  });

  it('spells out library/ for Docker Hub official images', () => {
    for (const image of ['envoy:1', 'docker.io/library/envoy:1', 'docker.io/envoy:1']) {
      expect(proxyImageSource(image)).toMatchObject({
        kind: 'pull-through',
        upstream: 'docker-hub',
        upstreamRepository: 'library/envoy',
        tag: '1',
      });
    }
    expect(proxyImageSource(`envoyproxy/envoy@${TEST_DIGEST}`)).toMatchObject({
      upstreamRepository: 'envoyproxy/envoy',
      tag: undefined,
      digest: TEST_DIGEST,
    });
  });

  it('refuses a private ECR image of another account or region, which the endpoint would deny', () => {
    const scaffolding = proxyScaffolding({ account: '111122223333', region: 'eu-west-1' });
    expect(() => buildProxyTier(scaffolding, BIGGER)).toThrow(
      new ProxyTierError(
        "proxy.image is in account 123456789012 (the stack deploys to 111122223333) and region us-east-1 (the stack deploys to eu-west-1). The proxy pulls through this VPC's ECR endpoint, whose policy admits this account's repositories in this region only. Fix: copy the image into ECR in the stack's account and region (crane copy, or ECR replication) and use that URI.",
      ),
    );
    const same = proxyScaffolding({ account: '123456789012', region: 'us-east-1' });
    expect(buildProxyTier(same, BIGGER).imageUri).toBe(ECR_IMAGE);
  });

  it('warns that an environment-agnostic stack cannot check a private ECR image', () => {
    const scaffolding = proxyScaffolding();
    buildProxyTier(scaffolding, BIGGER);
    expect(
      Annotations.fromStack(scaffolding.stack)
        .findWarning('*', Match.anyValue())
        .map((w) => w.entry.data),
    ).toContainEqual(
      'proxy.image is in account 123456789012, region us-east-1; the stack is environment-agnostic, so this cannot be checked at synth time. The proxy can pull only from the account and region the stack is deployed to. [ack: agent-perimeter:proxy-image-account]',
    );
  });

  it('refuses any other registry with the mirror step', () => {
    const scaffolding = proxyScaffolding();
    expect(() => buildProxyTier(scaffolding, withImage('ghcr.io/acme/envoy:v1'))).toThrow(
      new ProxyTierError(
        'proxy.image "ghcr.io/acme/envoy:v1" is on ghcr.io, which the AWS proxy does not pull from directly and ECR\'s pull-through cache is not set up for here (Docker Hub, quay.io and public.ecr.aws are). Fix: copy it into a private ECR repository of the stack\'s account and region with `crane copy ghcr.io/acme/envoy:v1 <account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>` and write that URI (by digest) as proxy.image.',
      ),
    );
    // Nothing of the tier was defined before the refusal.
    expect(scaffolding.stack.node.tryFindChild('Proxy')?.node.children ?? []).toEqual([]);
  });
});

describe('the containment proof reads the cached image as the proxy identity', () => {
  const real = realTemplate();
  const identity = (template: typeof real.template, image: string) =>
    verifyTemplate(template, real.stackName, {
      expectedProxy: { ...real.expectedProxy, image },
    })
      .violations.filter((v) => v.channel === 'identity' || v.channel === 'cannot-prove')
      .map((v) => formatViolation(v));
  const withCachedImage = (tail: string) => {
    const template = structuredClone(real.template);
    const id = findId(template, 'AWS::ECS::TaskDefinition', /^Proxy/);
    const [container] = (template.Resources[id]?.Properties?.ContainerDefinitions ?? []) as {
      Image: { 'Fn::Join': [string, unknown[]] };
    }[];
    const parts = container?.Image['Fn::Join'][1] ?? [];
    parts[parts.length - 1] = tail;
    return template;
  };

  it('matches a tag-only image through the cache, and tells another tag apart', () => {
    expect(real.expectedProxy.image).toBe('envoyproxy/envoy:v1.36.4');
    expect(identity(real.template, real.expectedProxy.image)).toEqual([]);
    expect(identity(real.template, 'envoyproxy/envoy:v1.37.0').join('\n')).toMatch(
      /runs image <AWS-AccountId>\.dkr\.ecr\.<AWS-Region>\.<AWS-URLSuffix>\/demo\/proxy\/envoyproxy\/envoy:v1\.36\.4, not the proxy image envoyproxy\/envoy:v1\.37\.0/,
    );
  });

  it('matches a digest-pinned image by its digest only', () => {
    const pinned = withCachedImage(`/demo/proxy/envoyproxy/envoy@${TEST_DIGEST}`);
    expect(identity(pinned, `envoyproxy/envoy:v1.36.4@${TEST_DIGEST}`)).toEqual([]);
    const other = `sha256:${'f'.repeat(64)}`;
    expect(identity(pinned, `envoyproxy/envoy:v1.36.4@${other}`)).toHaveLength(1);
    // The tag alone no longer proves the content once the policy pins a digest.
    const tagged = withCachedImage('/demo/proxy/envoyproxy/envoy:v1.36.4');
    expect(identity(tagged, `envoyproxy/envoy:v1.36.4@${TEST_DIGEST}`)).toHaveLength(1);
  });
});
