// The offline CloudFormation validator adds seconds per synth and checks nothing we assert.
process.env.CDK_VALIDATION = 'false';

import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { buildAwsApp } from '../../app/aws.js';
import { AgentPerimeterChecks } from '../../cdk/nag-rules/index.js';
import {
  type DeployRunDeps,
  type DeployRunEvent,
  deployRun,
} from '../../cdk/probe/deploy-run/logic.js';
import {
  deployRunCode,
  MAX_INLINE_CODE,
  type ProbeTask,
  probeOutcomePattern,
  scheduleExpression,
} from '../../cdk/probe/index.js';
import { AgentPerimeterStack, type AgentPerimeterStackProps } from '../../cdk/stack/index.js';
import { verifyTemplate } from '../../lib/containment/index.js';
import { loadPolicy, proxyPorts } from '../../lib/policy/index.js';
import { probeBundle } from '../../lib/probe/bundle.js';
import { probeTargetsFor, TARGETS_ENV } from '../../lib/probe/index.js';
import { renderCheckedProxyConfig } from '../../proxy/index.js';
import {
  type CfnResourceJson,
  props,
  refOf,
  resourcesOfType,
  tagValue,
} from '../helpers/cdk-network-template.js';
import { packFindings, packRows, unusedAcknowledgements } from '../helpers/nag.js';

const policy = loadPolicy();

function synth(
  extra: Partial<AgentPerimeterStackProps> = {},
  tweak?: (s: AgentPerimeterStack) => void,
) {
  const app = new App();
  const stack = new AgentPerimeterStack(app, 'ProbeTest', {
    policy,
    envoyConfig: renderCheckedProxyConfig(policy),
    env: { account: '123456789012', region: 'us-east-1' },
    ...extra,
  });
  tweak?.(stack);
  const template = Template.fromStack(stack);
  return {
    stack,
    template,
    json: template.toJSON() as { Resources: Record<string, CfnResourceJson> },
  };
}

const { stack, template, json } = synth();
const probe = stack.probe as ProbeTask;
const one = (type: string) => {
  const found = resourcesOfType(template, type);
  expect(found, type).toHaveLength(1);
  return (found[0] as [string, CfnResourceJson])[1];
};
const taskDefinition = resourcesOfType(template, 'AWS::ECS::TaskDefinition').find(
  ([, r]) => tagValue(r, 'agent-perimeter:role') === 'probe',
)?.[1];
const container =
  (props(taskDefinition).ContainerDefinitions as Record<string, unknown>[])[0] ?? {};
const schedule = one('AWS::Scheduler::Schedule');
const target = props(schedule).Target as {
  Arn: unknown;
  RoleArn: unknown;
  EcsParameters: {
    TaskDefinitionArn: unknown;
    NetworkConfiguration: {
      AwsvpcConfiguration: {
        Subnets: unknown[];
        SecurityGroups: unknown[];
        AssignPublicIp: string;
      };
    };
  };
};

