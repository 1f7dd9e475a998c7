import * as pulumi from '@pulumi/pulumi';
import type { PolicyCa } from '../lib/ca/policy-ca.js';
import {
  GCP_AGENT_RUNTIMES as AGENT_RUNTIMES,
  type GcpAgentRuntime as AgentRuntime,
} from '../lib/contract/runtimes.js';
import { profileNetworkTag } from '../lib/contract/tiers.js';
import type { JsonObject } from '../lib/json.js';
import { imageWarnings, type Policy, warningText } from '../lib/policy/index.js';
import type { ProbeDeployment } from '../lib/probe/deploy.js';
import { AgentJob, AgentService } from './agents/agent-service.js';
import { GcpPerimeterError } from './errors.js';
import { AuditLogging, type AuditLoggingArgs } from './logging/audit-logging.js';
import { AgentNetwork, type AgentNetworkArgs } from './network/agent-network.js';
import { ProbeJob, type ProbeJobArgs } from './probe/probe-job.js';
import { ProxyTier, type ProxyTierArgs } from './proxy-tier/proxy-tier.js';

/** How agent profiles run: Cloud Run services (gVisor), jobs (gen2), both, or not at all. */
export { AGENT_RUNTIMES, type AgentRuntime };

/** Arguments of {@link AgentPerimeter}. */
export interface AgentPerimeterArgs {
  /** The validated policy (the single source of truth). */
  readonly policy: Policy;
  /**
   * The Envoy bootstrap rendered from `policy` and validated (`renderCheckedProxyConfig` in
   * `proxy/`; `bin/pulumi-program.ts` does this).
   */
  readonly envoyConfig: JsonObject;
  /**
   * The policy's private CA, public certificates only (`loadPolicyCa`), when an entry has
   * `tls: intercept`: the proxy issues leaves with it (its key from Secret Manager), agents
   * trust it. @default - none; a policy that intercepts is refused without it
   */
  readonly ca?: PolicyCa;
  /** The GCP project. */
  readonly project: string;
  /** The GCP region of every regional resource. */
  readonly region: string;
  /** Network settings. @default - AgentNetwork's defaults */
  readonly network?: Omit<AgentNetworkArgs, 'policy' | 'region'>;
  /** Proxy tier settings. @default - ProxyTier's defaults */
  readonly proxy?: Omit<
    ProxyTierArgs,
    | 'policy'
    | 'envoyConfig'
    | 'ca'
    | 'project'
    | 'region'
    | 'network'
    | 'subnetwork'
    | 'loadBalancerIp'
    | 'networkTag'
  >;
  /**
   * Agent workloads.
   * @default - each profile as a Cloud Run service with its own image
   */
  readonly agents?: {
    /**
     * How each profile of `policy.agents` runs.
     * @default "service"
     */
    readonly runtime?: AgentRuntime;
    /**
     * Image per profile name for GCP, replacing the profile's (e.g. an Artifact Registry copy).
     * @default - each profile's `image`
     */
    readonly images?: Readonly<Record<string, string>>;
    /** @default AgentService.DEFAULT_MAX_INSTANCES (10) */
    readonly maxInstances?: number;
  };
  /**
   * The egress probe (`ProbeJob`): schedule, deploy-time run, targets, alert channels; `false`
   * for none.
   * @default - on: hourly, and once per `pulumi up` that changes it
   */
  readonly probe?:
    | false
    | (Partial<Omit<ProbeDeployment, 'enabled'>> &
        Pick<ProbeJobArgs, 'image' | 'notificationChannels'>);
  /**
   * Audit logging settings.
   * @default - AuditLogging's defaults, in the perimeter's region
   */
  readonly logging?: Omit<AuditLoggingArgs, 'policy' | 'project' | 'location' | 'network'> & {
    /** @default - the perimeter's region */
    readonly location?: string;
  };
}

/**
 * The whole GCP perimeter from one policy: {@link AgentNetwork}, {@link ProxyTier}, one
 * {@link AgentService} and/or {@link AgentJob} per agent profile, and {@link AuditLogging}.
 */
export class AgentPerimeter extends pulumi.ComponentResource {
  readonly network: AgentNetwork;
  readonly proxy: ProxyTier;
  /** Cloud Run services by agent profile name. */
  readonly services: Readonly<Record<string, AgentService>>;
  /** Cloud Run jobs by agent profile name. */
  readonly jobs: Readonly<Record<string, AgentJob>>;
  readonly audit: AuditLogging;
  /** Undefined when `probe` is false. */
  readonly probe: ProbeJob | undefined;
  /** The proxy host agents use. */
  readonly proxyAddress: pulumi.Output<string>;
  readonly agentEnvironment: pulumi.Output<Record<string, string>>;
  /** What the deployer should know; `bin/pulumi-program.ts` logs these. */
  readonly warnings: readonly string[];

