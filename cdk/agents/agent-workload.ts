import { RemovalPolicy, Tags } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct, type IConstruct } from 'constructs';
import { agentEnvironment } from '../../lib/agent-env.js';
import { TRUSTED_CA_VARIABLE, trustFilesScript } from '../../lib/ca/trust.js';
import { type AgentProfile, interceptedRules, type Policy } from '../../lib/policy/index.js';
import { AGENT_TRUST_DIR } from '../../lib/proxy-contract.js';
import { SERVICE_SETTINGS } from '../fargate-service.js';
import {
  addInitContainer,
  droppedCapabilities,
  INIT_CONTAINER_MEMORY_MIB,
  runsAfter,
} from '../hardened-containers.js';
import { acknowledge, acknowledgeControlTower, CONTROL_TOWER_RULES } from '../nag.js';
import { POLICY_TAG_KEY, Tier, tagTier } from '../network/tags.js';
import { logRetention } from '../proxy-tier/retention.js';
import { ecsTasksPrincipal } from '../task-execution.js';
import { AgentWorkloadError } from './errors.js';
import { guardAgentTaskDefinition } from './guard.js';
import { acknowledgeAgentEcrLogin, awsAccessStatements, executionPolicyStatements } from './iam.js';
import { runTaskCommand } from './run-task.js';
import { type AgentTaskSize, agentTaskSize } from './size.js';

/** Tag key naming the policy profile a task definition or service runs. */
export const AGENT_PROFILE_TAG_KEY = 'agent-perimeter:agent';

/** Where an agent image is pulled from, resolved to this account's private ECR. */
export interface AgentImageRef {
  /** Full image URI in this account's private ECR (tokens are fine). */
  readonly imageUri: string;
  /** ARN of the repository holding the image: the only one the execution role may pull from. */
  readonly repositoryArn: string;
  /** Whether the repository is a pull-through cache (the first pull imports the image). */
  readonly pullThrough: boolean;
}

/** Properties of {@link AgentWorkload}. */
export interface AgentWorkloadProps {
  /** The validated policy: proxy ports for the agent environment, name, log retention. */
  readonly policy: Policy;
  /** The profile to run; one of `policy.agents`. */
  readonly profile: AgentProfile;
  /** Cluster the on-demand tasks and the optional service run in. */
  readonly cluster: ecs.ICluster;
  /** The agent subnets (no route out). */
  readonly subnets: readonly ec2.ISubnet[];
  /** The agent security group: egress only to the proxy and the VPC endpoints. */
  readonly securityGroup: ec2.ISecurityGroup;
  /** DNS name or IP the agent reaches the proxy at (the internal load balancer). */
  readonly proxyAddress: string;
  /** Key for the agent's log group; its policy must let CloudWatch Logs use it. */
  readonly logKey: kms.IKey;
  /** The agent image, already resolved to private ECR (see {@link AgentWorkloads}). */
  readonly image: AgentImageRef;
  /**
   * Run a short init container as uid 0 (all capabilities dropped, read-only root) that makes
   * the scratch volumes writable for the agent's non-root user: Fargate creates them owned by
   * root with mode 0755. Turn it off for images that declare the scratch paths as `VOLUME`s
   * owned by the agent user, or that have no `chmod` (distroless).
   *
   * @default true
   */
  readonly prepareScratch?: boolean;
  /**
   * Task definition family.
   * @default `agent-perimeter-<policy name>-<profile name>`
   */
  readonly family?: string;
  /**
   * The policy profile whose listeners (forward proxy, base URLs) the task's environment
   * points at; the egress probe runs as the first profile.
   * @default - `profile.name`
   */
  readonly listenersOf?: string;
  /**
   * The certificates agents trust for intercepted hosts (PEM: the policy's CA and
   * `also_trusted`, `PolicyCa.trustedPem`), never a key. Required when the policy intercepts:
   * a run-once init container writes them, with the image's system roots, read-only into
   * AGENT_TRUST_DIR, where the agent's TLS variables point.
   * @default - none; a policy that intercepts is refused without it
   */
  readonly trustedCa?: string;
}

/**
 * One agent profile on ECS Fargate, hardened: read-only root filesystem, non-root user, every
 * capability dropped, init process, no privileged mode, `nproc` ulimit, CPU and memory from
 * the policy, scratch only on ephemeral task volumes, and an environment that routes through
 * the proxy and holds no secret (checked again at synth time, after any later change). No task
 * role unless the profile lists `aws_access`, so the task metadata endpoint has no credentials
 * to give out. Runs on demand (`runTaskCommand`) and, with `service`, as an ECS service; both
 * only in the agent subnets with only the agent security group and no public IP.
 */
