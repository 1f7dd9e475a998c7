import { agentEnvironment } from '../agent-env.js';
import type { PolicyCa } from '../ca/policy-ca.js';
import { composeHardening } from '../contract/hardening.js';
import type { JsonObject } from '../json.js';
import { type AgentProfile, type Policy, proxyPorts } from '../policy/index.js';
import {
  AGENT_TRUST_DIR,
  AGENT_TRUST_FILES,
  CA_KEY_VARIABLE,
  LEAF_DIR,
  SECRETS_DIR,
} from '../proxy-contract.js';
import { launcherLeaves, proxyCredentialInputs } from '../proxy-launch-inputs.js';
import { ENVOY_USER, launchArguments, stopTimeoutSeconds } from '../proxy-launcher.js';
import type { ProfileNetworkAddresses } from './addresses.js';

/**
 * The proxy's service name: agents reach it as `http://proxy:<port>`. Docker's DNS answers a
 * service name with its address on the asking container's network, so on each profile network
 * the name is the proxy's fixed address there, the one that profile's listeners bind.
 */
export const PROXY_SERVICE = 'proxy';
/** The network every proxy shares with the internet (through Docker's NAT). */
export const EGRESS_NETWORK = 'egress';
/** Where the rendered Envoy config is mounted read-only in the proxy container. */
export const ENVOY_CONFIG_PATH = '/etc/agent-perimeter/envoy.yaml';
/** The launcher's file beside docker-compose.yaml. */
export const LAUNCHER_FILE = 'launch.sh';
/** Where the launcher (lib/proxy-launcher.ts) is mounted in the proxy container. */
export const LAUNCHER_PATH = '/etc/agent-perimeter/launch.sh';
/**
 * The trust files beside docker-compose.yaml (public certificates only): the CA the proxy
 * signs with, and what agents trust (`ca.crt`: the CA and `also_trusted`; `bundle.crt`: the
 * public roots Node ships plus those).
 */
export const LOCAL_TRUST_FILES = {
  signing: 'proxy-ca.crt',
  ca: 'trust-ca.crt',
  bundle: 'trust-bundle.crt',
} as const;
/** Where the proxy container reads the signing CA's certificate (a read-only bind mount). */
export const PROXY_CA_CERT_PATH = '/etc/agent-perimeter/ca/ca.crt';

/** A profile's own network, `internal: true`: its only other member is the proxy. */
export function perimeterNetwork(profile: Pick<AgentProfile, 'name'>): string {
  return `${profile.name}-perimeter`;
}

/** A profile network's fixed addressing, as compose's `ipam`. */
export function networkIpam(plan: ProfileNetworkAddresses): JsonObject {
  return {
    config: [{ subnet: plan.subnet, ip_range: plan.ipRange, gateway: plan.gateway }],
  };
}

/** Compose interpolates `$`; policy-derived text must reach the container as written. */
export function escapeDollars(text: string): string {
  return text.replace(/\$/g, '$$$$');
}

/**
 * The tmpfs entry for one scratch path (`/tmp:rw,noexec,...`): size-bounded, `nosuid` and
 * `nodev` always, `noexec` unless the policy allows running programs from it. `/tmp` keeps the
 * usual sticky 1777 mode; other paths belong to the agent user alone.
 */
export function tmpfsEntry(scratch: AgentProfile['scratch'][number], user: string): string {
  const [uid = '1000', gid = '1000'] = user.split(':');
  const ownership =
    scratch.path === '/tmp' || scratch.path.startsWith('/tmp/')
      ? ['mode=1777']
      : [`uid=${uid}`, `gid=${gid}`, 'mode=0700'];
  return [
    scratch.path,
    [
      'rw',
      scratch.exec === true ? 'exec' : 'noexec',
      'nosuid',
      'nodev',
      `size=${scratch.size_mib}m`,
      ...ownership,
    ].join(','),
  ].join(':');
}

/** The hardening every container here gets: the shared table's rows, plus private IPC. */
function hardening(): JsonObject {
  return { ...composeHardening(), ipc: 'private' };
}

export interface AgentServiceOptions {
  readonly runtime: 'runc' | 'runsc' | undefined;
}

/** One agent profile as a compose service: hardened, bounded, on its own internal network. */
export function agentService(
  policy: Policy,
  profile: AgentProfile,
  options: AgentServiceOptions,
  ca?: PolicyCa,
): JsonObject {
  const environment: JsonObject = {};
  const env = { ...profile.environment, ...agentEnvironment(policy, PROXY_SERVICE, profile.name) };
  for (const [key, value] of Object.entries(env)) environment[key] = escapeDollars(value);
  const service: JsonObject = {
    image: escapeDollars(profile.image),
    ...(profile.command === undefined ? {} : { command: profile.command.map(escapeDollars) }),
    user: profile.user,
    init: true,
    ...hardening(),
    tmpfs: profile.scratch.map((s) => tmpfsEntry(s, profile.user)),
    // The CA certificate and the bundle, never a key, read-only where the variables point.
    ...(ca === undefined
      ? {}
      : {
          volumes: (['ca', 'bundle'] as const).map((file) => ({
            type: 'bind',
            source: `./${LOCAL_TRUST_FILES[file]}`,
            target: `${AGENT_TRUST_DIR}/${AGENT_TRUST_FILES[file]}`,
            read_only: true,
          })),
        }),
    mem_limit: `${profile.memory_mib}m`,
    // No swap beyond the memory limit.
    memswap_limit: `${profile.memory_mib}m`,
    cpus: profile.cpu,
    pids_limit: profile.pids_limit,
    ulimits: { nproc: { soft: profile.pids_limit, hard: profile.pids_limit } },
    environment,
    networks: [perimeterNetwork(profile)],
    depends_on: [PROXY_SERVICE],
    labels: { 'agent-perimeter.profile': profile.name, 'agent-perimeter.policy': policy.name },
    restart: 'no',
  };
  if (options.runtime !== undefined) service.runtime = options.runtime;
  return service;
}

