import type { PolicyCa } from '../../lib/ca/policy-ca.js';
import { sha256Hex } from '../../lib/contract/proxy-identity.js';
import type { JsonObject } from '../../lib/json.js';
import {
  deploymentGaps,
  interceptedRules,
  type Policy,
  proxyModelAccess,
} from '../../lib/policy/index.js';
import { launcherLeaves, proxyCredentialInputs } from '../../lib/proxy-launch-inputs.js';
import { labels, serviceAccountId } from '../names.js';
import {
  type BootSecret,
  CONTAINER_CA_PATHS,
  type ConfigObject,
  configFitsInMetadata,
  proxyCloudInit,
} from './boot.js';
import { proxyTierError } from './errors.js';

/** A Compute Engine machine type and what it offers. */
export interface MachineType {
  readonly name: string;
  readonly vcpus: number;
  readonly memoryMib: number;
}

/**
 * E2 machine types, smallest first (all support Shielded VM). Shared-core types give a
 * fraction of a vCPU sustained.
 */
export const E2_MACHINE_TYPES: readonly MachineType[] = [
  { name: 'e2-micro', vcpus: 0.25, memoryMib: 1024 },
  { name: 'e2-small', vcpus: 0.5, memoryMib: 2048 },
  { name: 'e2-medium', vcpus: 1, memoryMib: 4096 },
  { name: 'e2-standard-2', vcpus: 2, memoryMib: 8192 },
  { name: 'e2-standard-4', vcpus: 4, memoryMib: 16384 },
  { name: 'e2-standard-8', vcpus: 8, memoryMib: 32768 },
  { name: 'e2-standard-16', vcpus: 16, memoryMib: 65536 },
];

/** Memory Container-Optimized OS and Docker keep for themselves on top of Envoy's limit. */
export const OS_MEMORY_MIB = 512;

/** The smallest E2 type with `proxy.cpu` vCPUs and `proxy.memory_mib` plus OS headroom. */
export function proxyMachineType(policy: Policy): MachineType {
  const { cpu, memory_mib } = policy.proxy;
  const type = E2_MACHINE_TYPES.find(
    (t) => t.vcpus >= cpu && t.memoryMib >= memory_mib + OS_MEMORY_MIB,
  );
  if (type === undefined) {
    throw proxyTierError(
      `no E2 machine type has ${cpu} vCPU and ${memory_mib} MiB plus ${OS_MEMORY_MIB} MiB for the OS. Fix: lower proxy.cpu / proxy.memory_mib, or pass machineType.`,
    );
  }
  return type;
}

/** Each tunnel holds two descriptors (agent side and upstream side), plus headroom. */
export function openFileLimit(policy: Policy): number {
  return Math.min(1_048_576, Math.max(65_535, policy.proxy.limits.max_connections * 2 + 4096));
}

/** The unique inject secrets of the policy, with the variable Envoy reads each from. */
export function bootSecrets(policy: Policy): BootSecret[] {
  return proxyCredentialInputs(policy).secrets.map((s) => ({ ...s }));
}

/** Options of {@link planProxyTier}, and so of `ProxyTierArgs`. */
export interface ProxyTierPlanOptions {
  /**
   * Machine type of the instances.
   * @default - the smallest E2 type with `proxy.cpu` and `proxy.memory_mib` plus 512 MiB
   */
  readonly machineType?: string;
  /**
   * Zones of the region to spread the instances over.
   * @default - up to three zones GCP picks in `region`
   */
  readonly zones?: readonly string[];
  /**
   * Boot image (Container-Optimized OS). Pin an image (`cos-cloud/cos-121-...`) for
   * reproducible instances.
   * @default "cos-cloud/cos-stable"
   */
  readonly bootImage?: string;
  /**
   * CPU utilisation (0.1-0.9) the autoscaler keeps between `proxy.replicas.min` and `.max`.
   * @default 0.6
   */
  readonly cpuTarget?: number;
  /**
   * Bucket for the Envoy config when it is too large for instance metadata (256 KiB a value):
   * the instances fetch it at boot and check its sha256. Bucket names are global.
   * @default - `ap-<policy name>-envoy-<8 hex of the policy name and region>`
   */
  readonly configBucket?: string;
  /** Region, for the default config bucket name. @default 'global' */
  readonly region?: string;
  /**
   * The policy's private CA (`loadPolicyCa`), required when an entry is intercepted.
   * @default - none; a policy that intercepts is refused without it
   */
  readonly ca?: PolicyCa;
}

