import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { CfnFlowLog } from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
import { agentEnvironment } from '../../lib/agent-env.js';
import { imageRegistryDomains } from '../../lib/image-registry.js';
import type { JsonObject } from '../../lib/json.js';
import type { Policy } from '../../lib/policy/index.js';
import { PROBE_IMAGE } from '../../lib/probe/image.js';
import { AgentWorkloads, type AgentWorkloadsProps } from '../agents/index.js';
import { AuditLogging, type AuditLoggingProps } from '../audit/index.js';
import { AgentNetwork, type AgentNetworkProps } from '../network/index.js';
import { ProbeTask, type ProbeTaskProps } from '../probe/index.js';
import { ProxyTier } from '../proxy-tier/index.js';
import { outputId } from './outputs.js';

export interface AgentPerimeterStackProps extends StackProps {
  /** The validated policy (the single source of truth). */
  readonly policy: Policy;
  /**
   * The Envoy bootstrap rendered from `policy` and validated against Envoy's API
   * (`renderCheckedProxyConfig` in `proxy/`; `bin/cdk-app.ts` does this).
   */
  readonly envoyConfig: JsonObject;
  /**
   * Overrides for the network, e.g. an existing VPC and its subnets.
   * @default - a new VPC laid out by AgentNetwork
   */
  readonly network?: Omit<AgentNetworkProps, 'policy'>;
  /**
   * Options for the agent workloads, e.g. an existing cluster.
   * @default - a new cluster; public.ecr.aws images through a pull-through cache
   */
  readonly agents?: Pick<
    AgentWorkloadsProps,
    'cluster' | 'pullThroughCachePrefix' | 'prepareScratch'
  >;
  /**
   * Options for the audit trail: who may read it, who gets the alarms, alarm thresholds.
   * @default - no readers, no email subscriptions, the default thresholds
   */
  readonly audit?: Pick<AuditLoggingProps, 'readers' | 'alarmEmails' | 'thresholds'>;
  /**
   * The egress probe in the agent tier (`ProbeTask`): its schedule, deploy-time run and
   * targets, or `false` for none.
   * @default - on: every 60 minutes, and once per deployment that changes the perimeter
   */
  readonly probe?: false | ProbeTaskProps['deployment'];
}

/**
 * The whole perimeter from one policy: the contained network, the Envoy proxy tier, the
 * hardened agent workloads (one per policy profile, in `network.agentSubnets` with only
 * `network.agentSecurityGroup`, so they can reach only the proxy) and the audit trail.
 */
export class AgentPerimeterStack extends Stack {
  public readonly policy: Policy;
  public readonly network: AgentNetwork;
  public readonly proxy: ProxyTier;
  public readonly agents: AgentWorkloads;
  public readonly audit: AuditLogging;
  /** Undefined when `probe` is false. */
  public readonly probe: ProbeTask | undefined;