/**
 * The Envoy proxy as a compose service: the policy's pinned image, the rendered config mounted
 * read-only, credentials passed through from the host environment by variable name (list
 * syntax: compose copies the value from the shell running it, the file holds only the name),
 * on every agent's internal network (at its fixed address there) plus the egress network.
 */
export function proxyService(
  policy: Policy,
  profiles: readonly ProfileNetworkAddresses[],
  configDigest: string,
  ca?: PolicyCa,
): JsonObject {
  const { proxy } = policy;
  const inputs = proxyCredentialInputs(policy);
  // Intercepted hosts: the launcher issues leaves at start into a tmpfs only the proxy
  // mounts (owned by Envoy's user), from the CA key it gets from the shell like every other
  // credential and the certificate bind-mounted read-only. Leaves written by `ca issue` on
  // the host would be owned by the host user, mode 0600: Envoy (uid 101) could not read them.
  const leaves =
    ca === undefined
      ? undefined
      : launcherLeaves(policy, {
          key: { env: CA_KEY_VARIABLE },
          certificate: { file: PROXY_CA_CERT_PATH },
        });
  const [uid = '101', gid = '101'] = ENVOY_USER.split(':');
  const service: JsonObject = {
    image: escapeDollars(proxy.image),
    // The launcher checks the credentials, runs Envoy and drains it on `docker compose stop`.
    entrypoint: ['/bin/bash', LAUNCHER_PATH],
    command: launchArguments({
      config: { path: ENVOY_CONFIG_PATH },
      logLevel: proxy.log_level,
      concurrency: proxy.cpu,
      drainSeconds: proxy.limits.drain_timeout_s,
      admin: proxy.admin === 'loopback',
      credentials:
        proxy.credentials_from === 'env'
          ? { variables: inputs.secrets.map((s) => s.variable) }
          : { files: inputs.secrets.map((s) => `${SECRETS_DIR}/${s.secret}`) },
      formattedCredentials: inputs.formatted,
      ...(leaves === undefined ? {} : { leaves }),
    }).map(escapeDollars),
    stop_grace_period: `${stopTimeoutSeconds(proxy.limits.drain_timeout_s)}s`,
    user: ENVOY_USER,
    // An init process as PID 1 forwards `docker compose stop`'s SIGTERM to the launcher.
    init: true,
    ...hardening(),
    volumes: [
      { type: 'bind', source: './envoy.yaml', target: ENVOY_CONFIG_PATH, read_only: true },
      { type: 'bind', source: `./${LAUNCHER_FILE}`, target: LAUNCHER_PATH, read_only: true },
      ...(ca === undefined
        ? []
        : [
            {
              type: 'bind',
              source: `./${LOCAL_TRUST_FILES.signing}`,
              target: PROXY_CA_CERT_PATH,
              read_only: true,
            },
          ]),
    ],
    ...(leaves === undefined
      ? {}
      : { tmpfs: [`${LEAF_DIR}:rw,noexec,nosuid,nodev,size=16m,uid=${uid},gid=${gid},mode=0700`] }),
    mem_limit: `${proxy.memory_mib}m`,
    cpus: proxy.cpu,
    pids_limit: 1024,
    // A fixed address on each profile network: the only one that profile's listeners bind.
    networks: {
      ...Object.fromEntries(
        profiles.map((p) => [perimeterNetwork({ name: p.profile }), { ipv4_address: p.proxy }]),
      ),
      [EGRESS_NETWORK]: {},
    },
    labels: {
      'agent-perimeter.policy': policy.name,
      // Changes whenever envoy.yaml does, so `docker compose up` recreates the proxy.
      'agent-perimeter.envoy-config-sha256': configDigest,
      'agent-perimeter.ports': proxyPorts(policy).agentFacing.join(','),
    },
    restart: 'unless-stopped',
  };
  const names = inputs.secrets.map((s) => s.variable);
  const caKey = leaves === undefined ? [] : [CA_KEY_VARIABLE];
  if (proxy.credentials_from === 'env') {
    if (names.length + caKey.length > 0) service.environment = [...names, ...caKey];
  } else {
    if (caKey.length > 0) service.environment = caKey;
    service.secrets = inputs.secrets.map(({ secret }) => ({
      source: secret,
      target: `${SECRETS_DIR}/${secret}`,
    }));
  }
  return service;
}

/**
 * Top-level `secrets:` for `credentials_from: file`: each read by compose from the host
 * variable of the same name as on AWS (`AGENT_PERIMETER_SECRET_<NAME>`).
 */
export function composeSecrets(policy: Policy): JsonObject | undefined {
  if (policy.proxy.credentials_from !== 'file') return undefined;
  const secrets: JsonObject = {};
  for (const { secret, variable } of proxyCredentialInputs(policy).secrets) {
    secrets[secret] = { environment: variable };
  }
  return Object.keys(secrets).length === 0 ? undefined : secrets;
}