export class AgentWorkload extends Construct {
  /** Name of the agent container in the task definition. */
  static readonly CONTAINER_NAME = 'agent';
  /** Name of the init container that prepares the scratch volumes. */
  static readonly SCRATCH_CONTAINER_NAME = 'scratch-permissions';
  /** Name of the init container that writes the trust files of intercepted hosts. */
  static readonly TRUST_CONTAINER_NAME = 'trust-files';
  /** Stream prefix of the agent's log streams: `agent/<container>/<task id>`. */
  static readonly LOG_STREAM_PREFIX = 'agent';

  readonly profile: AgentProfile;
  readonly size: AgentTaskSize;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  /** The agent container. */
  readonly container: ecs.ContainerDefinition;
  /** The scratch-preparing init container; undefined with `prepareScratch: false` or no scratch. */
  readonly scratchContainer: ecs.ContainerDefinition | undefined;
  /** The trust-files init container; undefined when the policy intercepts nothing. */
  readonly trustContainer: ecs.ContainerDefinition | undefined;
  /** The agent's stdout/stderr (written by the agent itself, so not an audit source). */
  readonly logGroup: logs.LogGroup;
  /** Used by ECS to start the task: pull the image, write the log. */
  readonly executionRole: iam.Role;
  /** The execution role's only permissions. */
  readonly executionPolicy: iam.ManagedPolicy;
  /** Only when the profile lists `aws_access`; otherwise the task has no role at all. */
  readonly taskRole: iam.Role | undefined;
  /** The task role's only permissions (exactly `aws_access`). */
  readonly taskPolicy: iam.ManagedPolicy | undefined;
  /** Only when the profile has `service`. */
  readonly service: ecs.FargateService | undefined;
  /** The agent's environment: the proxy variables plus the profile's own. None is secret. */
  readonly environment: Readonly<Record<string, string>>;
  /** `aws ecs run-task ...` that starts one agent inside the perimeter. */
  readonly runTaskCommand: string;

