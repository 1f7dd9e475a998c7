import { Annotations, Duration, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { agentEnvironment } from '../../lib/agent-env.js';
import type { PolicyCa } from '../../lib/ca/policy-ca.js';
import {
  type ExpectedProxy,
  PROXY_CONFIG_DIGEST_ENV,
  proxyConfigDigest,
} from '../../lib/contract/proxy-identity.js';
import type { JsonObject } from '../../lib/json.js';
import {
  BEDROCK_INVOKE_ACTIONS,
  bedrockResourceArns,
  deploymentGaps,
  type Policy,
  type ProxyPorts,
  proxyCpuArchitecture,
  proxyModelAccess,
  proxyPorts,
} from '../../lib/policy/index.js';
import { CA_CERT_VARIABLE, CA_KEY_VARIABLE, LEAF_DIR } from '../../lib/proxy-contract.js';
import {
  intercepts,
  launcherLeaves,
  proxyCredentialInputs,
} from '../../lib/proxy-launch-inputs.js';
import { stopTimeoutSeconds } from '../../lib/proxy-launcher.js';
import { SERVICE_SETTINGS } from '../fargate-service.js';
import {
  addInitContainer,
  droppedCapabilities,
  INIT_CONTAINER_MEMORY_MIB,
} from '../hardened-containers.js';
import { checkImageEnvironment } from '../image-environment.js';
import { acknowledge, acknowledgeControlTower, CONTROL_TOWER_RULES } from '../nag.js';
import { POLICY_TAG_KEY, Tier, tagTier } from '../network/tags.js';
import { ecsTasksPrincipal, type ImageRepository } from '../task-execution.js';
import { EnvoyConfigObject } from './config-object.js';
import {
  type ConfigDelivery,
  configDelivery,
  ENVOY_USER,
  envoyCommand,
  envoyEntrypoint,
} from './envoy-command.js';
import { ProxyTierError } from './errors.js';
import { acknowledgeProxyEcrLogin, executionPolicyStatements } from './execution-role.js';
import { fargateTaskSize } from './fargate-size.js';
import { type EcrRepositoryRef, proxyImageCachePrefix, proxyImageSource } from './image.js';
import { ProxyImageCache } from './image-cache.js';
import { createLoadBalancer, type LoadBalancerAccessLogs } from './load-balancer.js';
import { logRetention } from './retention.js';

export interface ProxyTierProps {
  /** The validated policy: image, ports, size, replicas, credentials and log retention. */
  readonly policy: Policy;
  readonly vpc: ec2.IVpc;
  /** Subnets for the Envoy tasks and the internal NLB: private, with a NAT route out. */
  readonly subnets: ec2.SubnetSelection;
  /**
   * Security group of the Envoy tasks. The network construct owns its rules; the proxy tier
   * adds none. It must admit `loadBalancerSecurityGroup` on `ports.container` and allow
   * egress to the allowlisted ports (and DNS).
   */
  readonly securityGroup: ec2.ISecurityGroup;
  /**
   * Security group of the internal NLB. It must admit the agents on `ports.agentFacing` and
   * allow egress to `securityGroup` on `ports.container` (health checks obey egress rules).
   */
  readonly loadBalancerSecurityGroup: ec2.ISecurityGroup;
  /** KMS key for the Envoy log group; its key policy must let CloudWatch Logs use it. */
  readonly logKey: kms.IKey;
  /**
   * The Envoy bootstrap rendered from `policy` (`renderCheckedProxyConfig` in `proxy/`).
   * It is passed in rather than rendered here so `cdk/` does not depend on the renderer.
   */
  readonly envoyConfig: JsonObject;
  /**
   * Cluster to run the service in; it should have Container Insights on.
   * @default - a new cluster in `vpc` with Container Insights
   */
  readonly cluster?: ecs.ICluster;
  /**
   * The secret behind each inject `secret` name in the policy, keyed by that name. Pass
   * secrets with their full ARN or their customer-managed KMS key so the execution role can be
   * scoped to them exactly. Must cover every inject secret and nothing else.
   * @default - each secret looked up by name with `Secret.fromSecretNameV2`
   */
  readonly secrets?: Readonly<Record<string, secretsmanager.ISecret>>;
  /**
   * How long a task stopped by a deploy or scale-in keeps serving open connections (model
   * responses stream for minutes, CONNECT tunnels last up to the policy's
   * `max_tunnel_duration_s`) before the NLB resets them. Longer drains only slow deploys.
   * @default ProxyTier.DEFAULT_DRAIN_TIME (2 minutes)
   */
  readonly drainTime?: Duration;
  /**
   * Protect the NLB from deletion. Off by default because it makes `cdk destroy` fail; turn
   * it on in production if your change process wants it.
   * @default false
   */
  readonly deletionProtection?: boolean;
  /**
   * Write the NLB's access logs to a bucket of the landing zone (only TLS listeners produce
   * entries, and these are TCP, so today this only satisfies CT.ELASTICLOADBALANCING.PR.6;
   * Envoy's access log is the request record).
   * @default - no NLB access logs
   */
  readonly accessLogs?: LoadBalancerAccessLogs;
  /**
   * CPU utilisation the service scales out above and in below.
   * @default ProxyTier.DEFAULT_CPU_TARGET_PERCENT (50)
   */
  readonly cpuTargetPercent?: number;
  /**
   * The policy's private CA (public certificates only, `loadPolicyCa`), required when an
   * egress entry has `tls: intercept`. The proxy gets the certificate as plain environment
   * and the key from the secret `proxy.interception.ca_secret`.
   * @default - none; a policy that intercepts is refused without it
   */
  readonly ca?: PolicyCa;
  /**
   * The secret holding the CA key (`proxy.interception.ca_secret`). Pass it with its full ARN
   * or customer-managed KMS key so the execution role is scoped to it exactly.
   * @default - looked up by name with `Secret.fromSecretNameV2`
   */
  readonly caKeySecret?: secretsmanager.ISecret;
  /**
   * The Docker Hub login ECR's pull-through cache uses for a Docker Hub proxy image
   * (`proxy.registry_credential_secret`, a secret whose name starts with
   * `ecr-pullthroughcache/`). Pass it with its full ARN when you have it.
   * @default - looked up by name with `Secret.fromSecretNameV2`; unused for other registries
   */
  readonly registryCredential?: secretsmanager.ISecret;
}

/**
 * The Envoy proxy tier on ECS Fargate: the only way out of the perimeter. Agents reach it
 * through an internal NLB (`address`); it allowlists destinations, injects credentials read
 * from Secrets Manager, and logs every request as JSON to a KMS-encrypted log group.
 */
export class ProxyTier extends Construct {
  /** @see ProxyTierProps.drainTime */
  static readonly DEFAULT_DRAIN_TIME = Duration.minutes(2);
  /** @see ProxyTierProps.cpuTargetPercent */
  static readonly DEFAULT_CPU_TARGET_PERCENT = 50;
  /** Name of the Envoy container in the task definition. */
  static readonly CONTAINER_NAME = 'envoy';
  /** Name of the init container that makes the certificate directory writable for Envoy. */
  static readonly LEAF_PERMISSIONS_CONTAINER_NAME = 'leaf-permissions';

  readonly cluster: ecs.ICluster;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly container: ecs.ContainerDefinition;
  readonly service: ecs.FargateService;
  readonly loadBalancer: elbv2.NetworkLoadBalancer;
  /** One TCP listener per agent-facing port, keyed by port. */
  readonly listeners: Readonly<Record<number, elbv2.NetworkListener>>;
  /** One IP target group per agent-facing port, keyed by port. */
  readonly targetGroups: Readonly<Record<number, elbv2.NetworkTargetGroup>>;
  readonly logGroup: logs.LogGroup;
  /** The secret behind each inject secret name; only the execution role may read them. */
  readonly secrets: Readonly<Record<string, secretsmanager.ISecret>>;
  /** The secret holding the private CA's key; only with intercepted hosts. */
  readonly caKeySecret: secretsmanager.ISecret | undefined;
  /** The run-once init container of an intercepting proxy; else undefined. */
  readonly leafPermissionsContainer: ecs.ContainerDefinition | undefined;
  /**
   * The pull-through cache rule and repository the proxy image comes through; undefined when
   * `proxy.image` is already in private ECR.
   */
  readonly imageCache: ProxyImageCache | undefined;
  /** The image reference the task definition pulls: always this account's or the mirror's ECR. */
  readonly imageUri: string;
  /** Used by ECS to start tasks: log writes, the inject secrets, the image pull. */
  readonly executionRole: iam.Role;
  /** The execution role's only permissions. */
  readonly executionPolicy: iam.ManagedPolicy;
  /**
   * The role Envoy runs as. No permissions, except with Bedrock model access (signed by the
   * proxy): `modelPolicy`.
   */
  readonly taskRole: iam.Role;
  /** InvokeModel(WithResponseStream) on exactly the policy's Bedrock ARNs; else undefined. */
  readonly modelPolicy: iam.ManagedPolicy | undefined;
  /** Task-count scaling between the policy's replicas, with a CPU target-tracking policy. */
  readonly scaling: ecs.ScalableTaskCount;
  /** DNS name of the internal NLB (a token): the proxy host agents use. */
  readonly address: string;
  /** What an agent needs to go through this proxy: HTTP(S)_PROXY, base URLs, NO_PROXY. */
  readonly agentEnvironment: Readonly<Record<string, string>>;
  readonly ports: ProxyPorts;
  /** The image and config the containment verifier expects the proxy tasks to run. */
  readonly expectedProxy: ExpectedProxy;
  /**
   * How the config reaches Envoy: `inline` in the task definition when it fits, else `s3`
   * (`configObject`, fetched by the launcher and checked against the pinned sha256).
   */
  readonly configDelivery: ConfigDelivery;
  /** The uploaded config and the task role's read of it; undefined when inline. */
  readonly configObject: EnvoyConfigObject | undefined;
  /** The task role's GetObject on `configObject`; undefined when inline. */
  readonly configPolicy: iam.ManagedPolicy | undefined;

  constructor(scope: Construct, id: string, props: ProxyTierProps) {
    super(scope, id);
    const { policy } = props;
    const proxy = policy.proxy;
    this.expectedProxy = {
      image: proxy.image,
      configDigest: proxyConfigDigest(props.envoyConfig),
    };

    // Every input check runs before any cloud resource is defined.
    const [gap] = deploymentGaps(policy, 'aws');
    if (gap !== undefined) throw new ProxyTierError(gap);
    if (proxyModelAccess(policy).provider === 'vertex') {
      throw new ProxyTierError(
        'model_access.provider is "vertex": the proxy mints Vertex AI tokens from a GCP service account through the metadata server, which an AWS proxy does not have. Fix: deploy this policy on GCP (pulumi up), or use provider "bedrock" on AWS.',
      );
    }
    if (proxy.credentials_from !== 'env') {
      throw new ProxyTierError(
        `proxy.credentials_from "${proxy.credentials_from}" is not supported on AWS Fargate yet: ECS hands Secrets Manager values to containers as environment variables only. Fix: set proxy.credentials_from to "env" (the value is still fetched by ECS at task start and never appears in the task definition).`,
      );
    }
    if (proxy.replicas.min > proxy.replicas.max) {
      throw new ProxyTierError(
        `proxy.replicas.min (${proxy.replicas.min}) is greater than proxy.replicas.max (${proxy.replicas.max}). Fix: make min <= max.`,
      );
    }
    const intercepting = intercepts(policy);
    if (intercepting && props.ca === undefined) {
      throw new ProxyTierError(
        'the policy intercepts TLS (an egress entry has tls: "intercept") but the proxy tier got no CA. Fix: pass `ca: loadPolicyCa(policy, policyFile, name)` (AgentPerimeter and the synth command do this).',
      );
    }
    const cpuTarget = props.cpuTargetPercent ?? ProxyTier.DEFAULT_CPU_TARGET_PERCENT;
    if (!(cpuTarget >= 10 && cpuTarget <= 90)) {
      throw new ProxyTierError(
        `cpuTargetPercent ${cpuTarget} is outside 10-90. Fix: pick a utilisation that leaves headroom for bursts, e.g. ${ProxyTier.DEFAULT_CPU_TARGET_PERCENT}.`,
      );
    }
    const size = fargateTaskSize(proxy.cpu, proxy.memory_mib);
    const imageSource = proxyImageSource(proxy.image);
    if (imageSource.kind === 'private-ecr')
      checkProxyImageEnvironment(this, imageSource.repository);
    const retention = logRetention(policy.logging.retention_days);
    this.ports = proxyPorts(policy);
    const access = proxyModelAccess(policy);
    const bedrock = access.provider === 'bedrock' ? access : undefined;
    const apiKeySecret = bedrock?.api_key_secret;
    // Every credential variable of the container, the secret behind it, and the header
    // values the launcher composes (bearer, basic, the Bedrock API key).
    const inputs = proxyCredentialInputs(policy, 'env');
    const secretNames = [...new Set(inputs.secrets.map((s) => s.secret))];
    this.secrets = resolveSecrets(this, secretNames, props.secrets);
    const ca = intercepting ? props.ca : undefined;
    const caEnvironment: Record<string, string> =
      ca === undefined ? {} : { [CA_CERT_VARIABLE]: ca.certificatePem };
    this.caKeySecret =
      ca === undefined
        ? undefined
        : (props.caKeySecret ??
          secretsmanager.Secret.fromSecretNameV2(this, 'CaKeySecret', ca.keySecret));
    const leaves = launcherLeaves(policy, {
      key: { env: CA_KEY_VARIABLE },
      certificate: { env: CA_CERT_VARIABLE },
    });
    const extraBytes =
      ca === undefined ? 0 : Buffer.byteLength(JSON.stringify(caEnvironment)) + 1024;
    this.configDelivery = configDelivery(props.envoyConfig, intercepting, extraBytes);
    this.configObject =
      this.configDelivery === 's3'
        ? new EnvoyConfigObject(this, 'EnvoyConfig', JSON.stringify(props.envoyConfig))
        : undefined;
    const command = envoyCommand(policy, props.envoyConfig, {
      credentials: inputs,
      ...(this.configObject === undefined
        ? {}
        : { s3: { url: this.configObject.url, region: Stack.of(this).region } }),
      ...(leaves === undefined ? {} : { leaves }),
      // The certificate in the environment, and the init container beside Envoy.
      extraBytes,
    });
    if (proxy.replicas.min < 2) {
      Annotations.of(this).addWarningV2(
        'agent-perimeter:proxy-single-replica',
        `proxy.replicas.min is ${proxy.replicas.min}: one Envoy task is one AZ and every deploy or task failure cuts agents off. Set it to 2 or more for production.`,
      );
    }

    Tags.of(this).add(POLICY_TAG_KEY, policy.name);
    tagTier(this, Tier.PROXY);

    this.cluster =
      props.cluster ??
      new ecs.Cluster(this, 'Cluster', {
        vpc: props.vpc,
        containerInsightsV2: ecs.ContainerInsights.ENABLED,
      });

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      encryptionKey: props.logKey,
      retention,
      // The audit trail outlives the stack (C21); delete it deliberately, not by `cdk destroy`.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const signs = bedrock !== undefined && apiKeySecret === undefined;
    this.taskRole = new iam.Role(this, 'TaskRole', {
      assumedBy: ecsTasksPrincipal(this),
      description: [
        signs
          ? `Envoy proxy of ${policy.name}: signs Bedrock calls; may invoke exactly the models of model_access.`
          : `Envoy proxy of ${policy.name}: deliberately no permissions, Envoy calls no AWS API.`,
        this.configObject === undefined
          ? ''
          : ' The launcher reads the rendered config object at start.',
      ].join(''),
    });
    this.configPolicy =
      this.configObject === undefined
        ? undefined
        : new iam.ManagedPolicy(this, 'ConfigPolicy', {
            description: `The rendered Envoy config of ${policy.name}, read by its launcher at start; nothing else.`,
            roles: [this.taskRole],
            statements: [this.configObject.readStatement()],
          });
    if (signs) {
      const stack = Stack.of(this);
      this.modelPolicy = new iam.ManagedPolicy(this, 'ModelPolicy', {
        description: `Bedrock models the Envoy proxy of ${policy.name} may invoke for its agents, nothing else.`,
        roles: [this.taskRole],
        statements: [
          new iam.PolicyStatement({
            sid: 'InvokePolicyModels',
            actions: [...BEDROCK_INVOKE_ACTIONS],
            resources: bedrockResourceArns(bedrock, {
              partition: stack.partition,
              account: stack.account,
            }),
          }),
        ],
      });
    }
    this.executionRole = new iam.Role(this, 'ExecutionRole', {
      assumedBy: ecsTasksPrincipal(this),
      description: `Starts the Envoy proxy of ${policy.name}: writes its log, reads its ${secretNames.length} injected secret(s)${this.caKeySecret === undefined ? '' : ' and its CA key'}.`,
    });
    let imageRepository: ImageRepository;
    if (imageSource.kind === 'pull-through') {
      const credential =
        imageSource.upstream !== 'docker-hub'
          ? undefined
          : (props.registryCredential ??
            secretsmanager.Secret.fromSecretNameV2(
              this,
              'RegistryCredential',
              proxy.registry_credential_secret,
            ));
      this.imageCache = new ProxyImageCache(this, 'ImageCache', {
        source: imageSource,
        prefix: proxyImageCachePrefix(policy.name),
        credential,
      });
      this.imageUri = this.imageCache.imageUri;
      imageRepository = { arn: this.imageCache.repository.repositoryArn, pullThrough: true };
    } else {
      // The documented mirror step: the image is already in private ECR.
      const { account, region, repositoryName } = imageSource.repository;
      this.imageCache = undefined;
      this.imageUri = proxy.image;
      imageRepository = {
        arn: Stack.of(this).formatArn({
          service: 'ecr',
          account,
          region,
          resource: 'repository',
          resourceName: repositoryName,
        }),
        pullThrough: false,
      };
    }
    this.executionPolicy = new iam.ManagedPolicy(this, 'ExecutionPolicy', {
      description: `Everything ECS needs to start the Envoy proxy of ${policy.name}, nothing else.`,
      roles: [this.executionRole],
      statements: executionPolicyStatements({
        logGroup: this.logGroup,
        secrets: secretNames.map((name) => this.secrets[name] as secretsmanager.ISecret),
        ...(this.caKeySecret === undefined ? {} : { caKey: this.caKeySecret }),
        imageRepository,
      }),
    });
    acknowledgeProxyEcrLogin(this.executionPolicy);

    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
      cpu: size.cpu,
      memoryLimitMiB: size.memoryMiB,
      runtimePlatform: {
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
        // Lean: Graviton, about 20% cheaper per vCPU-hour (the Envoy image is multi-arch).
        cpuArchitecture:
          proxyCpuArchitecture(policy.deployment.profile) === 'arm64'
            ? ecs.CpuArchitecture.ARM64
            : ecs.CpuArchitecture.X86_64,
      },
      taskRole: this.taskRole,
      // CDK's own grants (log writes, secret reads) would land in an inline policy on top of
      // `executionPolicy`, which already holds exactly those permissions.
      executionRole: this.executionRole.withoutPolicyUpdates(),
    });
    // The image URI names the cache repository by text, so the order is explicit.
    if (this.imageCache !== undefined) this.taskDefinition.node.addDependency(this.imageCache);

    const maxConnections = proxy.limits.max_connections;
    // Each tunnel holds two descriptors (agent side and upstream side), plus headroom.
    const nofile = Math.min(1_048_576, Math.max(65_535, maxConnections * 2 + 4096));

    this.container = this.taskDefinition.addContainer('Envoy', {
      containerName: ProxyTier.CONTAINER_NAME,
      image: ecs.ContainerImage.fromRegistry(this.imageUri),
      entryPoint: envoyEntrypoint(intercepting, this.configObject !== undefined),
      command,
      // The launcher refuses a fetched config whose sha256 is not this one; a config change
      // is a new task definition revision, so the service rolls.

      user: ENVOY_USER,
      // A hard limit (CT.ECS.PR.7): Envoy may use the task's memory, never more.
      memoryLimitMiB: size.memoryMiB,
      // ECS wants the reservations to fit the task: leave the init container's.
      ...(ca === undefined
        ? {}
        : { memoryReservationMiB: size.memoryMiB - INIT_CONTAINER_MEMORY_MIB }),
      ...(ca === undefined && this.configObject === undefined
        ? {}
        : {
            environment: {
              ...caEnvironment,
              ...(this.configObject === undefined
                ? {}
                : { [PROXY_CONFIG_DIGEST_ENV]: this.expectedProxy.configDigest }),
            },
          }),
      readonlyRootFilesystem: true,
      privileged: false,
      linuxParameters: droppedCapabilities(this, 'LinuxParameters', true),
      essential: true,
      // The launcher drains for proxy.limits.drain_timeout_s on SIGTERM; ECS waits a little
      // longer before it kills the container.
      stopTimeout: Duration.seconds(stopTimeoutSeconds(proxy.limits.drain_timeout_s)),
      ulimits: [{ name: ecs.UlimitName.NOFILE, softLimit: nofile, hardLimit: nofile }],
      portMappings: this.ports.container.map((containerPort) => ({
        containerPort,
        protocol: ecs.Protocol.TCP,
      })),
      secrets: {
        ...Object.fromEntries(
          inputs.secrets.map(({ variable, secret }) => [
            variable,
            ecs.Secret.fromSecretsManager(this.secrets[secret] as secretsmanager.ISecret),
          ]),
        ),
        ...(this.caKeySecret === undefined
          ? {}
          : { [CA_KEY_VARIABLE]: ecs.Secret.fromSecretsManager(this.caKeySecret) }),
      },
      logging: ecs.LogDrivers.awsLogs({
        logGroup: this.logGroup,
        streamPrefix: 'envoy',
        // The access log is the audit trail: back-pressure rather than drop lines.
        mode: ecs.AwsLogDriverMode.BLOCKING,
      }),
    });

    this.leafPermissionsContainer =
      ca === undefined ? undefined : this.addLeafDirectory(this.imageUri);
    // CDK cannot see that the image is in ECR with its pull already granted.
    for (const container of [this.container, this.leafPermissionsContainer]) {
      if (container === undefined) continue;
      Annotations.of(container).acknowledgeWarning(
        '@aws-cdk/aws-ecs:ecrImageRequiresPolicy',
        'The execution policy grants the pull on exactly this image repository (PullEnvoyImage).',
      );
    }

    this.service = new ecs.FargateService(this, 'Service', {
      ...SERVICE_SETTINGS,
      cluster: this.cluster,
      taskDefinition: this.taskDefinition,
      desiredCount: proxy.replicas.min,
      vpcSubnets: props.subnets,
      securityGroups: [props.securityGroup],
      healthCheckGracePeriod: Duration.seconds(60),
      availabilityZoneRebalancing: ecs.AvailabilityZoneRebalancing.ENABLED,
    });
    // Tasks must not start before their execution role can read the secrets.
    this.service.node.addDependency(this.executionPolicy);
    if (this.configPolicy !== undefined) this.service.node.addDependency(this.configPolicy);
    // With interception the CA's acknowledgement below covers the variable (one per rule).
    if (this.configPolicy !== undefined && ca === undefined) {
      acknowledge(
        this.taskDefinition.node.defaultChild as ecs.CfnTaskDefinition,
        'AwsSolutions-ECS2',
        `${PROXY_CONFIG_DIGEST_ENV} is the only variable set directly: the sha256 the launcher checks the fetched Envoy config against, a public pin rather than a secret, and it must be in the task definition so a config change rolls the service. Credentials come from Secrets Manager.`,
      );
    }

    const lb = createLoadBalancer(this, {
      vpc: props.vpc,
      subnets: props.subnets,
      securityGroup: props.loadBalancerSecurityGroup,
      ports: this.ports,
      idleTimeoutSeconds: proxy.limits.idle_timeout_s,
      drainTime: props.drainTime ?? ProxyTier.DEFAULT_DRAIN_TIME,
      deletionProtection: props.deletionProtection ?? false,
      ...(props.accessLogs === undefined ? {} : { accessLogs: props.accessLogs }),
    });
    this.loadBalancer = lb.loadBalancer;
    this.listeners = lb.listeners;
    this.targetGroups = lb.targetGroups;
    for (const [port, targetGroup] of Object.entries(this.targetGroups)) {
      targetGroup.addTarget(
        this.service.loadBalancerTarget({
          containerName: ProxyTier.CONTAINER_NAME,
          containerPort: Number(port),
        }),
      );
    }

    this.scaling = this.service.autoScaleTaskCount({
      minCapacity: proxy.replicas.min,
      maxCapacity: proxy.replicas.max,
    });
    this.scaling.scaleOnCpuUtilization('Cpu', {
      targetUtilizationPercent: cpuTarget,
      scaleOutCooldown: Duration.minutes(1),
      // Scale-in drains a task's long-lived connections; do it slowly.
      scaleInCooldown: Duration.minutes(5),
    });

    this.address = this.loadBalancer.loadBalancerDnsName;
    this.agentEnvironment = agentEnvironment(policy, this.address);
  }

  /**
   * The writable certificate directory of an intercepting proxy: a task volume on ephemeral
   * storage (the root filesystem stays read-only; Fargate has no tmpfs) mounted at LEAF_DIR,
   * gone with the task. Fargate creates it owned by root with mode 0755, so a run-once init
   * container opens it for Envoy's uid 101 before Envoy starts; the launcher writes its keys
   * with umask 077. No other container of the task mounts it.
   */
  private addLeafDirectory(image: string): ecs.ContainerDefinition {
    const volume = 'leaf-certificates';
    this.taskDefinition.addVolume({ name: volume });
    this.container.addMountPoints({
      sourceVolume: volume,
      containerPath: LEAF_DIR,
      readOnly: false,
    });
    const init = addInitContainer(this, this.taskDefinition, 'LeafPermissions', {
      containerName: ProxyTier.LEAF_PERMISSIONS_CONTAINER_NAME,
      image: ecs.ContainerImage.fromRegistry(image),
      // uid 0 owns the fresh volume, so it may chmod it without any capability.
      user: '0:0',
      entryPoint: ['chmod'],
      command: ['1777', LEAF_DIR],
      logging: ecs.LogDrivers.awsLogs({
        logGroup: this.logGroup,
        streamPrefix: 'leaf-permissions',
        mode: ecs.AwsLogDriverMode.BLOCKING,
      }),
      before: this.container,
    });
    init.addMountPoints({ sourceVolume: volume, containerPath: LEAF_DIR, readOnly: false });
    const cfn = this.taskDefinition.node.defaultChild as ecs.CfnTaskDefinition;
    acknowledgeControlTower(
      cfn,
      CONTROL_TOWER_RULES.ecsNonRootUser,
      "The run-once leaf-permissions init container runs as uid 0 to chmod the root-owned Fargate volume where the launcher writes the intercepted hosts' certificates (every capability dropped, read-only root, no environment, fixed command, not essential, exits before Envoy starts). Envoy itself runs as uid 101. The landing-zone setting refuses interception instead.",
    );
    acknowledge(
      cfn,
      'AwsSolutions-ECS2',
      `The Envoy container's only plain environment variable is ${CA_CERT_VARIABLE}: the private CA's public certificate, which agents get too. The CA key comes from Secrets Manager (the task's secrets), never from the template.`,
    );
    return init;
  }
}

