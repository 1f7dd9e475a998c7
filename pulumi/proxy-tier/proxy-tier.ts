import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { agentEnvironment } from '../../lib/agent-env.js';
import { PROXY_COMPONENT_TYPE } from '../../lib/contract/tiers.js';
import type { JsonObject } from '../../lib/json.js';
import {
  type Policy,
  type ProxyPorts,
  proxyModelAccess,
  proxyPorts,
  VERTEX_PREDICT_PERMISSION,
  vertexModelResources,
} from '../../lib/policy/index.js';
import { HEALTH_PATH } from '../../lib/proxy-contract.js';
import { PROXY_TAG, resourceDescription } from '../names.js';
import { artifactRegistryRepository } from './boot.js';
import { type EgressPolicyPlan, planEgressPolicy } from './egress-policy.js';
import { proxyTierError } from './errors.js';
import {
  gcpProxyImageSource,
  gcpProxyPullImage,
  gcpProxyRegistryNames,
  REMOTE_UPSTREAMS,
  remoteRepositoryId,
} from './image.js';
import {
  AUTOHEALING_DELAY_S,
  CONNECTION_DRAINING_S,
  type ProxyTierPlan,
  type ProxyTierPlanOptions,
  planProxyTier,
} from './plan.js';

/** Arguments of {@link ProxyTier}. */
export interface ProxyTierArgs extends ProxyTierPlanOptions {
  /** The validated policy: image, ports, size, replicas and secrets. */
  readonly policy: Policy;
  /**
   * The Envoy bootstrap rendered from `policy` and validated (`renderCheckedProxyConfig` in
   * `proxy/`). Passed in so `pulumi/` does not depend on the renderer.
   */
  readonly envoyConfig: JsonObject;
  /** Project of the proxy's service account, IAM grants and secrets. */
  readonly project: pulumi.Input<string>;
  /** Region of the instance group and the internal load balancer. */
  readonly region: string;
  /** The VPC (id or self link); its firewall must admit what `AgentNetwork` admits. */
  readonly network: pulumi.Input<string>;
  /** The proxy subnet (id or self link): private, covered by Cloud NAT. */
  readonly subnetwork: pulumi.Input<string>;
  /** The load balancer's internal address, inside `subnetwork` (`AgentNetwork.proxyLoadBalancerIp`). */
  readonly loadBalancerIp: string;
  /**
   * Network tag of the instances: the one the default route and the proxy firewall rules use.
   * @default AgentNetwork.PROXY_TAG ("agent-perimeter-proxy")
   */
  readonly networkTag?: string;
  /**
   * Add the FQDN network firewall policy (Cloud NGFW Standard) as a second egress layer.
   * The VPC may have only one network firewall policy; turn this off if it already has one
   * and add the rules of `ProxyTier.egressPlan` to it.
   * @default true
   */
  readonly fqdnEgressPolicy?: boolean;
  /**
   * Concrete names for the policy's wildcard entries, so the FQDN layer can name them too,
   * e.g. { "*.githubusercontent.com": ["raw.githubusercontent.com"] }.
   * @default - none: wildcard entries are limited by port only in the FQDN layer
   */
  readonly wildcardHosts?: Readonly<Record<string, readonly string[]>>;
  /**
   * The Docker Hub login the remote repository fetches a Docker Hub proxy image with: the
   * username and the Secret Manager secret version holding its access token
   * (`projects/<project>/secrets/<name>/versions/<n>`). Artifact Registry's service agent
   * (`service-<project number>@gcp-sa-artifactregistry.iam.gserviceaccount.com`) must be able
   * to read that secret; the proxy's service account never does.
   * @default - anonymous pulls, under Docker Hub's lower rate limit
   */
  readonly dockerHubCredential?: {
    readonly username: string;
    readonly passwordSecretVersion: pulumi.Input<string>;
  };
}

/**
 * The Envoy proxy tier on Compute Engine: the only way out of the perimeter (controls C2,
 * C19, C20, C21). A regional managed instance group of Shielded Container-Optimized OS
 * instances with no external address and OS Login, running the pinned Envoy image with the
 * rendered config; credentials come from Secret Manager at boot, readable only by the tier's
 * service account. Agents reach it through an internal passthrough load balancer at
 * `address`; the group heals itself and scales between the policy's replica bounds.
 */
