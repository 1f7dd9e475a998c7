import { Stack, Tags } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { AgentSchema, proxyPorts } from '../../lib/policy/index.js';
import { probeCommand } from '../../lib/probe/bundle.js';
import {
  DEFAULT_DEPLOYMENT,
  isProbeInterval,
  NOT_A_PROBE_INTERVAL,
  type OnDeploy,
  type ProbeSettings,
  probeTargetsFor,
} from '../../lib/probe/deploy.js';
import { PROBE_NAME } from '../../lib/probe/image.js';
import { type ProbeSignature, probeSignature } from '../../lib/probe/signature.js';
import { resolveTargets, TARGETS_ENV } from '../../lib/probe/targets.js';
import {
  type AgentImageRef,
  AgentWorkload,
  type AgentWorkloadProps,
} from '../agents/agent-workload.js';
import { runTaskCommand } from '../agents/run-task.js';
import type { AuditSource } from '../audit/sources.js';
import { ProbeAlarms } from './alarms.js';
import { DeployRun } from './deploy-run.js';
import { ProbeTaskError } from './errors.js';

/**
 * Properties of {@link ProbeTask}. The probe is an {@link AgentWorkload}, so it takes the
 * agents' placement as they do: the policy, their cluster, subnets and security group (and no
 * other), the proxy address; `logKey` also encrypts the deploy-time function's log group.
 */
export interface ProbeTaskProps
  extends Pick<
    AgentWorkloadProps,
    'policy' | 'cluster' | 'subnets' | 'securityGroup' | 'proxyAddress' | 'logKey'
  > {
  /**
   * The image that runs the probe program, in this account's private ECR (e.g.
   * `AgentWorkloads.resolveImage(PROBE_IMAGE.aws, ...)`). Any image with Node 20 or later.
   */
  readonly image: AgentImageRef;
  /**
   * The certificates agents trust for intercepted hosts; the probe runs with the first
   * profile's environment, trust variables included. @see AgentWorkloadProps.trustedCa
   * @default - none; a policy that intercepts is refused without it
   */
  readonly trustedCa?: string;
  /**
   * How often it runs, what happens at deploy time, target overrides.
   * @default - every 60 minutes, one run per deployment that changes the perimeter
   */
  readonly deployment?: Partial<ProbeSettings>;
}

/**
 * The egress probe in the agent tier (the continuous proof on the running deployment): a
 * task definition hardened exactly like the agents' (it is an {@link AgentWorkload}: read-only
 * root, non-root, no capabilities, no task role, the agents' environment), run by EventBridge
 * Scheduler in the agent subnets with only the agent security group, and once per deployment
 * that changes the perimeter. Its JSON-lines report lands in its own log group, which the
 * stack adds to the audit trail; {@link addAlarms} counts outcomes and alarms.
 */
export class ProbeTask extends Construct {
  /** Construct id of the task within the probe, and so its log group path `Probe/Task/LogGroup`. */
  static readonly TASK_ID = 'Task';
  /** Task group of every probe task (`aws ecs list-tasks` cannot filter on it, the console can). */
  static readonly TASK_GROUP = 'agent-perimeter-probe';

  readonly deployment: ProbeSettings;
  /** The targets handed to the probe (JSON in its environment). */
  readonly targets: Readonly<Record<string, unknown>>;
  /** Task definition family of every probe task (agents never run under it). */
  readonly family: string;
  /** What its refused attempts look like in the proxy and DNS logs (for the audit alarms). */
  readonly signature: ProbeSignature;
  readonly workload: AgentWorkload;
  readonly schedule: scheduler.CfnSchedule;
  readonly schedulerRole: iam.Role;
  readonly schedulerPolicy: iam.ManagedPolicy;
  readonly deployRun: DeployRun | undefined;
  /** `aws ecs run-task ...` that runs the probe now. */
  readonly runTaskCommand: string;
  private probeAlarms: ProbeAlarms | undefined;

