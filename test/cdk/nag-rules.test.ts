import { App, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { describe, expect, it } from 'vitest';
import { AgentPerimeterChecks, TIER_TAG } from '../../cdk/nag-rules/index.js';

interface AgentTaskOptions {
  readonly tagged?: boolean;
  readonly container?:
    | Partial<ecs.ContainerDefinitionOptions>
    | ((stack: Stack) => Partial<ecs.ContainerDefinitionOptions>);
  readonly dropAll?: boolean;
  readonly roleActions?: string[];
  readonly encryptedLogs?: boolean;
  readonly networkMode?: ecs.NetworkMode;
}

/** A stack with one agent task definition built the way agent-perimeter's agents are. */
function agentTask(options: AgentTaskOptions = {}) {
  const stack = new Stack(new App(), 'Nag');
  const taskRole = new iam.Role(stack, 'TaskRole', {
    assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
  });
  taskRole.addToPolicy(
    new iam.PolicyStatement({
      actions: options.roleActions ?? ['bedrock:InvokeModel'],
      resources: ['arn:aws:bedrock:us-east-1::foundation-model/x'],
    }),
  );
  const key = new kms.Key(stack, 'Key');
  const logGroup = new logs.LogGroup(stack, 'Logs', {
    ...(options.encryptedLogs === false
      ? { retention: logs.RetentionDays.INFINITE }
      : { encryptionKey: key, retention: logs.RetentionDays.ONE_MONTH }),
  });
  const task = new ecs.TaskDefinition(stack, 'AgentTask', {
    compatibility:
      options.networkMode === undefined ? ecs.Compatibility.EC2_AND_FARGATE : ecs.Compatibility.EC2,
    cpu: '256',
    memoryMiB: '512',
    networkMode: options.networkMode ?? ecs.NetworkMode.AWS_VPC,
    taskRole,
  });
  const linuxParameters = new ecs.LinuxParameters(stack, 'Linux');
  if (options.dropAll !== false) linuxParameters.dropCapabilities(ecs.Capability.ALL);
  task.addContainer('agent', {
    image: ecs.ContainerImage.fromRegistry('example/agent'),
    readonlyRootFilesystem: true,
    user: '1000:1000',
    linuxParameters,
    environment: {
      HTTPS_PROXY: 'http://proxy.internal:3128',
      ANTHROPIC_API_KEY: 'injected-by-agent-perimeter-proxy',
    },
    logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: 'agent' }),
    ...(typeof options.container === 'function' ? options.container(stack) : options.container),
  });
  const cfn = task.node.defaultChild as ecs.CfnTaskDefinition;
  if (options.tagged !== false) cfn.tags.setTag(TIER_TAG, 'agent');
  return { stack, task, cfn };
}

/** The rule ids (with findings) the pack reports for a scope. */
function findings(scope: Stack): string[] {
  return new AgentPerimeterChecks()
    .validateScope(scope)
    .violations.map((v) => v.ruleName)
    .sort();
}

