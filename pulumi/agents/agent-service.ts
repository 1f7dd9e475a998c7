import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { CLOUD_RUN_SANDBOXED } from '../../lib/contract/hardening.js';
import type { Policy } from '../../lib/policy/index.js';
import { GcpPerimeterError } from '../errors.js';
import { AGENT_TAG, resourceDescription } from '../names.js';
import { type AgentPlan, agentEnvs, planAgent } from './plan.js';

/**
 * Where a workload of the agent subnet runs and which proxy it uses: what the agents and the
 * egress probe ({@link ProbeJob}) share, since the probe must run exactly where agents run.
 */
export interface AgentPlacementArgs {
  /** The validated policy. */
  readonly policy: Policy;
  /** Project of the workload and its service account. */
  readonly project: pulumi.Input<string>;
  /** Region of the workload; the subnet must be in it. */
  readonly region: string;
  /** The perimeter VPC (id or self link). */
  readonly network: pulumi.Input<string>;
  /** The agent subnet (`AgentNetwork.agentSubnet`): no route out, egress only to the proxy. */
  readonly subnetwork: pulumi.Input<string>;
  /** The proxy host agents use (`ProxyTier.address`). */
  readonly proxyAddress: pulumi.Input<string>;
  /**
   * Network tag of the workload, the one the agent firewall rules select.
   * @default AgentNetwork.AGENT_TAG ("agent-perimeter-agent")
   */
  readonly networkTag?: string;
  /**
   * A second network tag, of the workload's profile, when the policy has several profiles:
   * the firewall rule to that profile's proxy listeners selects it (`profileNetworkTag`).
   * @default - none
   */
  readonly profileTag?: string;
}

/** What {@link AgentService} and {@link AgentJob} share. */
export interface AgentWorkloadArgs extends AgentPlacementArgs {
  /** Name of the agent profile in `policy.agents` to run. */
  readonly agent: string;
  /**
   * Image to run instead of the profile's (Cloud Run pulls from Artifact Registry, Container
   * Registry and Docker Hub only).
   * @default - the profile's `image`
   */
  readonly image?: string;
  /**
   * The certificates agents trust for intercepted hosts (`PolicyCa.trustedPem`), never a key.
   * Required when the policy intercepts: the container writes them, with the image's system
   * roots, into CLOUD_RUN_TRUST_DIR before the agent's command starts.
   * @default - none; a policy that intercepts is refused without it
   */
  readonly trustedCa?: string;
  /**
   * Longest a request (service) or task (job) may run, in seconds.
   * @default 3600
   */
  readonly timeoutSeconds?: number;
}

/** Arguments of {@link AgentService}. */
export interface AgentServiceArgs extends AgentWorkloadArgs {
  /**
   * Most instances Cloud Run starts. Each takes two addresses of the agent subnet while a
   * revision rolls out.
   * @default 10
   */
  readonly maxInstances?: number;
  /**
   * Requests one instance serves at once. 1 keeps every conversation in its own sandbox.
   * @default 1
   */
  readonly concurrency?: number;
}

/** Arguments of {@link AgentJob}. */
export interface AgentJobArgs extends AgentWorkloadArgs {
  /** @default 1 */
  readonly taskCount?: number;
  /** @default 1 */
  readonly parallelism?: number;
  /** @default 0 */
  readonly maxRetries?: number;
}

/** The Cloud Run plan of the profile `args.agent` names, with errors naming `component`. */
function planWorkload(args: AgentWorkloadArgs, component: string): AgentPlan {
  const { policy, agent } = args;
  const profile = policy.agents.find((a) => a.name === agent);
  if (profile === undefined) {
    throw new GcpPerimeterError(
      component,
      `agent "${agent}" is not a profile of policy "${policy.name}". Fix: use one of ${policy.agents.map((a) => `"${a.name}"`).join(', ')}.`,
    );
  }
  return planAgent(policy, profile, {
    component,
    ...(args.image === undefined ? {} : { image: args.image }),
  });
}

/** Direct VPC egress from the agent subnet as the agent tag: agents and the probe alike. */
export function vpcAccess(args: AgentPlacementArgs) {
  return {
    // ALL_TRAFFIC: public destinations too go into the VPC, where no route leads out.
    // PRIVATE_RANGES_ONLY would send them straight to the internet: an escape.
    egress: 'ALL_TRAFFIC',
    networkInterfaces: [
      {
        network: args.network,
        subnetwork: args.subnetwork,
        tags: [
          args.networkTag ?? AGENT_TAG,
          ...(args.profileTag === undefined ? [] : [args.profileTag]),
        ],
      },
    ],
  };
}

function checkCount(component: string, what: string, value: number, min: number, max: number) {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new GcpPerimeterError(
      component,
      `${what} is ${value}. Fix: use a whole number from ${min} to ${max}.`,
    );
  }
}

/**
 * What {@link AgentService} and {@link AgentJob} build alike for one profile: its Cloud Run
 * plan, a dedicated service account with no roles (the agent's identity can do nothing, C20)
 * and the agent container with the proxy environment. Each subclass checks its own settings
 * before calling this constructor, so bad settings register nothing.
 */
abstract class AgentWorkload extends pulumi.ComponentResource {
  readonly plan: AgentPlan;
  readonly serviceAccount: gcp.serviceaccount.Account;
  /** The agent's environment variables (no secrets). */
  readonly environment: pulumi.Output<{ name: string; value: string }[]>;
  readonly warnings: readonly string[];
  /** The agent container, for the subclass's template. */
  protected readonly agentContainer: AgentContainer;

