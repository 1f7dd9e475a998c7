// The GCP perimeter program: reads Pulumi config, loads the policy named by `policy`, renders
// and validates the Envoy config, and composes the perimeter. `bin/pulumi-program.ts` (the
// entry point of Pulumi.yaml) runs it for `pulumi up`; `agent-perimeter plan-gcp` runs it
// under Pulumi's mocks (bin/gcp-plan.ts).
import * as pulumi from '@pulumi/pulumi';
import { UserError } from '../lib/errors.js';
import {
  DEFAULT_DEPLOYMENT,
  type ProbeDeployment,
  parseProbeDeployment,
} from '../lib/probe/deploy.js';
import { AGENT_RUNTIMES, AgentPerimeter, type AgentRuntime } from '../pulumi/index.js';
import { type PreparedPolicy, preparePolicy } from './prepare.js';

/** The program's settings, from Pulumi config (namespace: the Pulumi project). */
export interface GcpProgramConfig {
  /** `policy`: the policy file, relative to the project directory. @default - the embedded default */
  readonly policyFile?: string;
  /** `gcp:project` (required). */
  readonly project: string;
  /** `gcp:region` (required). */
  readonly region: string;
  /** `agentRuntime`: service | job | both | none. @default "service" */
  readonly agentRuntime: AgentRuntime;
  /** `agentImages`: { "<profile>": "<image>" } for images Cloud Run can pull. */
  readonly agentImages: Record<string, string>;
  /** `agentCidr`, `proxyCidr`, `proxyLoadBalancerIp`: the address plan. */
  readonly agentCidr?: string;
  readonly proxyCidr?: string;
  readonly proxyLoadBalancerIp?: string;
  /** `agentGoogleApis`: agents may reach restricted.googleapis.com. @default true */
  readonly agentGoogleApis?: boolean;
  /** `dnsAllowlist`: resolve only allowlisted names. @default true */
  readonly dnsAllowlist?: boolean;
  /** `extraDnsNames`: more names the DNS allowlist resolves. */
  readonly extraDnsNames?: string[];
  /** `fqdnEgressPolicy`: the proxy's FQDN firewall policy. @default true */
  readonly fqdnEgressPolicy?: boolean;
  /** `wildcardHosts`: concrete names for wildcard entries, for the FQDN layer. */
  readonly wildcardHosts?: Record<string, string[]>;
  /** `proxyMachineType`, `proxyZones`: where the proxy runs. */
  readonly machineType?: string;
  readonly zones?: string[];
  /** `logLocation`: location of the audit bucket. @default the region */
  readonly logLocation?: string;
  /** `probe`: false, or the egress probe's settings (as CDK context agent-perimeter:probe). */
  readonly probe?: ProbeDeployment;
  /** `alertChannels`: Cloud Monitoring notification channel ids for the probe's alerts. */
  readonly alertChannels?: string[];
  /**
   * `dockerHubCredential`: `{ "username": "...", "passwordSecretVersion": "projects/<p>/secrets/<s>/versions/<n>" }`,
   * the login the proxy image's remote repository uses for Docker Hub. @default anonymous pulls
   */
  readonly dockerHubCredential?: {
    readonly username: string;
    readonly passwordSecretVersion: string;
  };
}

const SECRET_VERSION = /^projects\/[^/\s]+\/secrets\/[^/\s]+\/versions\/[^/\s]+$/;

/** The `dockerHubCredential` setting, checked: both fields, the secret by its version name. */
function dockerHubCredential(value: unknown): GcpProgramConfig['dockerHubCredential'] {
  if (value === undefined) return undefined;
  const fix =
    'Fix: pulumi config set --path dockerHubCredential.username <user> && pulumi config set --path dockerHubCredential.passwordSecretVersion projects/<project>/secrets/<secret>/versions/<n>.';
  const record =
    typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  const { username, passwordSecretVersion } = record;
  if (typeof username !== 'string' || username === '') {
    throw new UserError(
      `Pulumi config dockerHubCredential.username is ${JSON.stringify(username)}, not a Docker Hub user name. ${fix}`,
    );
  }
  if (typeof passwordSecretVersion !== 'string' || !SECRET_VERSION.test(passwordSecretVersion)) {
    throw new UserError(
      `Pulumi config dockerHubCredential.passwordSecretVersion is ${JSON.stringify(passwordSecretVersion)}, not a Secret Manager secret version (projects/<project>/secrets/<secret>/versions/<n>). ${fix}`,
    );
  }
  const unknown = Object.keys(record).filter(
    (k) => k !== 'username' && k !== 'passwordSecretVersion',
  );
  if (unknown.length > 0) {
    throw new UserError(
      `Pulumi config dockerHubCredential has unknown field(s) ${unknown.join(', ')}. ${fix}`,
    );
  }
  return { username, passwordSecretVersion };
}