describe('AgentPerimeterChecks', () => {
  it('Compliance: a hardened, tagged agent task definition has no finding', () => {
    expect(findings(agentTask().stack)).toEqual([]);
  });

  it('not applicable: untagged task definitions that no agent service uses', () => {
    expect(
      findings(
        agentTask({ tagged: false, container: { readonlyRootFilesystem: false, user: 'root' } })
          .stack,
      ),
    ).toEqual([]);
  });

  it('Noncompliance AgentTaskReadOnlyRoot: writable root filesystem', () => {
    expect(findings(agentTask({ container: { readonlyRootFilesystem: false } }).stack)).toEqual([
      'AgentPerimeter-AgentTaskReadOnlyRoot[agent]',
    ]);
  });

  it('Noncompliance AgentTaskNonRootUser: no user, root, or the root group', () => {
    for (const user of [undefined, 'root', '0', '1000:0']) {
      expect(findings(agentTask({ container: { user } }).stack)).toEqual([
        'AgentPerimeter-AgentTaskNonRootUser[agent]',
      ]);
    }
  });

  it('Noncompliance AgentTaskCapabilitiesDropped: capabilities kept or privileged', () => {
    expect(findings(agentTask({ dropAll: false }).stack)).toEqual([
      'AgentPerimeter-AgentTaskCapabilitiesDropped[agent]',
    ]);
    expect(findings(agentTask({ container: { privileged: true } }).stack)).toEqual([
      'AgentPerimeter-AgentTaskCapabilitiesDropped[agent]',
    ]);
  });

  it('Noncompliance AgentTaskNoSecrets: key-like values and injected secrets', () => {
    const { stack } = agentTask({
      container: {
        environment: { GITHUB_TOKEN: 'ghp_abcdefghijklmnopqrstuvwxyz0123456789', MODE: 'fast' },
      },
    });
    expect(findings(stack)).toEqual(['AgentPerimeter-AgentTaskNoSecrets[agent:GITHUB_TOKEN]']);
    const withSecret = agentTask({
      container: (scope) => ({
        secrets: {
          DB_PASSWORD: ecs.Secret.fromSsmParameter(
            new ssm.StringParameter(scope, 'Password', { stringValue: 'x' }),
          ),
        },
      }),
    });
    expect(findings(withSecret.stack)).toEqual([
      'AgentPerimeter-AgentTaskNoSecrets[agent:DB_PASSWORD]',
    ]);
  });

  it('Noncompliance AgentTaskRoleNoWildcards: wildcard actions on the task role', () => {
    expect(findings(agentTask({ roleActions: ['s3:*'] }).stack)).toEqual([
      'AgentPerimeter-AgentTaskRoleNoWildcards[DefaultPolicy:s3:*]',
    ]);
  });

  it('Noncompliance AgentTaskRoleNoWildcards: a broad AWS-managed policy', () => {
    const { stack, task } = agentTask();
    task.taskRole.addManagedPolicy(
      iam.ManagedPolicy.fromAwsManagedPolicyName('AdministratorAccess'),
    );
    expect(findings(stack)).toEqual([
      'AgentPerimeter-AgentTaskRoleNoWildcards[managed:AdministratorAccess]',
    ]);
  });

  it('Noncompliance AgentTaskAwsvpc: bridge networking', () => {
    expect(findings(agentTask({ networkMode: ecs.NetworkMode.BRIDGE }).stack)).toEqual([
      'AgentPerimeter-AgentTaskAwsvpc',
    ]);
  });

  it('Noncompliance AgentLogGroupEncrypted: unencrypted log group without retention, or no logging', () => {
    expect(findings(agentTask({ encryptedLogs: false }).stack)).toEqual([
      'AgentPerimeter-AgentLogGroupEncrypted[agent:no-retention]',
      'AgentPerimeter-AgentLogGroupEncrypted[agent:unencrypted]',
    ]);
    expect(findings(agentTask({ container: { logging: undefined } }).stack)).toEqual([
      'AgentPerimeter-AgentLogGroupEncrypted[agent:no-logging]',
    ]);
  });

  describe('AgentServiceNoPublicIp', () => {
    const service = (
      assignPublicIp: 'ENABLED' | 'DISABLED',
      taggedTask: boolean,
      agentGroup: boolean,
    ) => {
      const { stack, task } = agentTask({ tagged: taggedTask });
      const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 1, natGateways: 0 });
      const group = new ec2.SecurityGroup(stack, 'Group', { vpc });
      if (agentGroup)
        (group.node.defaultChild as ec2.CfnSecurityGroup).tags.setTag(TIER_TAG, 'agent');
      new ecs.CfnService(stack, 'Service', {
        taskDefinition: task.taskDefinitionArn,
        launchType: 'FARGATE',
        networkConfiguration: {
          awsvpcConfiguration: {
            assignPublicIp,
            subnets: vpc.publicSubnets.map((s) => s.subnetId),
            securityGroups: [group.securityGroupId],
          },
        },
      });
      return findings(stack);
    };

    it('Compliance: an agent service without public IPs', () => {
      expect(service('DISABLED', true, false)).toEqual([]);
    });

    it('Noncompliance: an agent service (agent task or agent group) with public IPs', () => {
      expect(service('ENABLED', true, false)).toEqual(['AgentPerimeter-AgentServiceNoPublicIp']);
      // The task definition is untagged but runs in the agent group: it is an agent task too.
      expect(service('ENABLED', false, true)).toEqual(['AgentPerimeter-AgentServiceNoPublicIp']);
    });

    it('not applicable: a public service that runs no agent', () => {
      expect(service('ENABLED', false, false)).toEqual([]);
    });
  });

  it('findings can be acknowledged next to the resource', () => {
    const { stack, task } = agentTask({ container: { readonlyRootFilesystem: false } });
    Validations.of(task).acknowledge({
      id: 'AgentPerimeter-AgentTaskReadOnlyRoot[agent]',
      reason: 'test: scratch image',
    });
    expect(findings(stack)).toEqual([]);
  });
});