describe('ProbeTask: the probe runs like an agent', () => {
  it('is an agent task definition: agent tier, no task role, hardened like the agents', () => {
    expect(tagValue(taskDefinition, 'agent-perimeter:tier')).toBe('agent');
    expect(props(taskDefinition).TaskRoleArn).toBeUndefined();
    expect(props(taskDefinition).Family).toBe('agent-perimeter-demo--probe');
    expect(container).toMatchObject({
      ReadonlyRootFilesystem: true,
      Privileged: false,
      User: '1000:1000',
      LinuxParameters: { Capabilities: { Drop: ['ALL'] } },
    });
    expect(props(taskDefinition).Cpu).toBe('256');
    // ECS takes task definitions up to 64 KiB; the probe program travels inside this one.
    expect(JSON.stringify(props(taskDefinition)).length).toBeLessThan(60 * 1024);
  });

  it('runs the probe bundle with plain node, pointed at the proxy, reporting JSON lines', () => {
    const command = container.Command as unknown[];
    expect(command.slice(0, 3)).toEqual(['node', '--input-type=module', '--eval']);
    expect(command[3]).toBe(probeBundle());
    expect(command.slice(4, 6)).toEqual(['--', '--proxy']);
    expect(JSON.stringify(command[6])).toContain('ProxyLoadBalancer');
    expect(command[7]).toBe('--jsonl');
  });

  it("gets the agents' environment and the policy's targets (an allowed host without inject)", () => {
    const env = Object.fromEntries(
      (container.Environment as { Name: string; Value: unknown }[]).map((e) => [e.Name, e.Value]),
    );
    expect(JSON.parse(env[TARGETS_ENV] as string)).toEqual(probeTargetsFor(policy));
    expect(JSON.parse(env[TARGETS_ENV] as string).allowed_host).toBe('registry.npmjs.org:443');
    expect(JSON.stringify(env.ANTHROPIC_BASE_URL)).toContain(':8081');
    expect(JSON.stringify(env.HTTPS_PROXY)).toContain(':3128');
  });

  it('is scheduled in the agent subnets with only the agent security group, no public IP', () => {
    expect(props(schedule).ScheduleExpression).toBe('rate(1 hour)');
    const net = target.EcsParameters.NetworkConfiguration.AwsvpcConfiguration;
    expect(net.Subnets.map(refOf)).toEqual(
      stack.network.agentSubnets.map((s) => stack.resolve(s.subnetId).Ref),
    );
    expect(net.SecurityGroups.map((g) => JSON.stringify(g))).toEqual([
      JSON.stringify(stack.resolve(stack.network.agentSecurityGroup.securityGroupId)),
    ]);
    expect(net.AssignPublicIp).toBe('DISABLED');
    expect(refOf(target.EcsParameters.TaskDefinitionArn)).toBe(
      stack.getLogicalId(probe.workload.taskDefinition.node.defaultChild as never),
    );
  });

  it('lets the scheduler run that task and pass its execution role, nothing else', () => {
    const policyDoc = props(
      template.toJSON().Resources[
        stack.getLogicalId(probe.schedulerPolicy.node.defaultChild as never)
      ],
    ).PolicyDocument as { Statement: { Action: unknown; Resource: unknown }[] };
    expect(policyDoc.Statement.map((s) => s.Action)).toEqual(['ecs:RunTask', 'iam:PassRole']);
    expect(JSON.stringify(policyDoc)).not.toContain('"*"');
  });

  it('writes its reports to its own log group, streamed into the audit bucket under probe/', () => {
    expect(stack.audit.sources.map((s) => s.name)).toContain('probe');
    const filters = resourcesOfType(template, 'AWS::Logs::SubscriptionFilter').filter(
      ([, r]) =>
        refOf(props(r).LogGroupName) ===
        stack.getLogicalId(probe.workload.logGroup.node.defaultChild as never),
    );
    expect(filters).toHaveLength(1);
  });
});

describe('ProbeTask: metrics and alarms', () => {
  it('counts each outcome and alarms on escape, broken and a missing run, to the audit topic', () => {
    const filters = resourcesOfType(template, 'AWS::Logs::MetricFilter').filter(([id]) =>
      id.startsWith('Probe'),
    );
    expect(filters.map(([, r]) => props(r).FilterPattern).sort()).toEqual(
      [
        probeOutcomePattern('blocked'),
        probeOutcomePattern('broken'),
        probeOutcomePattern('escape'),
        '{ $.probe = "agent-perimeter-probe" && $.type = "summary" }',
      ].sort(),
    );
    const alarms = resourcesOfType(template, 'AWS::CloudWatch::Alarm').filter(([id]) =>
      id.startsWith('Probe'),
    );
    const topic = stack.getLogicalId(stack.audit.alarmTopic.node.defaultChild as never);
    expect(alarms.map(([, r]) => props(r).MetricName).sort()).toEqual([
      'ProbeBroken',
      'ProbeEscape',
      'ProbeRuns',
    ]);
    for (const [, alarm] of alarms) {
      expect(props(alarm)).toMatchObject({ Period: 3600, Namespace: 'AgentPerimeter/demo' });
      expect((props(alarm).AlarmActions as unknown[]).map(refOf)).toEqual([topic]);
    }
    const escapeAlarm = alarms.find(([, r]) => props(r).MetricName === 'ProbeEscape')?.[1];
    expect(props(escapeAlarm)).toMatchObject({ Threshold: 1, TreatMissingData: 'ignore' });
    const missing = alarms.find(([, r]) => props(r).MetricName === 'ProbeRuns')?.[1];
    expect(props(missing)).toMatchObject({
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
      EvaluationPeriods: 2,
    });
  });

  it('expresses every supported interval exactly', () => {
    expect([5, 60, 120, 1440].map(scheduleExpression)).toEqual([
      'rate(5 minutes)',
      'rate(1 hour)',
      'rate(2 hours)',
      'rate(24 hours)',
    ]);
  });
});

