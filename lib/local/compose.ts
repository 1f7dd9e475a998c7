import { createHash } from 'node:crypto';
import { Document } from 'yaml';
import type { PolicyCa } from '../ca/policy-ca.js';
import { trustBundle } from '../ca/trust.js';
import type { JsonObject } from '../json.js';
import { deploymentGaps, interceptedRules, type Policy } from '../policy/index.js';
import { looksLikeSecret } from '../policy/secrets.js';
import { CA_KEY_VARIABLE } from '../proxy-contract.js';
import { proxyCredentialInputs } from '../proxy-launch-inputs.js';
import { launcherScript } from '../proxy-launcher.js';
import { profileNetworks } from './addresses.js';
import { LocalComposeError } from './errors.js';
import { selectProfiles } from './select.js';
import {
  agentService,
  composeSecrets,
  EGRESS_NETWORK,
  LAUNCHER_FILE,
  LOCAL_TRUST_FILES,
  networkIpam,
  PROXY_SERVICE,
  perimeterNetwork,
  proxyService,
} from './services.js';

/** File names written by `agent-perimeter local`. */
export const COMPOSE_FILE = 'docker-compose.yaml';
export const ENVOY_FILE = 'envoy.yaml';
export { LAUNCHER_FILE };

export interface LocalComposeOptions {
  /**
   * Only this agent profile.
   * @default - every profile in the policy, each on its own internal network
   */
  readonly profile?: string;
  /**
   * OCI runtime for every agent, e.g. `runsc` (gVisor).
   * @default - each profile's `runtime`, else Docker's default
   */
  readonly runtime?: 'runc' | 'runsc';
  /** Where the policy came from, for the header comment. @default '<policy>' */
  readonly source?: string;
  /**
   * The policy's private CA (`loadPolicyCa`), required when an entry is intercepted.
   * @default - none; a policy that intercepts is refused without it
   */
  readonly ca?: PolicyCa;
  /**
   * The private range the profile networks are cut from, a /24 per profile. Render the Envoy
   * config with `profileAddresses: localListenerAddresses(policy, options)` from the same
   * options, so each profile's listeners bind only its proxy address.
   * @default DEFAULT_ADDRESS_POOL (10.213.0.0/16)
   */
  readonly addressPool?: string;
}

/** What `agent-perimeter local` writes: file name -> contents. */
export type LocalFiles = Readonly<Record<string, string>>;

function checkPinned(image: string): void {
  const tail = image.split('/').pop() ?? image;
  const pinned = image.includes('@sha256:') || (tail.includes(':') && !tail.endsWith(':latest'));
  if (!pinned) {
    throw new LocalComposeError(
      `proxy.image "${image}" is not pinned. Fix: give a version tag or digest, e.g. "envoyproxy/envoy:v1.36.4".`,
    );
  }
}

/**
 * The compose project for a policy: the agents, hardened as the guide's `docker run` recipe
 * (cap_drop ALL, no-new-privileges, read-only root, noexec/nosuid size-bounded tmpfs scratch,
 * memory/CPU/pids limits, non-root user, optional gVisor), each on an `internal: true` network
 * shared only with the Envoy proxy, which alone also joins a network with a way out. Each
 * network has a fixed subnet and the proxy a fixed address on it (lib/local/addresses.ts).
 */
