import {
  type CfnResource,
  CustomResource,
  Duration,
  RemovalPolicy,
  Stack,
  Token,
} from 'aws-cdk-lib';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import { siblingModule } from '../../lib/package-files.js';
import type { OnDeploy } from '../../lib/probe/deploy.js';
import { inlineBundle } from '../../lib/probe/inline-bundle.js';
import { acknowledge, acknowledgeControlTower, CONTROL_TOWER_RULES } from '../nag.js';
import { logRetention } from '../proxy-tier/retention.js';
import { ProbeTaskError } from './errors.js';
import { perimeterFingerprint } from './fingerprint.js';

/** CloudFormation's limit for inline (ZipFile) function code. */
export const MAX_INLINE_CODE = 4096;

let handlerCode: string | undefined;

/** ./deploy-run/entry.ts as one CommonJS file (the AWS SDK comes from the Lambda runtime). */
export function deployRunCode(): string {
  if (handlerCode !== undefined) return handlerCode;
  const code = inlineBundle(siblingModule(import.meta.url, './deploy-run/entry.ts'), {
    format: 'cjs',
    target: 'node22',
    external: ['@aws-sdk/*'],
  });
  if (code.length > MAX_INLINE_CODE) {
    throw new ProbeTaskError(
      `the deploy-time probe function is ${code.length} characters, more than the ${MAX_INLINE_CODE} CloudFormation takes inline. Fix: shorten cdk/probe/deploy-run/.`,
    );
  }
  handlerCode = code;
  return code;
}

export interface DeployRunProps {
  readonly mode: Exclude<OnDeploy, 'off'>;
  readonly schedule: scheduler.CfnSchedule;
  readonly cluster: ecs.ICluster;
  readonly taskDefinition: ecs.TaskDefinition;
  readonly executionRole: iam.IRole;
  readonly containerName: string;
  readonly probeLogGroup: logs.ILogGroup;
  /** `<stream prefix>/<container>/` of the probe's log streams. */
  readonly logStreamPrefix: string;
  readonly logKey: kms.IKey;
  readonly retentionDays: number;
}

/**
 * Runs the probe once per deployment that changes the perimeter (a custom resource carrying
 * {@link perimeterFingerprint}): it starts the schedule's own target (so it receives no agent
 * subnet or security group itself, and runs exactly what the schedule runs), and with
 * `fail-on-escape` waits for the task and fails the deployment when it exits 1.
 */
export class DeployRun extends Construct {
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly policy: iam.ManagedPolicy;
  readonly logGroup: logs.LogGroup;
  readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: DeployRunProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { partition, region, account } = stack;
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      encryptionKey: props.logKey,
      retention: logRetention(props.retentionDays),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': account } },
      }),
      description: 'agent-perimeter: runs the egress probe once at deploy time',
    });
    this.policy = new iam.ManagedPolicy(this, 'Policy', {
      description: "agent-perimeter: start the probe schedule's target once and watch it",
      roles: [this.role],
      statements: [
        new iam.PolicyStatement({
          sid: 'ReadProbeSchedule',
          actions: ['scheduler:GetSchedule'],
          resources: [props.schedule.attrArn],
        }),
        new iam.PolicyStatement({
          sid: 'RunProbeTask',
          actions: ['ecs:RunTask'],
          resources: [props.taskDefinition.taskDefinitionArn],
          conditions: { ArnEquals: { 'ecs:cluster': props.cluster.clusterArn } },
        }),
        new iam.PolicyStatement({
          sid: 'WatchProbeTask',
          actions: ['ecs:DescribeTasks'],
          resources: [
            `arn:${partition}:ecs:${region}:${account}:task/${props.cluster.clusterName}/*`,
          ],
        }),
        new iam.PolicyStatement({
          sid: 'PassProbeExecutionRole',
          actions: ['iam:PassRole'],
          resources: [props.executionRole.roleArn],
          conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
        }),
        new iam.PolicyStatement({
          sid: 'SeeRollbacks',
          actions: ['cloudformation:DescribeStacks'],
          resources: [stack.stackId],
        }),
        new iam.PolicyStatement({
          sid: 'WriteOwnLog',
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [this.logGroup.logGroupArn],
        }),
      ],
    });
    // cdk-nag names the resource as written, with <AWS::...> for pseudo parameters.
    const shown = (value: string, pseudo: string) =>
      Token.isUnresolved(value) ? `<AWS::${pseudo}>` : value;
    acknowledge(
      this.policy.node.defaultChild as iam.CfnManagedPolicy,
      `AwsSolutions-IAM5[Resource::arn:${shown(partition, 'Partition')}:ecs:${shown(region, 'Region')}:${shown(account, 'AccountId')}:task/<${stack.getLogicalId(props.cluster.node.defaultChild as ecs.CfnCluster)}>/*]`,
      'Task ids are assigned by ECS when the probe starts, so DescribeTasks cannot name one in advance; the wildcard covers tasks of the perimeter cluster only, for a read-only call.',
    );
    this.function = new lambda.Function(this, 'Function', {
      description: 'agent-perimeter: runs the egress probe once at deploy time',
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline(deployRunCode()),
      timeout: Duration.minutes(15),
      memorySize: 256,
      role: this.role.withoutPolicyUpdates(),
      logGroup: this.logGroup,
    });
    this.function.node.addDependency(this.policy);
    for (const [ids, reason] of FUNCTION_FINDINGS) {
      for (const rule of ids) acknowledge(this.function, rule, reason);
    }
    acknowledgeControlTower(
      this.function,
      CONTROL_TOWER_RULES.lambdaInVpc,
      'Deploy-time run of the egress probe through the ECS, Scheduler and CloudWatch Logs APIs; inside the VPC it would need those endpoints opened to the perimeter it checks. The landing-zone setting turns the deploy-time run off (the schedule runs the probe).',
    );
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: this.function.functionArn,
      resourceType: 'Custom::AgentPerimeterProbeRun',
      properties: {
        ScheduleName: props.schedule.ref,
        ScheduleGroup: 'default',
        Mode: props.mode,
        ContainerName: props.containerName,
        LogGroup: props.probeLogGroup.logGroupName,
        LogStreamPrefix: props.logStreamPrefix,
        Fingerprint: '',
      },
    });
    const cfn = this.resource.node.defaultChild as CfnResource;
    cfn.addPropertyOverride('Fingerprint', perimeterFingerprint(this, cfn));
  }
}

const FUNCTION_FINDINGS: readonly (readonly [readonly string[], string])[] = [
  [
    ['NIST.800.53.R5-LambdaConcurrency', 'HIPAA.Security-LambdaConcurrency'],
    'Deploy-time custom resource that CloudFormation invokes once per perimeter change; reserving concurrency for it would only take capacity away from the account.',
  ],
  [
    ['NIST.800.53.R5-LambdaDLQ', 'HIPAA.Security-LambdaDLQ'],
    'CloudFormation invokes the custom resource synchronously and records a failure as a stack event (that is its purpose with fail-on-escape); there is no asynchronous invocation for a dead-letter queue to catch.',
  ],
  [
    [
      'NIST.800.53.R5-LambdaInsideVPC',
      'HIPAA.Security-LambdaInsideVPC',
      'PCI.DSS.321-LambdaInsideVPC',
    ],
    'It only calls the ECS, EventBridge Scheduler and CloudFormation APIs; inside this VPC it would need the DNS firewall and security groups opened to those services, weakening the perimeter it checks. The probe itself runs in the agent subnets.',
  ],
];
