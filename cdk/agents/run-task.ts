/** What `aws ecs run-task` needs to start one agent inside the perimeter. */
export interface RunTaskInputs {
  /** Cluster name or ARN (tokens are fine). */
  readonly cluster: string;
  /** Task definition family (the latest ACTIVE revision runs) or ARN. */
  readonly taskDefinition: string;
  readonly subnetIds: readonly string[];
  readonly securityGroupId: string;
}

/**
 * The AWS CLI command that starts one agent task: Fargate, in the agent subnets, with only the
 * agent security group and no public IP, tags propagated from the task definition so the task
 * carries the agent tier tag too.
 */
export function runTaskCommand(inputs: RunTaskInputs): string {
  const network = `awsvpcConfiguration={subnets=[${inputs.subnetIds.join(',')}],securityGroups=[${inputs.securityGroupId}],assignPublicIp=DISABLED}`;
  return [
    'aws ecs run-task',
    `--cluster ${inputs.cluster}`,
    `--task-definition ${inputs.taskDefinition}`,
    '--launch-type FARGATE',
    '--platform-version LATEST',
    `--network-configuration '${network}'`,
    '--propagate-tags TASK_DEFINITION',
    '--enable-ecs-managed-tags',
  ].join(' ');
}