  constructor(scope: Construct, id: string, props: ProbeTaskProps) {
    super(scope, id);
    const { policy } = props;
    const deployment = { ...DEFAULT_DEPLOYMENT, ...props.deployment };
    if (!isProbeInterval(deployment.everyMinutes)) {
      throw new ProbeTaskError(
        `probe everyMinutes ${deployment.everyMinutes} ${NOT_A_PROBE_INTERVAL}`,
      );
    }
    this.deployment = deployment;
    this.targets = probeTargetsFor(policy, deployment.targets, 'probe targets');
    // A double dash never occurs in agent families (profile names are DNS labels).
    this.family = `agent-perimeter-${policy.name}--${PROBE_NAME}`;
    // The probe tests the first profile: its listeners, its security group.
    const probeProfile = policy.agents[0]?.name;
    this.signature = probeSignature(
      resolveTargets(this.targets, 'probe targets'),
      probeProfile ?? PROBE_NAME,
    );

    const profile = AgentSchema.parse({
      name: PROBE_NAME,
      image: props.image.imageUri,
      command: probeCommand([
        '--proxy',
        `${props.proxyAddress}:${proxyPorts(policy).forwardProxy}`,
        '--jsonl',
      ]),
      cpu: 0.25,
      memory_mib: 512,
      pids_limit: 64,
      environment: { [TARGETS_ENV]: JSON.stringify(this.targets) },
      scratch: [],
    });
    this.workload = new AgentWorkload(this, ProbeTask.TASK_ID, {
      policy,
      profile,
      cluster: props.cluster,
      subnets: props.subnets,
      securityGroup: props.securityGroup,
      proxyAddress: props.proxyAddress,
      logKey: props.logKey,
      image: props.image,
      family: this.family,
      listenersOf: probeProfile,
      ...(props.trustedCa === undefined ? {} : { trustedCa: props.trustedCa }),
    });
    Tags.of(this.workload.taskDefinition).add('agent-perimeter:role', PROBE_NAME);

    const { account } = Stack.of(this);
    const taskDefinition = this.workload.taskDefinition;
    this.schedulerRole = new iam.Role(this, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': account } },
      }),
      description: `agent-perimeter ${policy.name}: EventBridge Scheduler starts the egress probe`,
    });
    this.schedulerPolicy = new iam.ManagedPolicy(this, 'SchedulerPolicy', {
      description: `agent-perimeter ${policy.name}: run the egress probe task, nothing else`,
      roles: [this.schedulerRole],
      statements: [
        new iam.PolicyStatement({
          sid: 'RunProbeTask',
          actions: ['ecs:RunTask'],
          resources: [taskDefinition.taskDefinitionArn],
          conditions: { ArnEquals: { 'ecs:cluster': props.cluster.clusterArn } },
        }),
        new iam.PolicyStatement({
          sid: 'PassProbeExecutionRole',
          actions: ['iam:PassRole'],
          resources: [this.workload.executionRole.roleArn],
          conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
        }),
      ],
    });
    const subnetIds = props.subnets.map((s) => s.subnetId);
    this.schedule = new scheduler.CfnSchedule(this, 'Schedule', {
      description: `agent-perimeter ${policy.name}: egress probe from the agent tier every ${deployment.everyMinutes} minutes`,
      scheduleExpression: scheduleExpression(deployment.everyMinutes),
      flexibleTimeWindow: { mode: 'OFF' },
      state: 'ENABLED',
      target: {
        arn: props.cluster.clusterArn,
        roleArn: this.schedulerRole.roleArn,
        retryPolicy: { maximumRetryAttempts: 0 },
        ecsParameters: {
          taskDefinitionArn: taskDefinition.taskDefinitionArn,
          launchType: 'FARGATE',
          platformVersion: 'LATEST',
          group: ProbeTask.TASK_GROUP,
          taskCount: 1,
          networkConfiguration: {
            awsvpcConfiguration: {
              subnets: subnetIds,
              securityGroups: [props.securityGroup.securityGroupId],
              assignPublicIp: 'DISABLED',
            },
          },
        },
      },
    });
    this.schedule.node.addDependency(this.schedulerPolicy, this.workload.executionPolicy);

    this.deployRun =
      deployment.onDeploy === 'off'
        ? undefined
        : new DeployRun(this, 'DeployRun', {
            mode: deployment.onDeploy as Exclude<OnDeploy, 'off'>,
            schedule: this.schedule,
            cluster: props.cluster,
            taskDefinition,
            executionRole: this.workload.executionRole,
            containerName: AgentWorkload.CONTAINER_NAME,
            probeLogGroup: this.workload.logGroup,
            logStreamPrefix: `${AgentWorkload.LOG_STREAM_PREFIX}/${AgentWorkload.CONTAINER_NAME}/`,
            logKey: props.logKey,
            retentionDays: policy.logging.retention_days,
          });

    this.runTaskCommand = runTaskCommand({
      cluster: props.cluster.clusterName,
      taskDefinition: taskDefinition.family,
      subnetIds,
      securityGroupId: props.securityGroup.securityGroupId,
    });
  }

  /** The probe's log group as an audit source (`probe/` in the audit bucket). */
  get auditSource(): AuditSource {
    return {
      name: PROBE_NAME,
      logGroup: this.workload.logGroup,
      description: 'Egress probe reports: one JSON line per check, then a summary',
    };
  }

  /** The outcome metrics and the escape, broken and missing-run alarms (once). */
  addAlarms(topic: sns.ITopic, namespace: string): ProbeAlarms {
    this.probeAlarms ??= new ProbeAlarms(this, 'Alarms', {
      logGroup: this.workload.logGroup,
      namespace,
      topic,
      everyMinutes: this.deployment.everyMinutes,
    });
    return this.probeAlarms;
  }

  get alarms(): ProbeAlarms | undefined {
    return this.probeAlarms;
  }

  /**
   * Runs before anything that must be in place for a meaningful probe: the proxy service,
   * the DNS firewall, the routes and security groups.
   */
  runAfter(...dependencies: Construct[]): void {
    if (this.deployRun !== undefined) this.deployRun.resource.node.addDependency(...dependencies);
  }
}

/** `rate(N minutes)` / `rate(N hours)` (EventBridge Scheduler wants the unit singular for 1). */
export function scheduleExpression(minutes: number): string {
  if (minutes % 60 !== 0) return `rate(${minutes} minutes)`;
  const hours = minutes / 60;
  return hours === 1 ? 'rate(1 hour)' : `rate(${hours} hours)`;
}
