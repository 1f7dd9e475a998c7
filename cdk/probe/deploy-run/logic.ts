/*
 * What the deploy-time probe run does, as plain logic over injected AWS calls (the Lambda
 * entry in ./entry.ts wires the SDK in; tests wire fakes). It starts the scheduled probe task
 * once, exactly as the schedule would (same task definition, subnets, security group), and in
 * `fail-on-escape` mode waits for it and fails the deployment when it exits 1 (escape).
 */

/** The part of `scheduler:GetSchedule`'s answer this reads. */
export interface ScheduleTarget {
  readonly Arn?: string;
  readonly EcsParameters?: {
    readonly TaskDefinitionArn?: string;
    readonly LaunchType?: string;
    readonly PlatformVersion?: string;
    readonly Group?: string;
    readonly NetworkConfiguration?: {
      readonly awsvpcConfiguration?: {
        readonly Subnets?: readonly string[];
        readonly SecurityGroups?: readonly string[];
        readonly AssignPublicIp?: string;
      };
    };
  };
}

export interface RunTaskInput {
  readonly cluster: string;
  readonly taskDefinition: string;
  readonly launchType?: string;
  readonly platformVersion?: string;
  readonly group?: string;
  readonly startedBy: string;
  readonly networkConfiguration: {
    readonly awsvpcConfiguration: {
      readonly subnets: readonly string[];
      readonly securityGroups: readonly string[];
      readonly assignPublicIp: string;
    };
  };
}

export interface TaskState {
  readonly lastStatus?: string;
  readonly stoppedReason?: string;
  readonly containers?: readonly {
    readonly name?: string;
    readonly exitCode?: number;
    readonly reason?: string;
  }[];
}

export interface DeployRunDeps {
  getSchedule(name: string, group: string): Promise<ScheduleTarget | undefined>;
  runTask(input: RunTaskInput): Promise<{ taskArn?: string; failure?: string }>;
  describeTask(cluster: string, taskArn: string): Promise<TaskState | undefined>;
  stackStatus(stackId: string): Promise<string | undefined>;
  sleep(ms: number): Promise<void>;
  /** Milliseconds the function has left. */
  remainingMs(): number;
}

export interface DeployRunEvent {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly StackId: string;
  readonly ResourceProperties: {
    readonly ScheduleName: string;
    readonly ScheduleGroup?: string;
    readonly Mode: string;
    readonly ContainerName: string;
    readonly LogGroup: string;
    /** `<stream prefix>/<container>/`: the task id completes the probe's log stream. */
    readonly LogStreamPrefix: string;
  };
}

export interface DeployRunResult {
  readonly status: 'SUCCESS' | 'FAILED';
  readonly reason: string;
  readonly data: Record<string, string>;
}

/** Exit codes of `agent-perimeter probe` (lib/probe/report.ts). */
const EXIT = { blocked: 0, escape: 1, broken: 3 } as const;
const POLL_MS = 10_000;

// CloudFormation shows no reason for a success: the outcome goes in the data.
const ok = (data: Record<string, string>): DeployRunResult => ({
  status: 'SUCCESS',
  reason: '',
  data,
});
const fail = (reason: string, data: Record<string, string> = {}): DeployRunResult => ({
  status: 'FAILED',
  reason,
  data,
});

export async function deployRun(
  event: DeployRunEvent,
  deps: DeployRunDeps,
): Promise<DeployRunResult> {
  const props = event.ResourceProperties;
  const waitForResult = props.Mode === 'fail-on-escape';
  if (event.RequestType === 'Delete') return ok({ Result: 'not-run' });
  // A rollback re-applies the old properties: running (and failing) again would wedge it.
  const status = await deps.stackStatus(event.StackId);
  if (status?.includes('ROLLBACK') === true) return ok({ Result: 'not-run' });

  const target = await deps.getSchedule(props.ScheduleName, props.ScheduleGroup ?? 'default');
  const ecs = target?.EcsParameters;
  const net = ecs?.NetworkConfiguration?.awsvpcConfiguration;
  if (
    target?.Arn === undefined ||
    ecs?.TaskDefinitionArn === undefined ||
    net?.Subnets === undefined
  ) {
    const why = `schedule ${props.ScheduleName} has no ECS target`;
    return waitForResult ? fail(why) : ok({ Result: 'not-run' });
  }
  const cluster = target.Arn;
  const run = await deps.runTask({
    cluster,
    taskDefinition: ecs.TaskDefinitionArn,
    ...(ecs.LaunchType === undefined ? {} : { launchType: ecs.LaunchType }),
    ...(ecs.PlatformVersion === undefined ? {} : { platformVersion: ecs.PlatformVersion }),
    ...(ecs.Group === undefined ? {} : { group: ecs.Group }),
    startedBy: 'agent-perimeter-deploy',
    networkConfiguration: {
      awsvpcConfiguration: {
        subnets: net.Subnets,
        securityGroups: net.SecurityGroups ?? [],
        assignPublicIp: net.AssignPublicIp ?? 'DISABLED',
      },
    },
  });
  if (run.taskArn === undefined) {
    const why = `the probe did not start: ${run.failure}`;
    return waitForResult ? fail(why) : ok({ Result: 'not-started' });
  }
  const taskArn = run.taskArn;
  if (!waitForResult) return ok({ Result: 'started', TaskArn: taskArn });

  const where = `log group ${props.LogGroup} stream ${props.LogStreamPrefix}${taskArn.split('/').pop()}`;
  while (deps.remainingMs() > POLL_MS * 2) {
    await deps.sleep(POLL_MS);
    const task = await deps.describeTask(cluster, taskArn);
    if (task?.lastStatus !== 'STOPPED') continue;
    const container = task.containers?.find((c) => c.name === props.ContainerName);
    const code = container?.exitCode;
    const data = { TaskArn: taskArn };
    if (code === EXIT.blocked) return ok({ ...data, Result: 'blocked' });
    if (code === EXIT.escape)
      return fail(
        `the egress probe found a way out (escape): ${where}, docs/runbook.md "Probe reports"`,
        data,
      );
    if (code === EXIT.broken)
      return ok({
        ...data,
        Result: 'broken',
      });
    return fail(
      `the probe stopped without a verdict (exit ${code}, ${container?.reason ?? task.stoppedReason}): ${where}`,
      data,
    );
  }
  return fail(`the probe ${taskArn} did not finish in time`);
}
