import { Stack } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { Policy } from '../../lib/policy/index.js';
import { cacheRepository } from '../cache-repository.js';
import { checkImageEnvironment } from '../image-environment.js';
import { type AgentImageRef, AgentWorkload } from './agent-workload.js';
import { AgentWorkloadError } from './errors.js';
import {
  type AgentImage,
  cacheRepositoryName,
  ECR_PUBLIC_REGISTRY,
  type EcrPublicImage,
  type PrivateEcrImage,
  parseAgentImage,
  pullThroughCachePrefix,
} from './image.js';

/** Properties of {@link AgentWorkloads}. */
export interface AgentWorkloadsProps {
  /** The validated policy: one workload per `agents[]` profile. */
  readonly policy: Policy;
  /** The perimeter's VPC (for a new cluster). */
  readonly vpc: ec2.IVpc;
  /** The agent subnets: isolated, no route out. */
  readonly subnets: readonly ec2.ISubnet[];
  /** The agent security group: egress only to the proxy and the VPC endpoints. */
  readonly securityGroup: ec2.ISecurityGroup;
  /**
   * Each profile's own security group, by profile name (`AgentNetwork.agentSecurityGroups`):
   * it reaches only that profile's listeners.
   * @default - `securityGroup` for every profile
   */
  readonly securityGroups?: Readonly<Record<string, ec2.ISecurityGroup>>;
  /** DNS name or IP of the proxy (the internal load balancer). */
  readonly proxyAddress: string;
  /** Key for the agents' log groups; its policy must let CloudWatch Logs use it. */
  readonly logKey: kms.IKey;
  /**
   * Cluster to run agents in.
   * @default - a new cluster in `vpc` with Container Insights
   */
  readonly cluster?: ecs.ICluster;
  /**
   * Repository prefix of the ECR pull-through cache for public.ecr.aws images. ECR allows one
   * rule per prefix and account, 2-30 characters.
   * @default - `<policy name>/ecr-public` (see {@link pullThroughCachePrefix})
   */
  readonly pullThroughCachePrefix?: string;
  /**
   * Run the init container that makes scratch volumes writable for the non-root agent user.
   * @default true
   * @see AgentWorkloadProps.prepareScratch
   */
  readonly prepareScratch?: boolean;
  /**
   * The certificates agents trust for intercepted hosts (`PolicyCa.trustedPem`).
   * @see AgentWorkloadProps.trustedCa
   * @default - none; a policy that intercepts is refused without it
   */
  readonly trustedCa?: string;
}

/**
 * Every agent profile of the policy on ECS Fargate ({@link AgentWorkload}), in one cluster.
 *
 * Images: the agent subnets can reach only this account's private ECR (interface endpoints)
 * and ECR's layer bucket (S3 gateway endpoint). Images already in private ECR in this account
 * and region are used as they are; images on public.ecr.aws are pulled through an ECR
 * pull-through cache rule (no credentials needed), into repositories this construct creates
 * up front, so the execution role can be limited to exactly those repositories and the first
 * pull needs no `ecr:CreateRepository`. Any other registry fails synth with the fix.
 */
export class AgentWorkloads extends Construct {
  readonly cluster: ecs.ICluster;
  /** One workload per profile, keyed by profile name. */
  readonly workloads: Readonly<Record<string, AgentWorkload>>;
  /** Prefix of the pull-through cache repositories. */
  readonly pullThroughCachePrefix: string;
  private cacheRule: ecr.CfnPullThroughCacheRule | undefined;
  private readonly repositories: Record<string, ecr.Repository> = {};

