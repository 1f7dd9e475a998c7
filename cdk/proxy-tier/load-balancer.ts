import { Duration } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type { Construct } from 'constructs';
import type { ProxyPorts } from '../../lib/policy/index.js';
import { HEALTH_PATH } from '../../lib/proxy-contract.js';
import { acknowledge, acknowledgeControlTower, CONTROL_TOWER_RULES } from '../nag.js';

/** NLB health-check cadence: a task is out of rotation ~20 s after Envoy stops answering. */
export const HEALTH_CHECK_INTERVAL = Duration.seconds(10);

/** The NLB's default TCP idle timeout; raised when the policy lets Envoy idle longer. */
const NLB_DEFAULT_IDLE_TIMEOUT_S = 350;

export interface LoadBalancerInputs {
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  readonly securityGroup: ec2.ISecurityGroup;
  readonly ports: ProxyPorts;
  readonly idleTimeoutSeconds: number;
  readonly drainTime: Duration;
  readonly deletionProtection: boolean;
  /** Central bucket and prefix for the NLB's access logs, or none. */
  readonly accessLogs?: LoadBalancerAccessLogs;
}

/** Where the NLB writes access logs: a bucket the landing zone owns (its policy admits ELB). */
export interface LoadBalancerAccessLogs {
  readonly bucketName: string;
  /** Key prefix, without a trailing "/". */
  readonly prefix: string;
}

export interface LoadBalancerParts {
  readonly loadBalancer: elbv2.NetworkLoadBalancer;
  readonly listeners: Readonly<Record<number, elbv2.NetworkListener>>;
  readonly targetGroups: Readonly<Record<number, elbv2.NetworkTargetGroup>>;
}

/**
 * The internal NLB in front of Envoy: one TCP listener and one IP target group per
 * agent-facing port, all health-checked on Envoy's health listener.
 */
export function createLoadBalancer(
  scope: Construct,
  inputs: LoadBalancerInputs,
): LoadBalancerParts {
  const loadBalancer = new elbv2.NetworkLoadBalancer(scope, 'LoadBalancer', {
    vpc: inputs.vpc,
    vpcSubnets: inputs.subnets,
    internetFacing: false,
    securityGroups: [inputs.securityGroup],
    crossZoneEnabled: true,
    deletionProtection: inputs.deletionProtection,
  });
  if (inputs.accessLogs !== undefined) {
    // Attributes rather than logAccessLogs(): the bucket and its policy are the landing
    // zone's, so this stack must not try to write the bucket policy.
    loadBalancer.setAttribute('access_logs.s3.enabled', 'true');
    loadBalancer.setAttribute('access_logs.s3.bucket', inputs.accessLogs.bucketName);
    loadBalancer.setAttribute('access_logs.s3.prefix', inputs.accessLogs.prefix);
  }
  acknowledgeLoadBalancer(loadBalancer, inputs.deletionProtection, inputs.accessLogs !== undefined);

  // Envoy closes idle connections first (policy limits.idle_timeout_s), so it logs why; the
  // NLB must not silently drop a flow Envoy still considers open.
  const tcpIdleTimeout = Duration.seconds(
    Math.max(NLB_DEFAULT_IDLE_TIMEOUT_S, inputs.idleTimeoutSeconds + 30),
  );
  const listeners: Record<number, elbv2.NetworkListener> = {};
  const targetGroups: Record<number, elbv2.NetworkTargetGroup> = {};
  for (const port of inputs.ports.agentFacing) {
    const targetGroup = new elbv2.NetworkTargetGroup(scope, `Target${port}`, {
      vpc: inputs.vpc,
      port,
      protocol: elbv2.Protocol.TCP,
      targetType: elbv2.TargetType.IP,
      // Envoy's access log then records the agent's address, not the NLB's. Works with the
      // NLB's security group: the task security group admits it by group reference.
      preserveClientIp: true,
      deregistrationDelay: inputs.drainTime,
      // At the end of the drain, reset what is left so clients reconnect to a live task
      // instead of waiting on a flow to a stopped one.
      connectionTermination: true,
      healthCheck: {
        protocol: elbv2.Protocol.HTTP,
        port: String(inputs.ports.health),
        path: HEALTH_PATH,
        healthyHttpCodes: '200',
        interval: HEALTH_CHECK_INTERVAL,
        timeout: Duration.seconds(5),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 2,
      },
    });
    targetGroups[port] = targetGroup;
    const listener = loadBalancer.addListener(`Listener${port}`, {
      port,
      protocol: elbv2.Protocol.TCP,
      defaultTargetGroups: [targetGroup],
      tcpIdleTimeout,
    });
    acknowledgePlainListener(listener);
    listeners[port] = listener;
  }
  return { loadBalancer, listeners, targetGroups };
}

function acknowledgeLoadBalancer(
  lb: elbv2.NetworkLoadBalancer,
  deletionProtection: boolean,
  accessLogs: boolean,
): void {
  // On the CfnLoadBalancer itself, so the acknowledgements do not reach the listeners.
  const resource = lb.node.defaultChild as elbv2.CfnLoadBalancer;
  const logging =
    "Envoy already records every request through the proxy as one JSON line in the proxy tier's KMS-encrypted CloudWatch log group (allowed and denied, with the agent address, since client IP preservation is on). NLB access logs would add nothing: they are only written for TLS listeners, and these listeners are plain TCP.";
  if (!accessLogs) {
    acknowledgeControlTower(
      resource,
      CONTROL_TOWER_RULES.elbLogging,
      `${logging} The landing-zone setting writes them to the central log bucket (landing_zone.access_log_bucket).`,
    );
  }
  for (const id of [
    'AwsSolutions-ELB2',
    'NIST.800.53.R5-ELBLoggingEnabled',
    'HIPAA.Security-ELBLoggingEnabled',
    'PCI.DSS.321-ELBLoggingEnabled',
  ]) {
    acknowledge(resource, id, logging);
  }
  if (!deletionProtection) {
    const reason =
      'The internal NLB is stateless and recreated from the policy with the rest of the proxy tier; deleting it only cuts agents off (the perimeter fails closed). Deletion protection would make `cdk destroy` of the stack fail, so it is opt-in via the ProxyTier deletionProtection prop.';
    for (const id of [
      'NIST.800.53.R5-ELBDeletionProtectionEnabled',
      'HIPAA.Security-ELBDeletionProtectionEnabled',
    ]) {
      acknowledge(resource, id, reason);
    }
    acknowledgeControlTower(
      resource,
      CONTROL_TOWER_RULES.elbDeletionProtection,
      `${reason} The landing-zone setting turns it on.`,
    );
  }
}

/** Plain TCP on purpose: see the reason. On the CfnListener, one port at a time. */
function acknowledgePlainListener(listener: elbv2.NetworkListener): void {
  const reason =
    "Agents speak plain HTTP to the proxy by design and the NLB passes TCP through: HTTPS is CONNECT-tunnelled so the agent's own TLS runs end to end to the upstream, and base-URL listeners take plain HTTP so Envoy can add the credential and send it on over verified TLS (control C22). The hop stays inside the VPC between security groups that admit only agents. TLS here would need a private CA in every agent and most HTTP_PROXY clients cannot speak TLS to a proxy.";
  const resource = listener.node.defaultChild as elbv2.CfnListener;
  for (const id of [
    'NIST.800.53.R5-ELBv2ACMCertificateRequired',
    'HIPAA.Security-ELBv2ACMCertificateRequired',
    'PCI.DSS.321-ELBv2ACMCertificateRequired',
  ]) {
    acknowledge(resource, id, reason);
  }
}