  protected constructor(
    component: 'AgentService' | 'AgentJob',
    name: string,
    args: AgentWorkloadArgs,
    opts: pulumi.ComponentResourceOptions,
  ) {
    super(`agent-perimeter:gcp:${component}`, name, {}, opts);
    const plan = planWorkload(args, component);
    this.plan = plan;
    this.warnings = plan.warnings;
    this.serviceAccount = new gcp.serviceaccount.Account(
      `${name}-sa`,
      {
        project: args.project,
        accountId: plan.serviceAccountId,
        displayName: `agent-perimeter ${args.policy.name} agent ${plan.profile.name}`,
        description:
          'Identity of a contained agent. Deliberately granted no roles: everything the agent needs goes through the proxy.',
      },
      { parent: this },
    );
    this.environment = pulumi
      .output(args.proxyAddress)
      .apply((host) => agentEnvs(args.policy, plan.profile, host, args.trustedCa));
    this.agentContainer = {
      name: 'agent',
      image: plan.image,
      ...(plan.commands === undefined ? {} : { commands: [...plan.commands] }),
      ...(plan.args === undefined ? {} : { args: [...plan.args] }),
      envs: this.environment,
      resources: { limits: { cpu: plan.cpu, memory: plan.memory } },
    };
  }
}

type AgentContainer = gcp.types.input.cloudrunv2.ServiceTemplateContainer &
  gcp.types.input.cloudrunv2.JobTemplateTemplateContainer;

/**
 * One agent profile as a Cloud Run service on the first-generation execution environment,
 * which runs every instance in gVisor (controls C1, C14, C20, C22, C23): internal ingress
 * only, Direct VPC egress with ALL_TRAFFIC through the agent subnet (no route out but the
 * proxy), a dedicated service account with no roles, the proxy environment from
 * `agentEnvironment()`, and no secrets. The container must listen on $PORT (Cloud Run
 * services serve requests); batch agents use {@link AgentJob}.
 */
export class AgentService extends AgentWorkload {
  static readonly EXECUTION_ENVIRONMENT = CLOUD_RUN_SANDBOXED;
  static readonly DEFAULT_MAX_INSTANCES = 10;

  readonly service: gcp.cloudrunv2.Service;

  constructor(name: string, args: AgentServiceArgs, opts: pulumi.ComponentResourceOptions = {}) {
    const component = 'AgentService';
    const maxInstances = args.maxInstances ?? AgentService.DEFAULT_MAX_INSTANCES;
    const concurrency = args.concurrency ?? 1;
    const timeout = args.timeoutSeconds ?? 3600;
    checkCount(component, 'maxInstances', maxInstances, 1, 1000);
    checkCount(component, 'concurrency', concurrency, 1, 1000);
    checkCount(component, 'timeoutSeconds', timeout, 1, 3600);
    super(component, name, args, opts);
    this.service = new gcp.cloudrunv2.Service(
      `${name}-service`,
      {
        name: this.plan.name,
        description: resourceDescription(
          args.policy,
          `agent "${this.plan.profile.name}" on gVisor, egress only through the proxy.`,
        ),
        project: args.project,
        location: args.region,
        ingress: 'INGRESS_TRAFFIC_INTERNAL_ONLY',
        invokerIamDisabled: false,
        deletionProtection: false,
        labels: { ...this.plan.labels },
        template: {
          executionEnvironment: AgentService.EXECUTION_ENVIRONMENT,
          serviceAccount: this.serviceAccount.email,
          maxInstanceRequestConcurrency: concurrency,
          timeout: `${timeout}s`,
          scaling: { minInstanceCount: 0, maxInstanceCount: maxInstances },
          vpcAccess: vpcAccess(args),
          labels: { ...this.plan.labels },
          containers: [this.agentContainer],
        },
      },
      { parent: this },
    );
    this.registerOutputs({
      serviceName: this.service.name,
      serviceAccountEmail: this.serviceAccount.email,
      uri: this.service.uri,
    });
  }
}

/**
 * One agent profile as a Cloud Run job, for batch agents. Jobs run only on the
 * second-generation execution environment (a microVM-based sandbox, not gVisor); the network
 * containment, identity and environment are the same as {@link AgentService}. For gVisor batch
 * work use GKE Sandbox (see docs/gcp.md).
 */
export class AgentJob extends AgentWorkload {
  static readonly EXECUTION_ENVIRONMENT = 'EXECUTION_ENVIRONMENT_GEN2';

  readonly job: gcp.cloudrunv2.Job;

  constructor(name: string, args: AgentJobArgs, opts: pulumi.ComponentResourceOptions = {}) {
    const component = 'AgentJob';
    const taskCount = args.taskCount ?? 1;
    const parallelism = args.parallelism ?? 1;
    const maxRetries = args.maxRetries ?? 0;
    const timeout = args.timeoutSeconds ?? 3600;
    checkCount(component, 'taskCount', taskCount, 1, 10000);
    checkCount(component, 'parallelism', parallelism, 1, taskCount);
    checkCount(component, 'maxRetries', maxRetries, 0, 10);
    checkCount(component, 'timeoutSeconds', timeout, 1, 604800);
    super(component, name, args, opts);
    this.job = new gcp.cloudrunv2.Job(
      `${name}-job`,
      {
        name: this.plan.name,
        project: args.project,
        location: args.region,
        deletionProtection: false,
        labels: { ...this.plan.labels },
        template: {
          taskCount,
          parallelism,
          labels: { ...this.plan.labels },
          template: {
            executionEnvironment: AgentJob.EXECUTION_ENVIRONMENT,
            serviceAccount: this.serviceAccount.email,
            maxRetries,
            timeout: `${timeout}s`,
            vpcAccess: vpcAccess(args),
            containers: [this.agentContainer],
          },
        },
      },
      { parent: this },
    );
    this.registerOutputs({
      jobName: this.job.name,
      serviceAccountEmail: this.serviceAccount.email,
    });
  }
}