  constructor(name: string, args: AgentPerimeterArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super('agent-perimeter:gcp:AgentPerimeter', name, {}, opts);
    const { policy, project, region } = args;
    const runtime = args.agents?.runtime ?? 'service';
    if (!AGENT_RUNTIMES.includes(runtime)) {
      throw new GcpPerimeterError(
        'AgentPerimeter',
        `agents.runtime "${runtime}" is not one of ${AGENT_RUNTIMES.join(', ')}.`,
      );
    }
    const images = args.agents?.images ?? {};
    const unknown = Object.keys(images).filter((n) => !policy.agents.some((a) => a.name === n));
    if (unknown.length > 0) {
      throw new GcpPerimeterError(
        'AgentPerimeter',
        `agents.images names ${unknown.map((n) => `"${n}"`).join(', ')}, which are not agent profiles of the policy. Fix: use ${policy.agents.map((a) => `"${a.name}"`).join(', ')}.`,
      );
    }
    const parent = { parent: this };

    this.network = new AgentNetwork(`${name}-network`, { ...args.network, policy, region }, parent);
    this.proxy = new ProxyTier(
      `${name}-proxy`,
      {
        ...args.proxy,
        policy,
        envoyConfig: args.envoyConfig,
        ...(args.ca === undefined ? {} : { ca: args.ca }),
        project,
        region,
        network: this.network.network.id,
        subnetwork: this.network.proxySubnet.id,
        loadBalancerIp: this.network.proxyLoadBalancerIp,
        networkTag: AgentNetwork.PROXY_TAG,
      },
      parent,
    );
    // Agents and the probe run in the same place: the agent subnet, as the agent tag, with
    // their profile's tag when there are several.
    const placement = (profile: string | undefined) => ({
      policy,
      project,
      region,
      network: this.network.network.id,
      subnetwork: this.network.agentSubnet.id,
      proxyAddress: this.proxy.address,
      networkTag: AgentNetwork.AGENT_TAG,
      ...(policy.agents.length > 1 && profile !== undefined
        ? { profileTag: profileNetworkTag(profile) }
        : {}),
    });
    const workload = (agent: string) => ({
      ...placement(agent),
      agent,
      ...(images[agent] === undefined ? {} : { image: images[agent] }),
      ...(args.ca === undefined ? {} : { trustedCa: args.ca.trustedPem }),
    });
    const services: Record<string, AgentService> = {};
    const jobs: Record<string, AgentJob> = {};
    for (const profile of policy.agents) {
      if (runtime === 'service' || runtime === 'both') {
        services[profile.name] = new AgentService(
          `${name}-agent-${profile.name}`,
          {
            ...workload(profile.name),
            ...(args.agents?.maxInstances === undefined
              ? {}
              : { maxInstances: args.agents.maxInstances }),
          },
          parent,
        );
      }
      if (runtime === 'job' || runtime === 'both') {
        jobs[profile.name] = new AgentJob(
          `${name}-job-${profile.name}`,
          workload(profile.name),
          parent,
        );
      }
    }
    this.services = services;
    this.jobs = jobs;

    const probe = args.probe === false ? undefined : (args.probe ?? {});
    this.probe =
      probe === undefined
        ? undefined
        : new ProbeJob(
            `${name}-probe`,
            {
              ...placement(policy.agents[0]?.name),
              deployment: {
                ...(probe.everyMinutes === undefined ? {} : { everyMinutes: probe.everyMinutes }),
                ...(probe.onDeploy === undefined ? {} : { onDeploy: probe.onDeploy }),
                ...(probe.targets === undefined ? {} : { targets: probe.targets }),
              },
              ...(probe.image === undefined ? {} : { image: probe.image }),
              ...(probe.notificationChannels === undefined
                ? {}
                : { notificationChannels: probe.notificationChannels }),
            },
            parent,
          );

    this.audit = new AuditLogging(
      `${name}-audit`,
      {
        ...args.logging,
        policy,
        project,
        location: args.logging?.location ?? region,
        network: this.network.network.id,
        additionalLogs: this.probe === undefined ? [] : [this.probe.logFilter],
      },
      parent,
    );

    this.proxyAddress = this.proxy.address;
    this.agentEnvironment = this.proxy.agentEnvironment;
    this.warnings = [
      // The CLI prints these when it reads the policy; here they reach `pulumi up` and
      // programs that build the component themselves.
      ...imageWarnings(policy).map(warningText),
      ...this.proxy.warnings,
      ...Object.values(services).flatMap((s) => s.warnings),
      ...Object.values(jobs)
        .filter((j) => services[j.plan.profile.name] === undefined)
        .flatMap((j) => j.warnings),
    ];
    this.registerOutputs({
      network: this.network.network.name,
      proxyAddress: this.proxyAddress,
      warnings: this.warnings,
    });
  }
}
