import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { agentEnvironment } from '../../lib/agent-env.js';
import type { Policy } from '../../lib/policy/index.js';
import type { AgentWorkloads } from '../agents/index.js';
import type { AuditLogging } from '../audit/index.js';
import type { AgentNetwork } from '../network/index.js';
import type { ProbeTask } from '../probe/index.js';
import type { ProxyTier } from '../proxy-tier/index.js';
import { composePerimeter, type PerimeterParts, type PerimeterPartsProps } from './compose.js';
import { outputId } from './outputs.js';

/** The perimeter's parts (see {@link PerimeterPartsProps}) and the stack's own settings. */
export interface AgentPerimeterStackProps extends StackProps, PerimeterPartsProps {}

/**
 * The whole perimeter from one policy: the contained network, the Envoy proxy tier, the
 * hardened agent workloads (one per policy profile, in `network.agentSubnets` with only
 * `network.agentSecurityGroup`, so they can reach only the proxy) and the audit trail.
 */
export class AgentPerimeterStack extends Stack implements PerimeterParts {
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
    const parts = composePerimeter(this, props);
    this.network = parts.network;
    this.proxy = parts.proxy;
    this.agents = parts.agents;
    this.audit = parts.audit;
    this.probe = parts.probe;

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