/** A private ECR proxy image: see {@link checkImageEnvironment}. */
function checkProxyImageEnvironment(scope: Construct, repository: EcrRepositoryRef): void {
  checkImageEnvironment(scope, repository, {
    where: 'proxy.image',
    who: 'The proxy',
    warningId: 'agent-perimeter:proxy-image-account',
    refuse: (mismatch) =>
      new ProxyTierError(
        `proxy.image is in ${mismatch}. The proxy pulls through this VPC's ECR endpoint, whose policy admits this account's repositories in this region only. Fix: copy the image into ECR in the stack's account and region (crane copy, or ECR replication) and use that URI.`,
      ),
  });
}

function resolveSecrets(
  scope: Construct,
  names: readonly string[],
  given: Readonly<Record<string, secretsmanager.ISecret>> | undefined,
): Record<string, secretsmanager.ISecret> {
  if (given !== undefined) {
    const missing = names.filter((n) => given[n] === undefined);
    const extra = Object.keys(given).filter((n) => !names.includes(n));
    if (missing.length > 0 || extra.length > 0) {
      const problems = [
        missing.length > 0 ? `missing ${missing.map((n) => `"${n}"`).join(', ')}` : '',
        extra.length > 0
          ? `not used by any inject entry: ${extra.map((n) => `"${n}"`).join(', ')}`
          : '',
      ].filter((p) => p !== '');
      throw new ProxyTierError(
        `the secrets prop must map exactly the policy's inject secret names (${names.map((n) => `"${n}"`).join(', ') || 'none'}); ${problems.join('; ')}. Fix: pass one ISecret per inject secret name and nothing else, so the execution role can read only those.`,
      );
    }
    return Object.fromEntries(names.map((n) => [n, given[n] as secretsmanager.ISecret]));
  }
  return Object.fromEntries(
    names.map((name) => [
      name,
      secretsmanager.Secret.fromSecretNameV2(scope, `Secret-${name}`, name),
    ]),
  );
}