export function composeProject(
  policy: Policy,
  envoyConfigText: string,
  options: LocalComposeOptions = {},
): JsonObject {
  const profiles = selectProfiles(policy, options.profile);
  if (profiles.some((p) => p.name === PROXY_SERVICE || p.name === EGRESS_NETWORK)) {
    throw new LocalComposeError(
      `an agent profile is named "${PROXY_SERVICE}" or "${EGRESS_NETWORK}", which the compose file uses itself. Fix: rename the profile.`,
    );
  }
  checkPinned(policy.proxy.image);
  const [gap] = deploymentGaps(policy, 'local');
  if (gap !== undefined) throw new LocalComposeError(gap);
  const ca = interceptedRules(policy).length > 0 ? options.ca : undefined;
  if (interceptedRules(policy).length > 0 && ca === undefined) {
    throw new LocalComposeError(
      'the policy intercepts TLS (an egress entry has tls: "intercept") but no CA was given. Fix: pass `ca: loadPolicyCa(policy, policyFile, name)` (`agent-perimeter local` does this).',
    );
  }
  const addresses = profileNetworks(policy, options);
  const digest = createHash('sha256').update(envoyConfigText).digest('hex');
  const services: JsonObject = {
    [PROXY_SERVICE]: proxyService(policy, addresses, digest, ca),
  };
  for (const profile of profiles) {
    services[profile.name] = agentService(
      policy,
      profile,
      { runtime: options.runtime ?? profile.runtime },
      ca,
    );
  }
  const networks: JsonObject = {};
  for (const plan of addresses) {
    // No gateway, no NAT: the agent's packets reach the proxy and nothing else. Fixed
    // addressing, so the proxy's address here is the one its Envoy listeners bind.
    networks[perimeterNetwork({ name: plan.profile })] = {
      internal: true,
      ipam: networkIpam(plan),
    };
  }
  networks[EGRESS_NETWORK] = {};
  const project: JsonObject = { name: `agent-perimeter-${policy.name}`, services, networks };
  const secrets = composeSecrets(policy);
  if (secrets !== undefined) project.secrets = secrets;
  return project;
}

/**
 * `docker-compose.yaml`, `envoy.yaml` and the proxy launcher for a policy. The Envoy config is passed in already
 * rendered and validated (`lib/` does not depend on the renderer). Throws if anything
 * secret-looking would be written (the policy loader already rejects such values).
 */
export function renderLocalFiles(
  policy: Policy,
  envoyConfigText: string,
  options: LocalComposeOptions = {},
): LocalFiles {
  const project = composeProject(policy, envoyConfigText, options);
  const doc = new Document(project);
  const names = [
    ...proxyCredentialInputs(policy).secrets.map((s) => s.variable),
    ...(options.ca === undefined || interceptedRules(policy).length === 0 ? [] : [CA_KEY_VARIABLE]),
  ];
  doc.commentBefore = [
    ` Generated by agent-perimeter from ${options.source ?? '<policy>'}. Do not edit: change the policy and re-run \`agent-perimeter local\`.`,
    names.length === 0
      ? ' No credentials are injected.'
      : ` Credentials come from your shell, never this file: export ${names.join(', ')} before \`docker compose up\`.`,
    ' Containers on only internal networks get no external DNS on Docker Engine 26+ (or 25.0.5+ / 23.0.11+).',
  ].join('\n');
  const text = doc.toString({
    lineWidth: 0,
    defaultStringType: 'QUOTE_DOUBLE',
    defaultKeyType: 'PLAIN',
  });
  for (const profile of selectProfiles(policy, options.profile)) {
    const service = (project.services as JsonObject)[profile.name] as JsonObject;
    const values = [
      ...Object.values(service.environment as JsonObject),
      ...((service.command as string[] | undefined) ?? []),
    ];
    for (const value of values) {
      const what = typeof value === 'string' ? looksLikeSecret(value) : undefined;
      if (what !== undefined) {
        throw new LocalComposeError(
          `agent "${profile.name}" would get what looks like ${what} in its environment or command. Agents must never hold credentials. Fix: remove it from the policy and add an \`inject\` rule so the proxy adds it.`,
        );
      }
    }
  }
  const intercepting = interceptedRules(policy).length > 0;
  const files: Record<string, string> = {
    [COMPOSE_FILE]: text,
    [ENVOY_FILE]: envoyConfigText,
    [LAUNCHER_FILE]: launcherScript(intercepting),
  };
  if (intercepting && options.ca !== undefined) {
    files[LOCAL_TRUST_FILES.signing] = options.ca.certificatePem;
    files[LOCAL_TRUST_FILES.ca] = options.ca.trustedPem;
    files[LOCAL_TRUST_FILES.bundle] = trustBundle(options.ca.trustedPem);
  }
  return files;
}