/** Reads {@link GcpProgramConfig} from the current Pulumi config. */
export function readProgramConfig(): GcpProgramConfig {
  const config = new pulumi.Config();
  const gcp = new pulumi.Config('gcp');
  const runtime = config.get('agentRuntime') ?? 'service';
  if (!(AGENT_RUNTIMES as readonly string[]).includes(runtime)) {
    throw new UserError(
      `Pulumi config agentRuntime is "${runtime}". Fix: pulumi config set agentRuntime ${AGENT_RUNTIMES.join('|')}.`,
    );
  }
  const project = gcp.get('project');
  const region = gcp.get('region');
  if (project === undefined || region === undefined) {
    throw new UserError(
      'the GCP project and region are not set. Fix: pulumi config set gcp:project <project-id> && pulumi config set gcp:region <region>, e.g. us-central1.',
    );
  }
  const optional = <K extends keyof GcpProgramConfig>(key: K, value: GcpProgramConfig[K]) =>
    value === undefined ? {} : { [key]: value };
  return {
    ...optional('policyFile', config.get('policy')),
    project,
    region,
    agentRuntime: runtime as AgentRuntime,
    agentImages: config.getObject<Record<string, string>>('agentImages') ?? {},
    ...optional('agentCidr', config.get('agentCidr')),
    ...optional('proxyCidr', config.get('proxyCidr')),
    ...optional('proxyLoadBalancerIp', config.get('proxyLoadBalancerIp')),
    ...optional('agentGoogleApis', config.getBoolean('agentGoogleApis')),
    ...optional('dnsAllowlist', config.getBoolean('dnsAllowlist')),
    ...optional('extraDnsNames', config.getObject<string[]>('extraDnsNames')),
    ...optional('fqdnEgressPolicy', config.getBoolean('fqdnEgressPolicy')),
    ...optional('wildcardHosts', config.getObject<Record<string, string[]>>('wildcardHosts')),
    ...optional('machineType', config.get('proxyMachineType')),
    ...optional('zones', config.getObject<string[]>('proxyZones')),
    ...optional('logLocation', config.get('logLocation')),
    // A string as set (`pulumi config set probe false`) or JSON (`--path` objects arrive as JSON).
    probe: parseProbeDeployment(config.get('probe'), 'Pulumi config probe'),
    ...optional('alertChannels', config.getObject<string[]>('alertChannels')),
    ...optional(
      'dockerHubCredential',
      dockerHubCredential(config.getObject('dockerHubCredential')),
    ),
  };
}

/** What `pulumi up` reports (and the offline plan records) as stack outputs. */
export interface GcpProgramOutputs {
  readonly policy: string;
  readonly network: pulumi.Output<string>;
  readonly agentSubnet: pulumi.Output<string>;
  readonly proxySubnet: pulumi.Output<string>;
  readonly proxyAddress: pulumi.Output<string>;
  /** Environment variables for agents (none is secret). */
  readonly agentEnvironment: pulumi.Output<Record<string, string>>;
  readonly proxyServiceAccount: pulumi.Output<string>;
  readonly agentServices: Record<
    string,
    { name: pulumi.Output<string>; uri: pulumi.Output<string> }
  >;
  readonly agentJobs: Record<string, { name: pulumi.Output<string> }>;
  readonly auditBucket: pulumi.Output<string>;
  /** The egress probe's Cloud Run job, when the probe is on. */
  readonly probeJob?: pulumi.Output<string>;
  readonly warnings: readonly string[];
}

/**
 * The settings among `keys` that `config` sets, under the same names. An unset one stays
 * absent rather than `undefined`, so the component's default applies.
 */
function setIn<K extends keyof GcpProgramConfig>(
  config: GcpProgramConfig,
  keys: readonly K[],
): Partial<Pick<GcpProgramConfig, K>> {
  const set = keys.filter((k) => config[k] !== undefined);
  return Object.fromEntries(set.map((k) => [k, config[k]])) as Partial<Pick<GcpProgramConfig, K>>;
}

/**
 * Composes the perimeter from `config` (and a prepared policy, when given, instead of reading
 * `config.policyFile`). Throws UserError for a bad policy or setting.
 */
export function buildGcpProgram(
  config: GcpProgramConfig,
  prepared: PreparedPolicy = preparePolicy(config.policyFile),
): { readonly perimeter: AgentPerimeter; readonly outputs: GcpProgramOutputs } {
  const { policy, envoyConfig, ca } = prepared;
  const perimeter = new AgentPerimeter(policy.name, {
    policy,
    envoyConfig,
    ...(ca === undefined ? {} : { ca }),
    project: config.project,
    region: config.region,
    network: setIn(config, [
      'agentCidr',
      'proxyCidr',
      'proxyLoadBalancerIp',
      'agentGoogleApis',
      'dnsAllowlist',
      'extraDnsNames',
    ]),
    proxy: setIn(config, [
      'fqdnEgressPolicy',
      'wildcardHosts',
      'machineType',
      'zones',
      'dockerHubCredential',
    ]),
    agents: { runtime: config.agentRuntime, images: config.agentImages },
    ...(config.logLocation === undefined ? {} : { logging: { location: config.logLocation } }),
    probe: (config.probe ?? DEFAULT_DEPLOYMENT).enabled
      ? {
          ...(config.probe ?? DEFAULT_DEPLOYMENT),
          ...(config.alertChannels === undefined
            ? {}
            : { notificationChannels: config.alertChannels }),
        }
      : false,
  });
  const outputs: GcpProgramOutputs = {
    policy: policy.name,
    network: perimeter.network.network.name,
    agentSubnet: perimeter.network.agentSubnet.id,
    proxySubnet: perimeter.network.proxySubnet.id,
    proxyAddress: perimeter.proxyAddress,
    agentEnvironment: perimeter.agentEnvironment,
    proxyServiceAccount: perimeter.proxy.serviceAccount.email,
    agentServices: Object.fromEntries(
      Object.entries(perimeter.services).map(([agent, s]) => [
        agent,
        { name: s.service.name, uri: s.service.uri },
      ]),
    ),
    agentJobs: Object.fromEntries(
      Object.entries(perimeter.jobs).map(([agent, j]) => [agent, { name: j.job.name }]),
    ),
    auditBucket: perimeter.audit.bucket.id,
    ...(perimeter.probe === undefined ? {} : { probeJob: perimeter.probe.job.name }),
    warnings: perimeter.warnings,
  };
  return { perimeter, outputs };
}
