import * as ecs from 'aws-cdk-lib/aws-ecs';

/**
 * The settings every long-running Fargate service of the perimeter has, the proxy's and an
 * agent profile's alike: no public IP, the latest platform version, a deployment that rolls
 * back when its tasks fail and never runs below the desired count, no ECS Exec (it would open
 * an SSM channel into the task and needs a task role), and the service's tags on its tasks.
 */
export const SERVICE_SETTINGS = {
  assignPublicIp: false,
  platformVersion: ecs.FargatePlatformVersion.LATEST,
  circuitBreaker: { enable: true, rollback: true },
  minHealthyPercent: 100,
  maxHealthyPercent: 200,
  enableExecuteCommand: false,
  propagateTags: ecs.PropagatedTagSource.SERVICE,
} as const satisfies Partial<ecs.FargateServiceProps>;