  constructor(scope: Construct, id: string, props: AgentWorkloadsProps) {
    super(scope, id);
    const { policy } = props;
    if (props.subnets.length === 0) {
      throw new AgentWorkloadError(
        "AgentWorkloads got no agent subnets. Fix: pass the perimeter network's agentSubnets.",
      );
    }
    const prefix = props.pullThroughCachePrefix ?? pullThroughCachePrefix(policy.name);
    if (
      prefix.length < 2 ||
      prefix.length > 30 ||
      !/^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/.test(prefix)
    ) {
      throw new AgentWorkloadError(
        `pullThroughCachePrefix "${prefix}" is not an ECR repository prefix. Fix: 2-30 characters of lowercase letters, digits, ".", "_", "-" and "/" between parts, e.g. "agents/ecr-public".`,
      );
    }
    this.pullThroughCachePrefix = prefix;

    // Every image is checked before any resource is defined.
    const images = policy.agents.map((profile, i) =>
      parseAgentImage(profile.image, `agents[${i}].image`),
    );
    images.forEach((image, i) => {
      if (image.kind === 'private-ecr')
        checkAgentImageEnvironment(this, image, `agents[${i}].image`);
    });

    this.cluster =
      props.cluster ??
      new ecs.Cluster(this, 'Cluster', {
        vpc: props.vpc,
        containerInsightsV2: ecs.ContainerInsights.ENABLED,
      });

    for (const image of images) if (image.kind === 'ecr-public') this.cacheRepository(image);

    const workloads: Record<string, AgentWorkload> = {};
    policy.agents.forEach((profile, i) => {
      const image = images[i] as AgentImage;
      workloads[profile.name] = new AgentWorkload(this, profile.name, {
        policy,
        profile,
        cluster: this.cluster,
        subnets: props.subnets,
        securityGroup: props.securityGroups?.[profile.name] ?? props.securityGroup,
        proxyAddress: props.proxyAddress,
        logKey: props.logKey,
        image: this.imageRef(image, prefix),
        ...(props.prepareScratch === undefined ? {} : { prepareScratch: props.prepareScratch }),
        ...(props.trustedCa === undefined ? {} : { trustedCa: props.trustedCa }),
      });
    });
    this.workloads = workloads;
  }

  /** The pull-through cache rule for public.ecr.aws; undefined when no image needs it. */
  get pullThroughCacheRule(): ecr.CfnPullThroughCacheRule | undefined {
    return this.cacheRule;
  }

  /** Pull-through cache repositories, keyed by repository name. */
  get cacheRepositories(): Readonly<Record<string, ecr.Repository>> {
    return { ...this.repositories };
  }

  /**
   * Resolves one more image the way the agents' images are (e.g. the egress probe's, which
   * runs in the agent subnets too): private ECR in this account and region as it is, ECR
   * Public through the pull-through cache, whose rule and repository are created if needed.
   * `where` names the setting for messages.
   */
  resolveImage(image: string, where: string): AgentImageRef {
    const parsed = parseAgentImage(image, where);
    if (parsed.kind === 'private-ecr') checkAgentImageEnvironment(this, parsed, where);
    else this.cacheRepository(parsed);
    return this.imageRef(parsed, this.pullThroughCachePrefix);
  }

  /** The pull-through cache repository of an ECR Public image, created on first use. */
  private cacheRepository(image: EcrPublicImage): ecr.Repository {
    const prefix = this.pullThroughCachePrefix;
    const name = cacheRepositoryName(prefix, image);
    const existing = this.repositories[name];
    if (existing !== undefined) return existing;
    this.cacheRule ??= new ecr.CfnPullThroughCacheRule(this, 'EcrPublicCache', {
      ecrRepositoryPrefix: prefix,
      upstreamRegistryUrl: ECR_PUBLIC_REGISTRY,
    });
    const repository = cacheRepository(
      this,
      `Cache-${image.upstreamRepository}`,
      name,
      this.cacheRule,
      'A pull-through cache repository of ECR Public: ECR refreshes cached tags from upstream, so its tags must stay mutable; pin the policy image by digest to run exactly one image. The landing-zone setting takes agent and probe images from private ECR by digest, with no cache.',
    );
    this.repositories[name] = repository;
    return repository;
  }

  private imageRef(image: AgentImage, prefix: string): AgentImageRef {
    const stack = Stack.of(this);
    if (image.kind === 'private-ecr') {
      return {
        imageUri: image.image,
        repositoryArn: stack.formatArn({
          service: 'ecr',
          account: image.account,
          region: image.region,
          resource: 'repository',
          resourceName: image.repositoryName,
        }),
        pullThrough: false,
      };
    }
    const repository = this.repositories[cacheRepositoryName(prefix, image)] as ecr.Repository;
    return {
      imageUri: repository.repositoryUriForTagOrDigest(image.tagOrDigest),
      repositoryArn: repository.repositoryArn,
      pullThrough: true,
    };
  }
}

/** An agent's (or the probe's) private ECR image: see {@link checkImageEnvironment}. */
function checkAgentImageEnvironment(scope: Construct, image: PrivateEcrImage, where: string): void {
  checkImageEnvironment(scope, image, {
    where,
    who: 'Agents',
    warningId: 'agent-perimeter:agent-image-account',
    refuse: (mismatch) =>
      new AgentWorkloadError(
        `${where} "${image.image}" is in ${mismatch}. Agents pull only through this VPC's ECR endpoints, whose policy admits this account's repositories in this region. Fix: replicate the image to ECR in the stack's account and region (ECR replication or a pull-through cache) and use that URI.`,
      ),
  });
}
