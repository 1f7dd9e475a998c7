import type { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagPack, type NagPackProps, type NagRuleResult } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { NAG_PACKS } from '../nag.js';
import {
  agentLogGroupEncrypted,
  agentServiceNoPublicIp,
  agentTaskAwsvpc,
  agentTaskCapabilitiesDropped,
  agentTaskNonRootUser,
  agentTaskNoSecrets,
  agentTaskReadOnlyRoot,
  agentTaskRoleNoWildcards,
} from './rules/index.js';

interface RuleEntry {
  readonly id: string;
  readonly info: string;
  readonly explanation: string;
  readonly rule: (node: CfnResource) => NagRuleResult;
}

/**
 * The pack's rules: workload-level controls of the guide for agent task definitions (tagged
 * `agent-perimeter:tier=agent`, or used by a service in agent subnets or the agent group) and
 * the services that run them. Network containment itself is `ContainmentChecks`.
 */
export const AGENT_PERIMETER_RULES: readonly RuleEntry[] = [
  {
    id: 'AgentTaskReadOnlyRoot',
    info: 'An agent container has a writable root filesystem.',
    explanation:
      'C8: agents get a read-only root filesystem and write only to size-limited scratch volumes, so a hijacked agent cannot change its own tools. Fix: readonlyRootFilesystem: true, with tmpfs or volumes for scratch.',
    rule: agentTaskReadOnlyRoot,
  },
  {
    id: 'AgentTaskNonRootUser',
    info: 'An agent container runs as root (no user, uid 0 or group 0).',
    explanation:
      'C12: agents run as an unprivileged user (e.g. 1000:1000), which limits what an escape from the agent process can do in the container. Fix: set user to "1000:1000".',
    rule: agentTaskNonRootUser,
  },
  {
    id: 'AgentTaskCapabilitiesDropped',
    info: 'An agent container keeps Linux capabilities (no drop of ALL, capabilities added back, or privileged).',
    explanation:
      'C5: agents drop every Linux capability. Fix: linuxParameters.dropCapabilities(Capability.ALL), add none, and never privileged.',
    rule: agentTaskCapabilitiesDropped,
  },
  {
    id: 'AgentTaskNoSecrets',
    info: 'An agent container is given secrets, environment files or a key-like environment value.',
    explanation:
      'C2: the agent never holds credentials; the proxy tier injects them. Anything in the agent environment can be printed or sent out by a hijacked agent. Fix: move the credential to the policy (egress[].inject) so the proxy adds it.',
    rule: agentTaskNoSecrets,
  },
  {
    id: 'AgentTaskRoleNoWildcards',
    info: 'The task role of an agent allows wildcard actions, NotAction, or a broad AWS-managed policy (or lives outside the stack).',
    explanation:
      'C20: the agent identity has minimal permissions; sensitive access goes through the proxy. A wildcard grant turns every reachable endpoint into a data channel. Fix: list the actions the agent needs on named resources.',
    rule: agentTaskRoleNoWildcards,
  },
  {
    id: 'AgentServiceNoPublicIp',
    info: 'An ECS service or task set that runs agents assigns public IPs.',
    explanation:
      'C10/C17: agents have no address reachable from the internet and no direct path out. Fix: assignPublicIp: false, in the agent subnets.',
    rule: agentServiceNoPublicIp,
  },
  {
    id: 'AgentTaskAwsvpc',
    info: 'An agent task definition does not use awsvpc networking.',
    explanation:
      'C10/C18: with awsvpc each agent task has its own interface in the agent security group; bridge or host networking shares the instance network and its groups. Fix: networkMode awsvpc (Fargate always uses it).',
    rule: agentTaskAwsvpc,
  },
  {
    id: 'AgentLogGroupEncrypted',
    info: 'An agent container does not log to a KMS-encrypted log group with a retention period in this stack.',
    explanation:
      'C21: agent logs are audit records; they are encrypted with a customer key and kept for the policy retention. Fix: the awslogs driver with a LogGroup that has encryptionKey and retention.',
    rule: agentLogGroupEncrypted,
  },
];

/**
 * cdk-nag 3 pack for agent workloads (rule ids `AgentPerimeter-<Rule>`). Register it next to
 * the AWS packs: `Validations.of(app).addPlugins(new AgentPerimeterChecks(app))`; acknowledge a
 * finding with `Validations.of(construct).acknowledge({ id, reason })`.
 */
export class AgentPerimeterChecks extends NagPack {
  public readonly name = NAG_PACKS.agentPerimeter;

  constructor(scope?: IConstruct, props?: NagPackProps) {
    super(scope, props);
    this.packName = NAG_PACKS.agentPerimeter;
  }

  protected checkResource(node: CfnResource): void {
    for (const r of AGENT_PERIMETER_RULES) {
      this.applyRule({
        ruleSuffixOverride: r.id,
        info: r.info,
        explanation: r.explanation,
        level: NagMessageLevel.ERROR,
        rule: r.rule,
        node,
      });
    }
  }
}
