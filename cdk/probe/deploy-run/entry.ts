// The deploy-time probe run as a Lambda function (bundled into the template's inline code by
// ../deploy-run.ts). It loads the AWS SDK v3 that Lambda's Node.js runtimes include, and
// answers CloudFormation's custom resource request itself.
import { request } from 'node:https';
import { type DeployRunEvent, type DeployRunResult, deployRun } from './logic.js';

interface CfnEvent extends DeployRunEvent {
  readonly ResponseURL: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly PhysicalResourceId?: string;
}

// biome-ignore lint/suspicious/noExplicitAny: the SDK is loaded at run time, untyped here.
type Sdk = any;
// The bundle is CommonJS, where `require` finds the SDK on the runtime's NODE_PATH (an ESM
// import would not look there).
const load = (name: string): Sdk => require(name);

function respond(event: CfnEvent, result: DeployRunResult): Promise<void> {
  const body = JSON.stringify({
    Status: result.status,
    Reason: result.reason.slice(0, 3000),
    PhysicalResourceId:
      event.PhysicalResourceId ?? `probe-run-${event.ResourceProperties.ScheduleName}`,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    Data: result.data,
  });
  return new Promise((resolve, reject) => {
    const req = request(event.ResponseURL, {
      method: 'PUT',
      headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) },
    });
    req.on('error', reject);
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve());
    });
    req.end(body);
  });
}

export async function handler(event: CfnEvent, context: { getRemainingTimeInMillis(): number }) {
  let result: DeployRunResult;
  try {
    const ecs = load('@aws-sdk/client-ecs');
    const scheduler = load('@aws-sdk/client-scheduler');
    const cfn = load('@aws-sdk/client-cloudformation');
    const ecsClient = new ecs.ECSClient({});
    const schedulerClient = new scheduler.SchedulerClient({});
    const cfnClient = new cfn.CloudFormationClient({});
    result = await deployRun(event, {
      getSchedule: async (Name, GroupName) =>
        (await schedulerClient.send(new scheduler.GetScheduleCommand({ Name, GroupName }))).Target,
      runTask: async (input) => {
        const out = await ecsClient.send(new ecs.RunTaskCommand(input));
        const failure = out.failures?.[0];
        return {
          taskArn: out.tasks?.[0]?.taskArn,
          failure: failure === undefined ? undefined : `${failure.reason} ${failure.detail ?? ''}`,
        };
      },
      describeTask: async (cluster, task) =>
        (await ecsClient.send(new ecs.DescribeTasksCommand({ cluster, tasks: [task] }))).tasks?.[0],
      stackStatus: async (StackName) =>
        (await cfnClient.send(new cfn.DescribeStacksCommand({ StackName }))).Stacks?.[0]
          ?.StackStatus,
      sleep: (ms) => new Promise((done) => setTimeout(done, ms)),
      remainingMs: () => context.getRemainingTimeInMillis(),
    });
  } catch (error) {
    result = { status: 'FAILED', reason: `probe run failed: ${String(error)}`, data: {} };
  }
  await respond(event, result);
}
