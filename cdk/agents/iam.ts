import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { AgentProfile } from '../../lib/policy/index.js';
import { acknowledgeEcrLogin, imagePullStatements, logWriteStatement } from '../task-execution.js';
import { AgentWorkloadError } from './errors.js';

export interface ExecutionPolicyInputs {
  /** The agent's own log group. */
  readonly logGroup: logs.ILogGroup;
  /** ARN of the one ECR repository the agent image lives in. */
  readonly repositoryArn: string;
  /** The image comes through a pull-through cache: ECR may import it on first pull. */
  readonly pullThrough: boolean;
}

/**
 * Everything ECS needs to start an agent task, nothing else: a registry login, pulls from the
 * agent image's one repository, and writes to the agent's own log group (whose ARN names only
 * that group's streams). No secrets: agents get none.
 */
export function executionPolicyStatements(inputs: ExecutionPolicyInputs): iam.PolicyStatement[] {
  return [
    ...imagePullStatements('Agent', { arn: inputs.repositoryArn, pullThrough: inputs.pullThrough }),
    logWriteStatement('Agent', inputs.logGroup),
  ];
}

/** Acknowledges the ECR login's wildcard: the PullAgentImage statement limits the pulls. */
export function acknowledgeAgentEcrLogin(policy: iam.ManagedPolicy): void {
  acknowledgeEcrLogin(
    policy,
    'Pulls are limited to the agent image repository by the PullAgentImage statement, and the ECR endpoint policy admits only this account.',
  );
}

/**
 * A profile's `aws_access` as IAM statements: exactly the listed actions on exactly the listed
 * resources, with `${AWS::Partition}`, `${AWS::Region}` and `${AWS::AccountId}` replaced by
 * the stack's own values. Throws for wildcards, which the policy schema already rejects, so
 * a profile built in code cannot slip one in either.
 */
export function awsAccessStatements(
  scope: Construct,
  profile: AgentProfile,
  where: string,
): iam.PolicyStatement[] {
  const stack = Stack.of(scope);
  const values: Record<string, string> = {
    Partition: stack.partition,
    Region: stack.region,
    AccountId: stack.account,
  };
  return (profile.aws_access ?? []).map((grant, i) => {
    for (const value of [...grant.actions, ...grant.resources]) {
      if (value.includes('*') || value.includes('?')) {
        throw new AgentWorkloadError(
          `${where}.aws_access[${i}] contains the wildcard "${value}". Fix: list exact actions and resource ARNs; agents never get "*".`,
        );
      }
    }
    return new iam.PolicyStatement({
      sid: `AwsAccess${i}`,
      actions: [...grant.actions],
      resources: grant.resources.map((arn) =>
        arn.replace(
          /\$\{AWS::(Partition|Region|AccountId)\}/g,
          (placeholder, name: string) => values[name] ?? placeholder,
        ),
      ),
    });
  });
}