export class ProxyTier extends pulumi.ComponentResource {
  /** Roles of the proxy's service account on the project: logs and metrics, nothing else. */
  static readonly PROJECT_ROLES: readonly string[] = [
    'roles/logging.logWriter',
    'roles/monitoring.metricWriter',
  ];
  /** Granted on the Envoy image's Artifact Registry repository, when the image is in one. */
  static readonly IMAGE_ROLE = 'roles/artifactregistry.reader';
  /** The only role granted on each inject secret, to the proxy's service account only. */
  static readonly SECRET_ROLE = 'roles/secretmanager.secretAccessor';
  /** What the proxy's service account may do on its config bucket: read objects. */
  static readonly CONFIG_ROLE = 'roles/storage.objectViewer';
  /** Forwarding rules list at most this many ports; more use `allPorts`. */
  static readonly MAX_FORWARDING_RULE_PORTS = 5;

  readonly plan: ProxyTierPlan;
  readonly ports: ProxyPorts;
  readonly serviceAccount: gcp.serviceaccount.Account;
  /**
   * The Envoy config too large for instance metadata, in a bucket of its own that only the
   * proxy's service account reads (`plan.configObject`); undefined when it travels in the
   * boot document.
   */
  readonly config:
    | {
        readonly bucket: gcp.storage.Bucket;
        readonly object: gcp.storage.BucketObject;
        readonly reader: gcp.storage.BucketIAMMember;
      }
    | undefined;
  /** Project roles of the service account, by role. */
  readonly projectRoles: Readonly<Record<string, gcp.projects.IAMMember>>;
  /** Secret Manager grants, by secret name. */
  readonly secretAccess: Readonly<Record<string, gcp.secretmanager.SecretIamMember>>;
  /** Vertex AI model access: the one-permission custom role; undefined otherwise. */
  readonly modelRole: gcp.projects.IAMCustomRole | undefined;
  /** Its binding to the proxy's service account, conditioned on the listed models. */
  readonly modelAccess: gcp.projects.IAMMember | undefined;
  /**
   * The remote repository the Envoy image comes through when it is on Docker Hub, quay.io or
   * public.ecr.aws; undefined when it is already in Artifact Registry.
   */
  readonly imageRepository: gcp.artifactregistry.Repository | undefined;
  /** Pull access to the Envoy image's Artifact Registry repository, on that repository only. */
  readonly imageAccess: gcp.artifactregistry.RepositoryIamMember | undefined;
  readonly instanceTemplate: gcp.compute.InstanceTemplate;
  readonly loadBalancerHealthCheck: gcp.compute.RegionHealthCheck;
  readonly autohealingHealthCheck: gcp.compute.HealthCheck;
  readonly instanceGroupManager: gcp.compute.RegionInstanceGroupManager;
  readonly autoscaler: gcp.compute.RegionAutoscaler;
  readonly backendService: gcp.compute.RegionBackendService;
  readonly loadBalancerAddress: gcp.compute.Address;
  readonly forwardingRule: gcp.compute.ForwardingRule;
  /** The FQDN egress policy as data (also when the resources are off). */
  readonly egressPlan: EgressPolicyPlan;
  readonly egressPolicy: gcp.compute.NetworkFirewallPolicy | undefined;
  readonly egressPolicyRules: readonly gcp.compute.NetworkFirewallPolicyRule[];
  readonly egressPolicyAssociation: gcp.compute.NetworkFirewallPolicyAssociation | undefined;
  /** The proxy host agents use: the load balancer's address. */
  readonly address: pulumi.Output<string>;
  /** What an agent needs to go through this proxy (no secrets). */
  readonly agentEnvironment: pulumi.Output<Record<string, string>>;
  /** Things the deployer should know (e.g. wildcards the FQDN layer cannot name). */
  readonly warnings: readonly string[];