  constructor(scope: Construct, id: string, props: AgentWorkloadProps) {
    super(scope, id);
    const { policy, profile } = props;
    const index = policy.agents.findIndex((a) => a.name === profile.name);
    const where = index >= 0 ? `agents[${index}]` : `agent profile "${profile.name}"`;
    this.profile = profile;
    this.size = agentTaskSize(profile, where);
    const trustedCa = interceptedRules(policy).length > 0 ? props.trustedCa : undefined;
    if (interceptedRules(policy).length > 0 && trustedCa === undefined) {
      throw new AgentWorkloadError(
        `${where}: the policy intercepts TLS, so the agent needs the private CA's certificate to trust the proxy. Fix: pass trustedCa (PolicyCa.trustedPem from loadPolicyCa); AgentPerimeter and the synth command do this.`,
      );
    }
    const retention = logRetention(policy.logging.retention_days);
    this.environment = {
      ...profile.environment,
      ...agentEnvironment(policy, props.proxyAddress, props.listenersOf ?? profile.name),
    };

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      encryptionKey: props.logKey,
      retention,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.executionRole = new iam.Role(this, 'ExecutionRole', {
      assumedBy: ecsTasksPrincipal(this),
      description: `Starts agent "${profile.name}" of ${policy.name}: pulls its image, writes its log.`,
    });
    this.executionPolicy = new iam.ManagedPolicy(this, 'ExecutionPolicy', {
      description: `Everything ECS needs to start agent "${profile.name}" of ${policy.name}, nothing else.`,
      roles: [this.executionRole],
      statements: executionPolicyStatements({
        logGroup: this.logGroup,
        repositoryArn: props.image.repositoryArn,
        pullThrough: props.image.pullThrough,
      }),
    });
    acknowledgeAgentEcrLogin(this.executionPolicy);

    const access = awsAccessStatements(this, profile, where);
    if (access.length > 0) {
      this.taskRole = new iam.Role(this, 'TaskRole', {
        assumedBy: ecsTasksPrincipal(this),
        description: `Agent "${profile.name}" of ${policy.name}: exactly the profile's aws_access.`,
      });
      this.taskPolicy = new iam.ManagedPolicy(this, 'TaskPolicy', {
        description: `aws_access of agent "${profile.name}" (${policy.name}): listed actions on listed resources only.`,
        roles: [this.taskRole],
        statements: access,
      });
    }

    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
      family: props.family ?? `agent-perimeter-${policy.name}-${profile.name}`,
      cpu: this.size.cpu,
      memoryLimitMiB: this.size.memoryMiB,
      ...(this.size.ephemeralStorageGiB === undefined
        ? {}
        : { ephemeralStorageGiB: this.size.ephemeralStorageGiB }),
      runtimePlatform: {
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
        cpuArchitecture: ecs.CpuArchitecture.X86_64,
      },
      ...(this.taskRole === undefined ? {} : { taskRole: this.taskRole }),
      // CDK's own grants (log writes) would land in an inline policy on top of the managed one.
      executionRole: this.executionRole.withoutPolicyUpdates(),
    });
    if (this.taskRole === undefined) removeTaskRole(this.taskDefinition);
    tagAgentResource(this.taskDefinition, policy, profile);
    acknowledge(
      this.taskDefinition.node.defaultChild as ecs.CfnTaskDefinition,
      'AwsSolutions-ECS2',
      "The agent's environment is how it finds the proxy (HTTP(S)_PROXY, NO_PROXY, base URLs such as ANTHROPIC_BASE_URL) plus the profile's plain settings; none is secret. A synth-time check rejects any value that looks like a credential, any credential variable name and any `secrets` entry on this task definition, even ones added after construction.",
    );

    const logging = ecs.LogDrivers.awsLogs({
      logGroup: this.logGroup,
      streamPrefix: AgentWorkload.LOG_STREAM_PREFIX,
      mode: ecs.AwsLogDriverMode.BLOCKING,
    });
    const image = ecs.ContainerImage.fromRegistry(props.image.imageUri);

    // Directories the run-once root container opens for the non-root user: the scratch
    // volumes, and the trust directory the (non-root) trust-files container writes into.
    const openPaths = [
      ...profile.scratch.map((s) => s.path),
      ...(trustedCa === undefined ? [] : [AGENT_TRUST_DIR]),
    ];
    const prepareScratch = (props.prepareScratch ?? true) && openPaths.length > 0;
    const initContainers = (prepareScratch ? 1 : 0) + (trustedCa === undefined ? 0 : 1);
    const initMemory = initContainers * INIT_CONTAINER_MEMORY_MIB;
    this.container = this.taskDefinition.addContainer('Agent', {
      containerName: AgentWorkload.CONTAINER_NAME,
      image,
      ...(profile.command === undefined ? {} : { command: [...profile.command] }),
      user: profile.user,
      // A hard limit per container (CT.ECS.PR.7): the agent may use the whole task's memory,
      // and the kernel kills it, not its neighbours, beyond that (C11).
      memoryLimitMiB: this.size.memoryMiB,
      // ECS wants the containers' reservations to fit the task: leave the init container's.
      ...(initMemory > 0 ? { memoryReservationMiB: this.size.memoryMiB - initMemory } : {}),
      readonlyRootFilesystem: true,
      privileged: false,
      linuxParameters: droppedCapabilities(this, 'LinuxParameters', true),
      essential: true,
      environment: { ...this.environment },
      ulimits: [
        {
          name: ecs.UlimitName.NPROC,
          softLimit: profile.pids_limit,
          hardLimit: profile.pids_limit,
        },
      ],
      dockerLabels: { 'agent-perimeter.profile': profile.name },
      logging,
    });

    profile.scratch.forEach((scratch, j) => {
      const name = `scratch-${j}`;
      // No `host`: a bind mount on the task's ephemeral storage, gone when the task stops.
      this.taskDefinition.addVolume({ name });
      this.container.addMountPoints({
        sourceVolume: name,
        containerPath: scratch.path,
        readOnly: false,
      });
    });

    if (prepareScratch) {
      // chmod needs a few MiB; it exits before the agent starts, so its reservation is
      // taken out of the agent's share only while both are counted.
      const scratchContainer = addInitContainer(this, this.taskDefinition, 'ScratchPermissions', {
        containerName: AgentWorkload.SCRATCH_CONTAINER_NAME,
        image,
        // uid 0 owns the fresh volumes, so it may chmod them without any capability.
        user: '0:0',
        entryPoint: ['chmod'],
        command: ['1777', ...openPaths],
        dockerLabels: { 'agent-perimeter.role': 'scratch-permissions' },
        logging,
        before: this.container,
      });
      profile.scratch.forEach((scratch, j) => {
        scratchContainer.addMountPoints({
          sourceVolume: `scratch-${j}`,
          containerPath: scratch.path,
          readOnly: false,
        });
      });
      if (trustedCa !== undefined) {
        this.taskDefinition.addVolume({ name: TRUST_VOLUME });
        scratchContainer.addMountPoints({
          sourceVolume: TRUST_VOLUME,
          containerPath: AGENT_TRUST_DIR,
          readOnly: false,
        });
      }
      acknowledge(
        this.taskDefinition.node.defaultChild as ecs.CfnTaskDefinition,
        `AgentPerimeter-AgentTaskNonRootUser[${AgentWorkload.SCRATCH_CONTAINER_NAME}]`,
        'Fargate creates scratch volumes owned by root with mode 0755, so one run-once init container runs as uid 0 to chmod them for the non-root agent user. It has every capability dropped, a read-only root filesystem, no environment, a fixed command from the template, is not essential, and exits before the agent container starts (dependsOn SUCCESS). The agent container itself runs as the policy user.',
      );
      acknowledgeControlTower(
        this.taskDefinition.node.defaultChild as ecs.CfnTaskDefinition,
        CONTROL_TOWER_RULES.ecsNonRootUser,
        'The run-once scratch init container runs as uid 0 to chmod the root-owned Fargate volumes for the non-root agent user (every capability dropped, read-only root, fixed command, exits before the agent starts). The landing-zone setting drops it: images then declare their scratch paths as VOLUMEs owned by the agent user.',
      );
      this.scratchContainer = scratchContainer;
    }

    this.trustContainer =
      trustedCa === undefined
        ? undefined
        : this.addTrustFiles(trustedCa, image, logging, profile.user, prepareScratch);

    guardAgentTaskDefinition(this, this.taskDefinition, {
      agentContainerName: AgentWorkload.CONTAINER_NAME,
      taskRoleAllowed: this.taskRole !== undefined,
    });

    const subnetIds = props.subnets.map((s) => s.subnetId);
    this.runTaskCommand = runTaskCommand({
      cluster: props.cluster.clusterName,
      taskDefinition: this.taskDefinition.family,
      subnetIds,
      securityGroupId: props.securityGroup.securityGroupId,
    });

    if (profile.service !== undefined) {
      this.service = new ecs.FargateService(this, 'Service', {
        ...SERVICE_SETTINGS,
        cluster: props.cluster,
        taskDefinition: this.taskDefinition,
        desiredCount: profile.service.desired_count,
        vpcSubnets: { subnets: [...props.subnets] },
        securityGroups: [props.securityGroup],
      });
      tagAgentResource(this.service, policy, profile);
      // Tasks must not start before their execution role can pull the image.
      this.service.node.addDependency(this.executionPolicy);
    }
  }

  /**
   * The trust files of intercepted hosts on Fargate, which cannot mount a file from the
   * template: a run-once, non-root init container of the agent's own image (already pulled;
   * the agent subnets reach no other registry) writes `ca.crt` from its environment (public
   * certificates only) and `bundle.crt` (the image's system roots plus the CA) into an
   * ephemeral volume, which the agent mounts read-only at AGENT_TRUST_DIR once it exited 0.
   * Fargate creates the volume owned by root with mode 0755: the scratch-permissions
   * container opens it first, or (without it) the image declares the path as a VOLUME owned by
   * its user. The image needs /bin/sh, cat, chmod and mv.
   */
  private addTrustFiles(
    trustedCa: string,
    image: ecs.ContainerImage,
    logging: ecs.LogDriver,
    user: string,
    opened: boolean,
  ): ecs.ContainerDefinition {
    if (!opened) this.taskDefinition.addVolume({ name: TRUST_VOLUME });
    const trust = addInitContainer(this, this.taskDefinition, 'TrustFiles', {
      containerName: AgentWorkload.TRUST_CONTAINER_NAME,
      image,
      user,
      entryPoint: ['/bin/sh', '-c', trustFilesScript(AGENT_TRUST_DIR)],
      environment: { [TRUSTED_CA_VARIABLE]: trustedCa },
      dockerLabels: { 'agent-perimeter.role': 'trust-files' },
      logging,
      before: this.container,
    });
    trust.addMountPoints({
      sourceVolume: TRUST_VOLUME,
      containerPath: AGENT_TRUST_DIR,
      readOnly: false,
    });
    if (this.scratchContainer !== undefined) runsAfter(trust, this.scratchContainer);
    this.container.addMountPoints({
      sourceVolume: TRUST_VOLUME,
      containerPath: AGENT_TRUST_DIR,
      readOnly: true,
    });
    return trust;
  }
}

/** Tags an agent's task definition or service with its tier, its profile and its policy. */
function tagAgentResource(scope: IConstruct, policy: Policy, profile: AgentProfile): void {
  tagTier(scope, Tier.AGENT);
  Tags.of(scope).add(AGENT_PROFILE_TAG_KEY, profile.name);
  Tags.of(scope).add(POLICY_TAG_KEY, policy.name);
}

/** The task volume that holds the trust files (ephemeral; the agent mounts it read-only). */
const TRUST_VOLUME = 'agent-trust';

/**
 * A task definition without a task role: CDK always creates one, so remove it and its
 * reference. The task metadata endpoint then has no credentials to hand the agent.
 */
function removeTaskRole(taskDefinition: ecs.TaskDefinition): void {
  const cfn = taskDefinition.node.defaultChild as ecs.CfnTaskDefinition;
  cfn.taskRoleArn = undefined;
  taskDefinition.node.tryRemoveChild('TaskRole');
}