describe('ProbeTask: the deploy-time run', () => {
  const run = one('Custom::AgentPerimeterProbeRun');

  it("starts the schedule's own target, so it receives no agent subnet or security group", () => {
    expect(props(run)).toMatchObject({
      Mode: 'run',
      ScheduleGroup: 'default',
      LogStreamPrefix: 'agent/agent/',
    });
    expect(refOf(props(run).ScheduleName)).toBe(stack.getLogicalId(probe.schedule));
    const text = JSON.stringify(props(run));
    for (const s of stack.network.agentSubnets)
      expect(text).not.toContain(stack.resolve(s.subnetId).Ref);
    expect(text).not.toContain(
      stack.getLogicalId(stack.network.agentSecurityGroup.node.defaultChild as never),
    );
  });

  it('runs again when the perimeter changes, and only then (a deterministic fingerprint)', () => {
    const fingerprint = props(run).Fingerprint as string;
    expect(fingerprint).toMatch(/^[0-9a-f]{16}$/);
    const again = synth().template;
    expect(
      props(resourcesOfType(again, 'Custom::AgentPerimeterProbeRun')[0]?.[1]).Fingerprint,
    ).toBe(fingerprint);
    // One allowlisted host swapped for another: the DNS firewall's list and the proxy's config change.
    const wider = {
      ...policy,
      egress: policy.egress.map((e, i) =>
        i === policy.egress.length - 1 ? { ...e, host: 'pypi.org' } : e,
      ),
    };
    const widened = synth({ policy: wider, envoyConfig: renderCheckedProxyConfig(wider) }).template;
    expect(
      props(resourcesOfType(widened, 'Custom::AgentPerimeterProbeRun')[0]?.[1]).Fingerprint,
    ).not.toBe(fingerprint);
  });

  it('fits inline: the handler is one CommonJS file under 4 KiB with no template placeholders', () => {
    const code = deployRunCode();
    expect(code.length).toBeLessThanOrEqual(MAX_INLINE_CODE);
    expect(code).not.toContain('${');
    const fn = resourcesOfType(template, 'AWS::Lambda::Function').filter(([id]) =>
      id.startsWith('Probe'),
    );
    expect(fn.map(([, r]) => props(r).Code)).toEqual([{ ZipFile: code }]);
  });

  it('fail-on-escape waits and fails; off leaves only the schedule', () => {
    const strict = synth({ probe: { onDeploy: 'fail-on-escape', everyMinutes: 15 } }).template;
    expect(props(resourcesOfType(strict, 'Custom::AgentPerimeterProbeRun')[0]?.[1]).Mode).toBe(
      'fail-on-escape',
    );
    expect(
      props(resourcesOfType(strict, 'AWS::Scheduler::Schedule')[0]?.[1]).ScheduleExpression,
    ).toBe('rate(15 minutes)');
    const off = synth({ probe: { onDeploy: 'off' } }).template;
    expect(resourcesOfType(off, 'Custom::AgentPerimeterProbeRun')).toEqual([]);
    expect(
      resourcesOfType(off, 'AWS::Lambda::Function').filter(([id]) => id.startsWith('Probe')),
    ).toEqual([]);
    expect(resourcesOfType(off, 'AWS::Scheduler::Schedule')).toHaveLength(1);
  });
});