  constructor(name: string, args: ProxyTierArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(PROXY_COMPONENT_TYPE, name, {}, opts);
    const { policy, project, region } = args;
    // The VM never pulls from a public registry: the image's Artifact Registry path, which the
    // boot document names literally (the containment proof reads it).
    const imageSource = gcpProxyImageSource(policy.proxy.image);
    if (imageSource.kind === 'remote' && typeof project !== 'string') {
      throw proxyTierError(
        `project is not a plain string, but proxy.image "${policy.proxy.image}" comes through a remote repository whose path names the project in the boot document. Fix: pass the project id as a string, or mirror the image into Artifact Registry and write that URI as proxy.image.`,
      );
    }
    const pullImage =
      typeof project === 'string'
        ? gcpProxyPullImage(policy.proxy.image, { project, region, policyName: policy.name })
        : policy.proxy.image;
    const plan = planProxyTier(policy, args.envoyConfig, args, pullImage);
    this.plan = plan;
    this.ports = proxyPorts(policy);
    this.egressPlan = planEgressPolicy(policy, {
      registryNames: gcpProxyRegistryNames(policy.proxy.image, region),
      ...(args.wildcardHosts === undefined ? {} : { wildcardHosts: args.wildcardHosts }),
    });
    const warnings: string[] = [];
    const fqdnLayer = args.fqdnEgressPolicy ?? true;
    if (fqdnLayer && this.egressPlan.uncoveredWildcards.length > 0) {
      warnings.push(
        `the FQDN firewall layer cannot name ${this.egressPlan.uncoveredWildcards.map((w) => `"${w}"`).join(', ')} (FQDN objects take exact names), so it limits their ports only; Envoy still enforces the names. Add wildcardHosts to name them.`,
      );
    }
    this.warnings = warnings;
    const parent = { parent: this };
    const tag = args.networkTag ?? PROXY_TAG;
    const repository = artifactRegistryRepository(pullImage);

    this.serviceAccount = new gcp.serviceaccount.Account(
      `${name}-sa`,
      {
        project,
        accountId: plan.names.serviceAccount,
        displayName: `agent-perimeter ${policy.name} proxy`,
        description: `Envoy proxy of ${policy.name}: writes logs and metrics, reads its ${plan.secrets.length} inject secret(s)${repository === undefined ? '' : ' and pulls its image'}. Nothing else.`,
      },
      parent,
    );
    const member = this.serviceAccount.member;
    const configObject = plan.configObject;
    if (configObject === undefined) this.config = undefined;
    else {
      const bucket = new gcp.storage.Bucket(
        `${name}-config`,
        {
          project,
          name: configObject.bucket,
          location: region.toUpperCase(),
          uniformBucketLevelAccess: true,
          publicAccessPrevention: 'enforced',
          // Old objects stay for instances still booting from an older template.
          forceDestroy: true,
          labels: { ...plan.labels },
        },
        parent,
      );
      this.config = {
        bucket,
        object: new gcp.storage.BucketObject(
          `${name}-config-object`,
          {
            bucket: bucket.name,
            name: configObject.object,
            content: configObject.content,
            contentType: 'application/json',
          },
          parent,
        ),
        reader: new gcp.storage.BucketIAMMember(
          `${name}-config-reader`,
          { bucket: bucket.name, role: ProxyTier.CONFIG_ROLE, member },
          parent,
        ),
      };
    }
    this.projectRoles = Object.fromEntries(
      ProxyTier.PROJECT_ROLES.map((role) => [
        role,
        new gcp.projects.IAMMember(
          `${name}-${role
            .replace(/^roles\//, '')
            .replace(/\./g, '-')
            .toLowerCase()}`,
          { project, role, member },
          parent,
        ),
      ]),
    );
    // The inject secrets and the CA key: each granted to the proxy's service account alone,
    // on that secret alone.
    const readable = [
      ...new Set([
        ...plan.secrets.map(({ secret }) => secret),
        ...(plan.caKeySecret === undefined ? [] : [plan.caKeySecret]),
      ]),
    ];
    this.secretAccess = Object.fromEntries(
      readable.map((secret) => [
        secret,
        new gcp.secretmanager.SecretIamMember(
          `${name}-secret-${secret}`,
          { project, secretId: secret, role: ProxyTier.SECRET_ROLE, member },
          parent,
        ),
      ]),
    );

    // Vertex AI: invoke the listed models only (a custom role with one permission, bound with a
    // condition on the models' resource names) in the model project.
    // Every profile's vertex models together (ADR 0038): the proxy serves them all.
    const served = proxyModelAccess(policy);
    const vertex = served.provider === 'vertex' ? served : undefined;
    if (vertex !== undefined) {
      this.modelRole = new gcp.projects.IAMCustomRole(
        `${name}-model-role`,
        {
          project: vertex.project,
          roleId: `agentPerimeter_${policy.name.replace(/-/g, '_')}_predict`,
          title: `agent-perimeter ${policy.name} proxy: Vertex AI predict`,
          description: 'Invoke Vertex AI models (the binding names which ones).',
          permissions: [VERTEX_PREDICT_PERMISSION],
          stage: 'GA',
        },
        parent,
      );
      this.modelAccess = new gcp.projects.IAMMember(
        `${name}-model-access`,
        {
          project: vertex.project,
          role: this.modelRole.name,
          member,
          condition: {
            title: 'agent-perimeter listed models',
            description: `The models of model_access in policy ${policy.name}.`,
            expression: vertexModelResources(vertex)
              .map((r) => `resource.name == "${r}"`)
              .join(' || '),
          },
        },
        parent,
      );
    }

    if (imageSource.kind === 'remote') {
      const upstream = REMOTE_UPSTREAMS[imageSource.upstream];
      const credential =
        imageSource.upstream === 'docker-hub' ? args.dockerHubCredential : undefined;
      this.imageRepository = new gcp.artifactregistry.Repository(
        `${name}-image-cache`,
        {
          project,
          location: region,
          repositoryId: remoteRepositoryId(policy.name),
          format: 'DOCKER',
          mode: 'REMOTE_REPOSITORY',
          description: resourceDescription(
            policy,
            `the proxy's Envoy image, fetched from ${'preset' in upstream ? 'Docker Hub' : upstream.uri} by Artifact Registry, never by the proxy.`,
          ),
          remoteRepositoryConfig: {
            description: `${imageSource.upstream} for the ${policy.name} proxy image`,
            dockerRepository:
              'preset' in upstream
                ? { publicRepository: upstream.preset }
                : { customRepository: { uri: upstream.uri } },
            ...(credential === undefined
              ? {}
              : {
                  upstreamCredentials: {
                    usernamePasswordCredentials: {
                      username: credential.username,
                      passwordSecretVersion: credential.passwordSecretVersion,
                    },
                  },
                }),
          },
          labels: { ...plan.labels },
        },
        parent,
      );
    } else this.imageRepository = undefined;
    const imageRepository = this.imageRepository;
    this.imageAccess =
      repository === undefined
        ? undefined
        : new gcp.artifactregistry.RepositoryIamMember(
            `${name}-image-reader`,
            {
              ...repository,
              // The remote repository's own output: the grant waits for the repository.
              ...(imageRepository === undefined
                ? {}
                : { repository: imageRepository.repositoryId }),
              role: ProxyTier.IMAGE_ROLE,
              member,
            },
            parent,
          );

    this.instanceTemplate = new gcp.compute.InstanceTemplate(
      `${name}-template`,
      {
        namePrefix: plan.names.templatePrefix,
        description: resourceDescription(
          policy,
          `Envoy ${policy.proxy.image} on Container-Optimized OS.`,
        ),
        project,
        machineType: plan.machineType,
        disks: [
          {
            sourceImage: plan.bootImage,
            boot: true,
            autoDelete: true,
            diskType: 'pd-balanced',
            diskSizeGb: plan.bootDiskGb,
          },
        ],
        // No accessConfigs: no external address. Egress goes through Cloud NAT.
        networkInterfaces: [{ subnetwork: args.subnetwork, stackType: 'IPV4_ONLY' }],
        canIpForward: false,
        serviceAccount: {
          email: this.serviceAccount.email,
          // IAM, not scopes, limits what the instance can do: see PROJECT_ROLES and SECRET_ROLE.
          scopes: ['https://www.googleapis.com/auth/cloud-platform'],
        },
        shieldedInstanceConfig: {
          enableSecureBoot: true,
          enableVtpm: true,
          enableIntegrityMonitoring: true,
        },
        scheduling: { automaticRestart: true, onHostMaintenance: 'MIGRATE', preemptible: false },
        tags: [tag],
        metadata: { ...plan.metadata },
        labels: { ...plan.labels },
      },
      // Instances fetch the config at boot: it and their read of it come first.
      this.config === undefined
        ? parent
        : { ...parent, dependsOn: [this.config.object, this.config.reader] },
    );

    // Both checks ask Envoy's readiness path and log every probe; they differ in how soon
    // they act: the load balancer stops sending at once, autohealing waits longer.
    const envoyReady = {
      project,
      timeoutSec: 5,
      healthyThreshold: 2,
      httpHealthCheck: { port: this.ports.health, requestPath: HEALTH_PATH },
      logConfig: { enable: true },
    };
    this.loadBalancerHealthCheck = new gcp.compute.RegionHealthCheck(
      `${name}-lb-health`,
      {
        ...envoyReady,
        name: plan.names.healthCheck,
        description: resourceDescription(policy, `Envoy ready (GET ${HEALTH_PATH}).`),
        region,
        checkIntervalSec: 5,
        unhealthyThreshold: 2,
      },
      parent,
    );
    this.autohealingHealthCheck = new gcp.compute.HealthCheck(
      `${name}-autohealing`,
      {
        ...envoyReady,
        name: plan.names.autohealingHealthCheck,
        description: resourceDescription(
          policy,
          'replace proxy instances whose Envoy stops answering.',
        ),
        checkIntervalSec: 10,
        unhealthyThreshold: 3,
      },
      parent,
    );

    this.loadBalancerAddress = new gcp.compute.Address(
      `${name}-address`,
      {
        name: plan.names.address,
        description: resourceDescription(policy, 'the proxy address agents use.'),
        project,
        region,
        subnetwork: args.subnetwork,
        address: args.loadBalancerIp,
        addressType: 'INTERNAL',
        purpose: 'GCE_ENDPOINT',
        labels: { ...plan.labels },
      },
      parent,
    );

    this.instanceGroupManager = new gcp.compute.RegionInstanceGroupManager(
      `${name}-group`,
      {
        name: plan.names.group,
        description: resourceDescription(policy, 'Envoy proxy instances across zones.'),
        project,
        region,
        baseInstanceName: plan.names.baseInstanceName,
        versions: [{ name: 'envoy', instanceTemplate: this.instanceTemplate.selfLinkUnique }],
        ...(plan.zones === undefined ? {} : { distributionPolicyZones: [...plan.zones] }),
        autoHealingPolicies: {
          healthCheck: this.autohealingHealthCheck.id,
          initialDelaySec: AUTOHEALING_DELAY_S,
        },
        updatePolicy: {
          type: 'PROACTIVE',
          minimalAction: 'REPLACE',
          replacementMethod: 'SUBSTITUTE',
          instanceRedistributionType: 'PROACTIVE',
          maxSurgeFixed: plan.maxSurge,
          maxUnavailableFixed: 0,
        },
        waitForInstances: false,
      },
      {
        parent: this,
        // The VIP is reserved before any instance could take it; instances boot only once
        // their service account can read the secrets and write logs.
        dependsOn: [
          this.loadBalancerAddress,
          ...Object.values(this.secretAccess),
          ...Object.values(this.projectRoles),
          ...(this.imageAccess === undefined ? [] : [this.imageAccess]),
        ],
      },
    );
    this.autoscaler = new gcp.compute.RegionAutoscaler(
      `${name}-autoscaler`,
      {
        name: plan.names.autoscaler,
        project,
        region,
        target: this.instanceGroupManager.id,
        autoscalingPolicy: {
          mode: 'ON',
          minReplicas: policy.proxy.replicas.min,
          maxReplicas: policy.proxy.replicas.max,
          cooldownPeriod: 120,
          cpuUtilization: { target: plan.cpuTarget },
          // Scale-in drains long-lived tunnels; remove at most one instance per 10 minutes.
          scaleInControl: { maxScaledInReplicas: { fixed: 1 }, timeWindowSec: 600 },
        },
      },
      parent,
    );

    this.backendService = new gcp.compute.RegionBackendService(
      `${name}-backend`,
      {
        name: plan.names.backendService,
        description: resourceDescription(
          policy,
          'Envoy instances behind the internal load balancer.',
        ),
        project,
        region,
        network: args.network,
        loadBalancingScheme: 'INTERNAL',
        protocol: 'TCP',
        sessionAffinity: 'NONE',
        connectionDrainingTimeoutSec: CONNECTION_DRAINING_S,
        healthChecks: this.loadBalancerHealthCheck.id,
        backends: [{ group: this.instanceGroupManager.instanceGroup, balancingMode: 'CONNECTION' }],
      },
      parent,
    );
    const ports = this.ports.agentFacing.map(String);
    const allPorts = ports.length > ProxyTier.MAX_FORWARDING_RULE_PORTS;
    this.forwardingRule = new gcp.compute.ForwardingRule(
      `${name}-forwarding-rule`,
      {
        name: plan.names.forwardingRule,
        description: resourceDescription(
          policy,
          `the proxy's internal passthrough load balancer (${ports.join(', ')}).`,
        ),
        project,
        region,
        loadBalancingScheme: 'INTERNAL',
        backendService: this.backendService.id,
        ipAddress: this.loadBalancerAddress.address,
        ipProtocol: 'TCP',
        // More than five ports: all ports; the firewall still admits only the listeners.
        ...(allPorts ? { allPorts: true } : { ports }),
        network: args.network,
        subnetwork: args.subnetwork,
        allowGlobalAccess: false,
        labels: { ...plan.labels },
      },
      parent,
    );

    if (fqdnLayer) {
      const egressPolicy = new gcp.compute.NetworkFirewallPolicy(
        `${name}-egress-policy`,
        {
          name: plan.names.egressPolicy,
          description: resourceDescription(
            policy,
            'the proxy may reach only the allowlisted names (second layer under Envoy).',
          ),
          project,
        },
        parent,
      );
      this.egressPolicy = egressPolicy;
      this.egressPolicyRules = this.egressPlan.rules.map(
        (rule) =>
          new gcp.compute.NetworkFirewallPolicyRule(
            `${name}-egress-${rule.ruleName}`,
            {
              project,
              firewallPolicy: egressPolicy.name,
              priority: rule.priority,
              ruleName: rule.ruleName,
              description: rule.description,
              direction: 'EGRESS',
              action: rule.action,
              enableLogging: true,
              targetServiceAccounts: [this.serviceAccount.email],
              match: {
                ...(rule.destFqdns.length > 0 ? { destFqdns: [...rule.destFqdns] } : {}),
                ...(rule.destIpRanges.length > 0 ? { destIpRanges: [...rule.destIpRanges] } : {}),
                layer4Configs: [
                  rule.protocol === 'all'
                    ? { ipProtocol: 'all' }
                    : { ipProtocol: rule.protocol, ports: [...rule.ports] },
                ],
              },
            },
            parent,
          ),
      );
      this.egressPolicyAssociation = new gcp.compute.NetworkFirewallPolicyAssociation(
        `${name}-egress-policy-association`,
        {
          name: `${plan.names.egressPolicy}-association`,
          project,
          firewallPolicy: egressPolicy.id,
          attachmentTarget: args.network,
        },
        parent,
      );
    } else {
      this.egressPolicy = undefined;
      this.egressPolicyRules = [];
      this.egressPolicyAssociation = undefined;
    }

    this.address = this.loadBalancerAddress.address;
    this.agentEnvironment = this.address.apply((ip) => agentEnvironment(policy, ip));
    this.registerOutputs({
      address: this.address,
      serviceAccountEmail: this.serviceAccount.email,
      instanceGroup: this.instanceGroupManager.instanceGroup,
      warnings: this.warnings,
    });
  }
}
