import { agentEnvironment } from '../../lib/agent-env.js';
import { TRUSTED_CA_VARIABLE, trustThenExec } from '../../lib/ca/trust.js';
import { type AgentProfile, interceptedRules, type Policy } from '../../lib/policy/index.js';
import { CLOUD_RUN_TRUST_DIR } from '../../lib/proxy-contract.js';
import { GcpPerimeterError } from '../errors.js';
import { fitName, labels, serviceAccountId } from '../names.js';

/*
 * Agents on Cloud Run, as data. Cloud Run cannot express every part of an agent profile;
 * what it cannot is listed in `unsupported` (and in docs/gcp.md), never silently dropped.
 */

/** Cloud Run's limits (services and jobs). */
export const CLOUD_RUN_MAX_CPU = 8;
export const CLOUD_RUN_MAX_MEMORY_MIB = 32768;
/** Minimum vCPUs above a memory size, per Cloud Run's documented CPU/memory pairs. */
export const CLOUD_RUN_CPU_FOR_MEMORY: readonly {
  readonly aboveMib: number;
  readonly cpu: number;
}[] = [
  { aboveMib: 16384, cpu: 6 },
  { aboveMib: 8192, cpu: 4 },
  { aboveMib: 4096, cpu: 2 },
];

/** Cloud Run pulls only from these registries (others need an Artifact Registry remote repository). */
export function cloudRunCanPull(image: string): boolean {
  const first = image.split('/')[0] ?? '';
  const hasRegistry = image.includes('/') && (first.includes('.') || first.includes(':'));
  if (!hasRegistry) return true; // Docker Hub
  return (
    first === 'docker.io' ||
    first === 'index.docker.io' ||
    /-docker\.pkg\.dev$/.test(first) ||
    /(^|\.)gcr\.io$/.test(first)
  );
}

export interface AgentPlan {
  readonly profile: AgentProfile;
  /** Cloud Run service or job name. */
  readonly name: string;
  readonly serviceAccountId: string;
  readonly image: string;
  /** Entrypoint override (the profile's `command[0]`), if any. */
  readonly commands: readonly string[] | undefined;
  readonly args: readonly string[] | undefined;
  readonly cpu: string;
  readonly memory: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Profile settings Cloud Run has no equivalent for. */
  readonly unsupported: readonly string[];
  readonly warnings: readonly string[];
}

/** Plans one agent profile for Cloud Run (service or job). Throws for sizes Cloud Run lacks. */
export function planAgent(
  policy: Policy,
  profile: AgentProfile,
  options: { readonly image?: string; readonly component?: string } = {},
): AgentPlan {
  const component = options.component ?? 'AgentService';
  const fail = (message: string): never => {
    throw new GcpPerimeterError(component, `agent "${profile.name}": ${message}`);
  };
  if (profile.cpu > CLOUD_RUN_MAX_CPU) {
    fail(
      `cpu ${profile.cpu} is more than Cloud Run's ${CLOUD_RUN_MAX_CPU} vCPU. Fix: use 8 or fewer.`,
    );
  }
  if (profile.memory_mib > CLOUD_RUN_MAX_MEMORY_MIB) {
    fail(
      `memory_mib ${profile.memory_mib} is more than Cloud Run's ${CLOUD_RUN_MAX_MEMORY_MIB} MiB. Fix: use ${CLOUD_RUN_MAX_MEMORY_MIB} or less.`,
    );
  }
  for (const { aboveMib, cpu } of CLOUD_RUN_CPU_FOR_MEMORY) {
    if (profile.memory_mib > aboveMib && profile.cpu < cpu) {
      fail(
        `memory_mib ${profile.memory_mib} needs at least ${cpu} vCPU on Cloud Run (cpu is ${profile.cpu}). Fix: raise cpu or lower memory_mib to ${aboveMib}.`,
      );
    }
  }
  const image = options.image ?? profile.image;
  const warnings: string[] = [];
  if (!cloudRunCanPull(image)) {
    warnings.push(
      `agent "${profile.name}": Cloud Run cannot pull "${image}" (it pulls from Artifact Registry, Container Registry and Docker Hub only). Mirror it through an Artifact Registry remote repository and set its image for GCP (Pulumi config agentImages).`,
    );
  }
  if (profile.aws_access !== undefined && profile.aws_access.length > 0) {
    warnings.push(
      `agent "${profile.name}": aws_access is AWS-only and ignored on GCP; the agent's service account has no roles. Give the agent other services through the proxy.`,
    );
  }
  const intercepting = interceptedRules(policy).length > 0;
  if (intercepting && profile.command === undefined) {
    fail(
      `has no command, and the policy intercepts TLS: on Cloud Run the container first writes the trust files (${CLOUD_RUN_TRUST_DIR}) and then runs the command, so the command must be known. Fix: set its command (the image's entrypoint and arguments).`,
    );
  }
  const [first, ...rest] = intercepting
    ? [
        '/bin/sh',
        '-c',
        trustThenExec(CLOUD_RUN_TRUST_DIR),
        'agent-perimeter-trust',
        ...(profile.command ?? []),
      ]
    : (profile.command ?? []);
  return {
    profile,
    name: fitName(`${policy.name}-${profile.name}`, 49),
    serviceAccountId: serviceAccountId(policy, `agent-${profile.name}`),
    image,
    commands: first === undefined ? undefined : [first],
    args: first === undefined ? undefined : rest,
    cpu: String(profile.cpu),
    memory: `${profile.memory_mib}Mi`,
    labels: { ...labels(policy, 'agent'), 'agent-perimeter-agent': profile.name },
    unsupported: [
      `pids_limit ${profile.pids_limit} (Cloud Run sets no per-container process limit)`,
      `user ${profile.user} (set USER in the image; Cloud Run has no run-as setting)`,
      `scratch ${profile.scratch.map((s) => `${s.path}:${s.size_mib}MiB`).join(', ')} (the whole filesystem is writable and in memory; its size counts against memory_mib)`,
    ],
    warnings,
  };
}

/** The agent's environment as Cloud Run `envs`, sorted by name: profile values, then the proxy's. */
export function agentEnvs(
  policy: Policy,
  profile: AgentProfile,
  proxyHost: string,
  trustedCa?: string,
): { name: string; value: string }[] {
  const intercepting = interceptedRules(policy).length > 0;
  if (intercepting && trustedCa === undefined) {
    throw new GcpPerimeterError(
      'AgentService',
      `agent "${profile.name}": the policy intercepts TLS, so the agent needs the private CA's certificate. Fix: pass trustedCa (PolicyCa.trustedPem from loadPolicyCa); the AgentPerimeter component does this.`,
    );
  }
  const env: Record<string, string> = {
    ...profile.environment,
    ...agentEnvironment(policy, proxyHost, profile.name, { trustDir: CLOUD_RUN_TRUST_DIR }),
    // Public certificates only; the start wrapper writes them where the variables point.
    ...(intercepting && trustedCa !== undefined ? { [TRUSTED_CA_VARIABLE]: trustedCa } : {}),
  };
  return Object.keys(env)
    .sort()
    .map((name) => ({ name, value: env[name] as string }));
}
