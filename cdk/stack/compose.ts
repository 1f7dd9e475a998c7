import { Annotations } from 'aws-cdk-lib';
import type { CfnFlowLog } from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
import type { PolicyCa } from '../../lib/ca/policy-ca.js';
import type { JsonObject } from '../../lib/json.js';
import {
  accessLogPrefix,
  imageWarnings,
  type Policy,
  warningText,
} from '../../lib/policy/index.js';
import { PROBE_IMAGE } from '../../lib/probe/image.js';
import { AgentWorkloads, type AgentWorkloadsProps } from '../agents/index.js';
import { AuditLogging, type AuditLoggingProps } from '../audit/index.js';
import { LANDING_ZONE_CONTEXT } from '../nag.js';
import { AgentNetwork, type AgentNetworkProps } from '../network/index.js';
import { ProbeTask, type ProbeTaskProps } from '../probe/index.js';
import { configDelivery, ProxyTier } from '../proxy-tier/index.js';

/*
 * The perimeter's parts and how they are wired, in one place: AgentPerimeterStack composes them
 * directly in the stack (its construct ids are what deployed stacks have), the library's
 * AgentPerimeter construct composes them under itself in any stack of the user's.
 */

export interface PerimeterPartsProps {
  /** The validated policy (the single source of truth). */
  readonly policy: Policy;
  /**
   * The Envoy bootstrap rendered from `policy` and validated against Envoy's API
   * (`renderCheckedProxyConfig` from `agent-perimeter`; `AgentPerimeter` does this).
   */
  readonly envoyConfig: JsonObject;
  /**
   * The policy's private CA, public certificates only (`loadPolicyCa`), when an egress entry
   * has `tls: intercept`: the proxy issues leaves with it, agents trust it.
   * @default - none; a policy that intercepts is refused without it
   */
  readonly ca?: PolicyCa;
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

/** The constructs of one perimeter. */
export interface PerimeterParts {
  readonly network: AgentNetwork;
  readonly proxy: ProxyTier;
  readonly agents: AgentWorkloads;
  readonly audit: AuditLogging;
  /** Undefined when `probe` is false. */
  readonly probe: ProbeTask | undefined;
}

/**
 * The contained network, the Envoy proxy tier, the hardened agent workloads (in
 * `network.agentSubnets` with only `network.agentSecurityGroup`, so they can reach only the
 * proxy), the egress probe and the audit trail, as children of `scope`.
 */
export function composePerimeter(scope: Construct, props: PerimeterPartsProps): PerimeterParts {
  // The landing-zone setting: no Lambda function, no root container, the central log bucket,
  // and nothing below acknowledges a Control Tower rule.
  const landingZone = props.policy.landing_zone;
  if (landingZone !== undefined) scope.node.setContext(LANDING_ZONE_CONTEXT, true);
  const centralLogs =
    landingZone === undefined
      ? undefined
      : {
          bucketName: landingZone.access_log_bucket,
          prefix: accessLogPrefix(landingZone, props.policy.name),
        };
  const networkProps = props.network ?? {};
  const network = new AgentNetwork(scope, 'Network', {
    ...(landingZone === undefined
      ? {}
      : { s3PrefixListId: landingZone.s3_prefix_list_id, restrictDefaultSecurityGroup: false }),
    ...networkProps,
    policy: props.policy,
    proxyConfigFromS3: configDelivery(props.envoyConfig) === 's3',
    // No registry names: the proxy image comes from ECR (a pull-through cache or the mirror),
    // through the VPC's ECR endpoints.
    extraDnsDomains: [...(networkProps.extraDnsDomains ?? [])],
  });
  const proxy = new ProxyTier(scope, 'Proxy', {
    policy: props.policy,
    vpc: network.vpc,
    subnets: { subnets: network.proxySubnets },
    securityGroup: network.proxySecurityGroup,
    loadBalancerSecurityGroup: network.loadBalancerSecurityGroup,
    logKey: network.logKey,
    envoyConfig: props.envoyConfig,
    ...(props.ca === undefined ? {} : { ca: props.ca }),
    ...(centralLogs === undefined
      ? {}
      : {
          deletionProtection: true,
          accessLogs: { bucketName: centralLogs.bucketName, prefix: `${centralLogs.prefix}nlb` },
        }),
  });
  const agents = new AgentWorkloads(scope, 'Agents', {
    ...(landingZone === undefined ? {} : { prepareScratch: false }),
    ...props.agents,
    policy: props.policy,
    vpc: network.vpc,
    subnets: network.agentSubnets,
    securityGroup: network.agentSecurityGroup,
    securityGroups: network.agentSecurityGroups,
    proxyAddress: proxy.address,
    logKey: network.logKey,
    ...(props.ca === undefined ? {} : { trustedCa: props.ca.trustedPem }),
  });
  const probe =
    props.probe === false
      ? undefined
      : new ProbeTask(scope, 'Probe', {
          policy: props.policy,
          cluster: agents.cluster,
          subnets: network.agentSubnets,
          securityGroup: network.agentSecurityGroup,
          proxyAddress: proxy.address,
          logKey: network.logKey,
          image: agents.resolveImage(
            landingZone?.probe_image ?? PROBE_IMAGE.aws,
            landingZone === undefined ? 'the egress probe image' : 'landing_zone.probe_image',
          ),
          ...(props.probe === undefined ? {} : { deployment: props.probe }),
          ...(props.ca === undefined ? {} : { trustedCa: props.ca.trustedPem }),
        });
  const flowLog = network.flowLog.node.defaultChild as CfnFlowLog;
  const audit = new AuditLogging(scope, 'Audit', {
    ...props.audit,
    policy: props.policy,
    proxyAccessLogGroup: proxy.logGroup,
    flowLogGroup: network.flowLogGroup,
    flowLogFormat: flowLog.logFormat ?? '',
    dnsQueryLogGroup: network.dnsQueryLogGroup,
    agentSubnets: network.agentSubnets,
    logKey: network.logKey,
    taskCluster: agents.cluster,
    ...(probe === undefined
      ? {}
      : { probeTraffic: { taskFamily: probe.family, signature: probe.signature } }),
    additionalSources: probe === undefined ? [] : [probe.auditSource],
    ...(centralLogs === undefined ? {} : { centralAccessLogs: centralLogs }),
  });
  probe?.addAlarms(audit.alarmTopic, audit.metricNamespace);
  probe?.runAfter(network, proxy);
  warnAboutTags(props.policy, proxy, agents);

  return { network, proxy, agents, audit, probe };
}

/** The annotation id of an image given by tag without a digest (acknowledge it to silence it). */
export const IMAGE_WITHOUT_DIGEST = 'agent-perimeter:image-without-digest';

/**
 * The CLI prints the same warnings when it reads the policy; these reach plain `cdk synth`
 * (`--strict` fails on them) and apps that build the construct themselves.
 */
function warnAboutTags(policy: Policy, proxy: ProxyTier, agents: AgentWorkloads): void {
  for (const warning of imageWarnings(policy)) {
    const on = warning.path === 'proxy.image' ? proxy : agents;
    Annotations.of(on).addWarningV2(IMAGE_WITHOUT_DIGEST, warningText(warning));
  }
}