  constructor(scope: Construct, id: string, props: AgentPerimeterStackProps) {
    super(scope, id, {
      description: `agent-perimeter "${props.policy.name}": contained agent network and Envoy egress proxy`,
      ...props,
    });
    this.policy = props.policy;
    const networkProps = props.network ?? {};
    this.network = new AgentNetwork(this, 'Network', {
      ...networkProps,
      policy: props.policy,
      extraDnsDomains: [
        ...imageRegistryDomains(props.policy.proxy.image),
        ...(networkProps.extraDnsDomains ?? []),
      ],
    });
    this.proxy = new ProxyTier(this, 'Proxy', {
      policy: props.policy,
      vpc: this.network.vpc,
      subnets: { subnets: this.network.proxySubnets },
      securityGroup: this.network.proxySecurityGroup,
      loadBalancerSecurityGroup: this.network.loadBalancerSecurityGroup,
      logKey: this.network.logKey,
      envoyConfig: props.envoyConfig,
    });
    this.agents = new AgentWorkloads(this, 'Agents', {
      ...props.agents,
      policy: props.policy,
      vpc: this.network.vpc,
      subnets: this.network.agentSubnets,
      securityGroup: this.network.agentSecurityGroup,
      securityGroups: this.network.agentSecurityGroups,
      proxyAddress: this.proxy.address,
      logKey: this.network.logKey,
    });
    this.probe =
      props.probe === false
        ? undefined
        : new ProbeTask(this, 'Probe', {
            policy: props.policy,
            cluster: this.agents.cluster,
            subnets: this.network.agentSubnets,
            securityGroup: this.network.agentSecurityGroup,
            proxyAddress: this.proxy.address,
            logKey: this.network.logKey,
            image: this.agents.resolveImage(PROBE_IMAGE.aws, 'the egress probe image'),
            ...(props.probe === undefined ? {} : { deployment: props.probe }),
          });
    const flowLog = this.network.flowLog.node.defaultChild as CfnFlowLog;
    this.audit = new AuditLogging(this, 'Audit', {
      ...props.audit,
      policy: props.policy,
      proxyAccessLogGroup: this.proxy.logGroup,
      flowLogGroup: this.network.flowLogGroup,
      flowLogFormat: flowLog.logFormat ?? '',
      dnsQueryLogGroup: this.network.dnsQueryLogGroup,
      agentSubnets: this.network.agentSubnets,
      logKey: this.network.logKey,
      additionalSources: this.probe === undefined ? [] : [this.probe.auditSource],
    });
    this.probe?.addAlarms(this.audit.alarmTopic, this.audit.metricNamespace);
    this.probe?.runAfter(this.network, this.proxy);

    new CfnOutput(this, 'ProxyAddress', {
      description: 'DNS name of the internal proxy load balancer',
      value: this.proxy.address,
    });
    new CfnOutput(this, 'AgentEnvironment', {
      description: 'Environment variables for agents (JSON); none is secret',
      value: this.toJsonString(this.proxy.agentEnvironment),
    });
    new CfnOutput(this, 'AgentSubnets', {
      description: 'Subnets to run agents in (no route out)',
      value: this.network.agentSubnets.map((s) => s.subnetId).join(','),
    });
    new CfnOutput(this, 'AgentSecurityGroup', {
      description: 'Security group for agents (egress only to the proxy and endpoints)',
      value: this.network.agentSecurityGroup.securityGroupId,
    });
    new CfnOutput(this, 'AgentCluster', {
      description: 'ECS cluster the agents run in',
      value: this.agents.cluster.clusterName,
    });
    for (const [name, workload] of Object.entries(this.agents.workloads)) {
      new CfnOutput(this, outputId('Agent', name, 'TaskDefinition'), {
        description: `Task definition of agent profile "${name}" (no task role unless it lists aws_access)`,
        value: workload.taskDefinition.taskDefinitionArn,
      });
      new CfnOutput(this, outputId('Agent', name, 'RunTask'), {
        description: `Starts one "${name}" agent inside the perimeter`,
        value: workload.runTaskCommand,
      });
      if (props.policy.agents.length > 1) {
        // Each profile has its own listeners and security group; the un-suffixed outputs
        // above are the first profile's.
        new CfnOutput(this, outputId('Agent', name, 'Environment'), {
          description: `Environment of agent profile "${name}" (JSON): its own listeners only; none is secret`,
          value: this.toJsonString(agentEnvironment(props.policy, this.proxy.address, name)),
        });
        new CfnOutput(this, outputId('Agent', name, 'SecurityGroup'), {
          description: `Security group of agent profile "${name}": only its own proxy listeners and the endpoints`,
          value: (this.network.agentSecurityGroups[name] ?? this.network.agentSecurityGroup)
            .securityGroupId,
        });
      }
    }
    if (this.probe !== undefined) {
      new CfnOutput(this, 'ProbeRunTask', {
        description: 'Runs the egress probe now, from the agent tier (its report: ProbeLogGroup)',
        value: this.probe.runTaskCommand,
      });
      new CfnOutput(this, 'ProbeLogGroup', {
        description: 'Log group of the egress probe reports (one JSON line per check)',
        value: this.probe.workload.logGroup.logGroupName,
      });
    }
    new CfnOutput(this, 'AuditBucket', {
      description: 'Object Lock (compliance) bucket with the proxy, flow and DNS logs',
      value: this.audit.bucket.bucketName,
    });
    new CfnOutput(this, 'AuditAlarmTopic', {
      description: 'SNS topic of the audit alarms; subscribe your on-call here',
      value: this.audit.alarmTopic.topicArn,
    });
  }
}