/** Default boot image: the stable Container-Optimized OS family. */
export const DEFAULT_BOOT_IMAGE = 'cos-cloud/cos-stable';
/** Default CPU utilisation the autoscaler keeps. */
export const DEFAULT_CPU_TARGET = 0.6;
/** Zones a regional managed instance group spreads over unless told otherwise. */
export const DEFAULT_ZONE_COUNT = 3;
/** Seconds the autohealer waits after boot (image pull, secret fetch, Envoy start). */
export const AUTOHEALING_DELAY_S = 300;
/**
 * Boot disk of a proxy VM: 20 GB leaves room for image updates and logs; the lean profile
 * uses the Container-Optimized OS image's own size (10 GB), which holds one Envoy image.
 */
export const BOOT_DISK_GB = { ha: 20, lean: 10 } as const;
/** Seconds the load balancer keeps draining connections of a removed instance. */
export const CONNECTION_DRAINING_S = 120;

export interface ProxyTierPlan {
  readonly names: {
    readonly serviceAccount: string;
    readonly templatePrefix: string;
    readonly group: string;
    readonly baseInstanceName: string;
    readonly autoscaler: string;
    readonly healthCheck: string;
    readonly autohealingHealthCheck: string;
    readonly backendService: string;
    readonly address: string;
    readonly forwardingRule: string;
    readonly egressPolicy: string;
  };
  readonly machineType: string;
  readonly concurrency: number;
  readonly bootImage: string;
  /** Boot disk size in GB, by the policy's deployment profile. */
  readonly bootDiskGb: number;
  readonly zones: readonly string[] | undefined;
  /** Surge during rolling updates: at least one instance per zone (GCP's rule). */
  readonly maxSurge: number;
  readonly cpuTarget: number;
  readonly secrets: readonly BootSecret[];
  /**
   * Where instances fetch the config at boot when it does not fit in metadata, with its
   * content; undefined when the config travels inside the boot document.
   */
  readonly configObject: (ConfigObject & { readonly content: string }) | undefined;
  /** The Secret Manager secret with the CA key (intercepted hosts); only the proxy reads it. */
  readonly caKeySecret: string | undefined;
  /** The instance's `user-data` (cloud-init); holds the config, never a secret value. */
  readonly cloudInit: string;
  /** Instance metadata, `user-data` included. */
  readonly metadata: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * Plans the proxy tier: names, sizing, boot document and metadata. Pure. `pullImage` is what
 * the VM pulls (`gcpProxyPullImage`: the remote repository's path); `proxy.image` otherwise.
 */
export function planProxyTier(
  policy: Policy,
  envoyConfig: JsonObject,
  options: ProxyTierPlanOptions = {},
  pullImage: string = policy.proxy.image,
): ProxyTierPlan {
  const { proxy } = policy;
  const [gap] = deploymentGaps(policy, 'gcp');
  if (gap !== undefined) throw proxyTierError(gap);
  if (proxyModelAccess(policy).provider === 'bedrock') {
    throw proxyTierError(
      'model_access.provider is "bedrock": the proxy signs Bedrock requests with its AWS task role, which a GCP proxy does not have. Fix: deploy this policy on AWS (cdk deploy), or use provider "vertex" on GCP.',
    );
  }
  if (proxy.replicas.min > proxy.replicas.max) {
    throw proxyTierError(
      `proxy.replicas.min (${proxy.replicas.min}) is greater than proxy.replicas.max (${proxy.replicas.max}). Fix: make min <= max.`,
    );
  }
  const ca = interceptedRules(policy).length > 0 ? options.ca : undefined;
  if (interceptedRules(policy).length > 0 && ca === undefined) {
    throw proxyTierError(
      'the policy intercepts TLS (an egress entry has tls: "intercept") but the proxy tier got no CA. Fix: pass `ca: loadPolicyCa(policy, policyFile, name)` (the AgentPerimeter component and plan-gcp do this).',
    );
  }
  const leaves =
    ca === undefined
      ? undefined
      : launcherLeaves(policy, {
          key: { file: CONTAINER_CA_PATHS.key },
          certificate: { file: CONTAINER_CA_PATHS.certificate },
        });
  const cpuTarget = options.cpuTarget ?? DEFAULT_CPU_TARGET;
  if (!(cpuTarget >= 0.1 && cpuTarget <= 0.9)) {
    throw proxyTierError(
      `cpuTarget ${cpuTarget} is outside 0.1-0.9. Fix: pick a utilisation that leaves headroom for bursts, e.g. ${DEFAULT_CPU_TARGET}.`,
    );
  }
  if (options.zones !== undefined && options.zones.length === 0) {
    throw proxyTierError(
      'zones is empty. Fix: list the zones of the region to spread over, or leave it out.',
    );
  }
  const sized = proxyMachineType(policy);
  const machineType = options.machineType ?? sized.name;
  const vcpus =
    E2_MACHINE_TYPES.find((t) => t.name === machineType)?.vcpus ?? Math.max(1, proxy.cpu);
  const concurrency = Math.max(1, Math.floor(vcpus));
  const secrets = bootSecrets(policy);
  const boot = {
    image: pullImage,
    envoyConfig,
    secrets,
    credentialsFrom: proxy.credentials_from,
    concurrency,
    nofile: openFileLimit(policy),
    memoryMib: proxy.memory_mib,
    logLevel: proxy.log_level,
    drainSeconds: proxy.limits.drain_timeout_s,
    admin: proxy.admin === 'loopback',
    vertexToken: proxyModelAccess(policy).provider === 'vertex',
    formatted: proxyCredentialInputs(policy).formatted,
    ...(ca === undefined || leaves === undefined
      ? {}
      : {
          interception: {
            caKeySecret: ca.keySecret,
            caCertificatePem: ca.certificatePem,
            leaves,
          },
        }),
  };
  const n = policy.name;
  const content = JSON.stringify(envoyConfig);
  // The object name carries the digest, so a config change is a new object and a new template.
  const configObject = configFitsInMetadata(boot)
    ? undefined
    : {
        bucket:
          options.configBucket ??
          `ap-${n}-envoy-${sha256Hex(`${n}\u0000${options.region ?? 'global'}`).slice(0, 8)}`,
        object: `envoy-${sha256Hex(content).slice(0, 16)}.json`,
        content,
      };
  const cloudInit = proxyCloudInit({
    ...boot,
    ...(configObject === undefined
      ? {}
      : { configObject: { bucket: configObject.bucket, object: configObject.object } }),
  });
  return {
    names: {
      serviceAccount: serviceAccountId(policy, 'proxy'),
      templatePrefix: `${n}-proxy-`,
      group: `${n}-proxy`,
      baseInstanceName: `${n}-proxy`,
      autoscaler: `${n}-proxy`,
      healthCheck: `${n}-proxy-lb`,
      autohealingHealthCheck: `${n}-proxy-autohealing`,
      backendService: `${n}-proxy`,
      address: `${n}-proxy-ilb`,
      forwardingRule: `${n}-proxy`,
      egressPolicy: `${n}-proxy-egress`,
    },
    machineType,
    concurrency,
    bootImage: options.bootImage ?? DEFAULT_BOOT_IMAGE,
    bootDiskGb: BOOT_DISK_GB[policy.deployment.profile],
    zones: options.zones,
    maxSurge: options.zones?.length ?? DEFAULT_ZONE_COUNT,
    cpuTarget,
    secrets,
    configObject,
    caKeySecret: ca?.keySecret,
    cloudInit,
    metadata: {
      'user-data': cloudInit,
      'enable-oslogin': 'TRUE',
      'block-project-ssh-keys': 'TRUE',
      'serial-port-enable': 'FALSE',
      'google-logging-enabled': 'true',
      'google-monitoring-enabled': 'true',
      // Updates arrive as new instances from a new template, never as in-place reboots.
      'cos-update-strategy': 'update_disabled',
    },
    labels: labels(policy, 'proxy'),
  };
}