describe('ProbeTask: switchable off', () => {
  it('probe: false removes the task, the schedule, the alarms and the audit source', () => {
    const { stack: bare, template: t } = synth({ probe: false });
    expect(bare.probe).toBeUndefined();
    expect(resourcesOfType(t, 'AWS::Scheduler::Schedule')).toEqual([]);
    expect(Object.keys(t.toJSON().Resources).filter((id) => id.startsWith('Probe'))).toEqual([]);
    expect(bare.audit.sources.map((s) => s.name)).toEqual(['proxy', 'flow', 'dns', 'tasks']);
  });

  it('CDK context agent-perimeter:probe=false turns it off; a bad value fails with the fix', () => {
    expect(
      buildAwsApp({ context: { 'agent-perimeter:probe': 'false' } }).stack.probe,
    ).toBeUndefined();
    const strict = buildAwsApp({
      context: { 'agent-perimeter:probe': '{"onDeploy": "fail-on-escape"}' },
    });
    expect(strict.stack.probe?.deployment.onDeploy).toBe('fail-on-escape');
    expect(() =>
      buildAwsApp({ context: { 'agent-perimeter:probe': { everyMinute: 30 } } }),
    ).toThrow(
      /CDK context agent-perimeter:probe: everyMinute: 30: unknown key\. Did you mean "everyMinutes"\?/,
    );
    expect(() =>
      buildAwsApp({ context: { 'agent-perimeter:probe': { targets: { udp: ['x'] } } } }),
    ).toThrow(/targets: .*udp\[0\]: "x" is not ADDRESS:PORT/);
    expect(() =>
      buildAwsApp({ context: { 'agent-perimeter:probe': { everyMinutes: 7 } } }),
    ).toThrow(
      'everyMinutes: 7 is not a supported interval. Fix: one of 5, 10, 15, 20, 30, 60, 120, 180, 240, 360, 480, 720, 1440.',
    );
    // The construct checks the interval too, for stacks built without the context.
    expect(() => synth({ probe: { everyMinutes: 7 } })).toThrow(
      'probe everyMinutes 7 is not a supported interval. Fix: one of 5, 10, 15, 20, 30, 60, 120, 180, 240, 360, 480, 720, 1440.',
    );
  });

  it('a policy without a plain allowed host still gets a probe, which skips the tunnel checks', () => {
    const only = loadPolicy();
    const injected = { ...only, egress: only.egress.filter((e) => e.inject !== undefined) };
    expect(probeTargetsFor(injected).allowed_host).toBeNull();
  });
});

describe('ProbeTask: compliance and containment', () => {
  it.each(packRows())('%s: no unacknowledged finding', (_name, pack) => {
    expect(packFindings(pack, stack)).toEqual([]);
  });

  it('the agent workload pack passes the probe task definition, every acknowledgement is used', () => {
    expect(packFindings(new AgentPerimeterChecks(), stack)).toEqual([]);
    expect(unusedAcknowledgements(probe)).toEqual([]);
  });

  it('the containment proof holds with the probe in the agent tier, and catches a probe given a way out', () => {
    const options = { proxyPorts: [...proxyPorts(policy).agentFacing] };
    const report = verifyTemplate(json, 'probe.template.json', options);
    expect(report.violations).toEqual([]);
    const probeId = stack.getLogicalId(probe.schedule);
    expect(report.agents.map((a) => a.id).filter((id) => id.startsWith(probeId))).toHaveLength(2);

    // The schedule starts the probe with the proxy's security group too: a path to the internet.
    const leaky = structuredClone(json);
    const t = props(leaky.Resources[probeId]).Target as typeof target;
    t.EcsParameters.NetworkConfiguration.AwsvpcConfiguration.SecurityGroups.push({
      'Fn::GetAtt': [
        stack.getLogicalId(stack.network.proxySecurityGroup.node.defaultChild as never),
        'GroupId',
      ],
    });
    const violations = verifyTemplate(leaky, 'leaky.template.json', options).violations;
    expect(violations.map((v) => v.channel)).toContain('sg-egress');
  });
});

describe('deploy-time run logic', () => {
  const event = (mode: string, type: DeployRunEvent['RequestType'] = 'Create'): DeployRunEvent => ({
    RequestType: type,
    StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/demo/1',
    ResourceProperties: {
      ScheduleName: 'probe',
      Mode: mode,
      ContainerName: 'agent',
      LogGroup: 'probe-logs',
      LogStreamPrefix: 'agent/agent/',
    },
  });
  function deps(exitCode: number | undefined, extra: Partial<DeployRunDeps> = {}) {
    const calls: string[] = [];
    let polls = 0;
    const d: DeployRunDeps = {
      getSchedule: async () => ({
        Arn: 'arn:cluster',
        EcsParameters: {
          TaskDefinitionArn: 'arn:td:1',
          LaunchType: 'FARGATE',
          NetworkConfiguration: {
            awsvpcConfiguration: { Subnets: ['subnet-a'], SecurityGroups: ['sg-agent'] },
          },
        },
      }),
      runTask: async (input) => {
        calls.push(
          `run ${input.networkConfiguration.awsvpcConfiguration.securityGroups.join(',')}`,
        );
        return { taskArn: 'arn:aws:ecs:us-east-1:1:task/c/abc' };
      },
      describeTask: async () => {
        calls.push('describe');
        polls += 1;
        return polls < 2
          ? { lastStatus: 'RUNNING' }
          : {
              lastStatus: 'STOPPED',
              containers: [{ name: 'agent', ...(exitCode === undefined ? {} : { exitCode }) }],
            };
      },
      stackStatus: async () => 'UPDATE_IN_PROGRESS',
      sleep: async () => {},
      remainingMs: () => 600_000,
      ...extra,
    };
    return { d, calls };
  }

  it('run: starts the task with the schedule network settings and does not wait', async () => {
    const { d, calls } = deps(1);
    expect(await deployRun(event('run'), d)).toMatchObject({
      status: 'SUCCESS',
      data: { Result: 'started' },
    });
    expect(calls).toEqual(['run sg-agent']);
  });

  it('fail-on-escape: exit 1 fails the deployment naming the log stream; 0 and 3 pass', async () => {
    const escaped = await deployRun(event('fail-on-escape'), deps(1).d);
    expect(escaped.status).toBe('FAILED');
    expect(escaped.reason).toContain(
      'found a way out (escape): log group probe-logs stream agent/agent/abc',
    );
    expect(await deployRun(event('fail-on-escape'), deps(0).d)).toMatchObject({
      status: 'SUCCESS',
      data: { Result: 'blocked' },
    });
    expect(await deployRun(event('fail-on-escape'), deps(3).d)).toMatchObject({
      status: 'SUCCESS',
      data: { Result: 'broken' },
    });
    expect((await deployRun(event('fail-on-escape'), deps(undefined).d)).status).toBe('FAILED');
  });

  it('never runs on delete or while the stack rolls back; a task that cannot start fails only fail-on-escape', async () => {
    const { d, calls } = deps(1, { stackStatus: async () => 'UPDATE_ROLLBACK_IN_PROGRESS' });
    expect(await deployRun(event('fail-on-escape', 'Update'), d)).toMatchObject({
      status: 'SUCCESS',
      data: { Result: 'not-run' },
    });
    expect(await deployRun(event('fail-on-escape', 'Delete'), d)).toMatchObject({
      status: 'SUCCESS',
    });
    expect(calls).toEqual([]);
    const noCapacity = { runTask: async () => ({ failure: 'RESOURCE:ENI' }) };
    expect((await deployRun(event('run'), deps(0, noCapacity).d)).status).toBe('SUCCESS');
    expect(await deployRun(event('fail-on-escape'), deps(0, noCapacity).d)).toMatchObject({
      status: 'FAILED',
      reason: 'the probe did not start: RESOURCE:ENI',
    });
  });

  it('gives up before the function times out', async () => {
    const { d } = deps(0, {
      describeTask: async () => ({ lastStatus: 'RUNNING' }),
      remainingMs: () => 15_000,
    });
    expect((await deployRun(event('fail-on-escape'), d)).reason).toContain(
      'did not finish in time',
    );
  });
});
