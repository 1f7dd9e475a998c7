import {
  injectedCredentials,
  type Policy,
  type ProfileInjectListener,
  policyInjectListeners,
  policyProfiles,
} from '../../lib/policy/index.js';
import { ADMIN_PORT } from '../../lib/proxy-contract.js';
import { bindToProfiles } from './bind.js';
import { dfpCluster, dfpTlsCluster } from './dns.js';
import { egressCluster, egressListener, usedCaches } from './egress.js';
import { tunnelTargets } from './entries.js';
import { forwardProxyListener } from './forward-proxy.js';
import { healthListener } from './health.js';
import { DEFAULT_CA_BUNDLE, injectListener, injectSecret } from './inject.js';
import { INTERNAL_LISTENER_EXTENSION } from './internal.js';
import { overloadManager } from './limits.js';
import { modelListeners, modelSecrets } from './model.js';
import { tunnelCluster, tunnelListener } from './tunnel.js';
import type { JsonObject } from './types.js';

export interface RenderOptions {
  /**
   * CA bundle used to verify upstream certificates on base-URL listeners.
   * @default DEFAULT_CA_BUNDLE (the official Envoy image's system bundle)
   */
  readonly caBundle?: string;
  /**
   * Profile name -> the one address its agent-facing listeners (forward proxy, base URLs,
   * model listener) bind, for a proxy with an address per profile network (the local twin's
   * compose file). Every profile must have one.
   * @default - every listener on 0.0.0.0; the clouds keep profiles apart with security groups
   * and network tags
   */
  readonly profileAddresses?: Readonly<Record<string, string>>;
}

/**
 * Renders a validated policy into an Envoy v3 bootstrap. Pure: the same policy always gives
 * the same config. Validate the result with `validateEnvoyConfig` before shipping it.
 *
 * Hops of one CONNECT: the forward listener (allowlist, 403s) -> the host's SNI-checking
 * internal listener (TLS entries) -> the egress internal listener (resolve, address guard)
 * -> the internet. Base-URL listeners resolve, guard and connect themselves.
 */
export function renderProxyConfig(policy: Policy, options: RenderOptions = {}): JsonObject {
  const caBundle = options.caBundle ?? DEFAULT_CA_BUNDLE;
  const profiles = policyProfiles(policy);
  const injects = policyInjectListeners(policy);
  const models = modelListeners(policy);
  const tls = tunnelTargets(policy).filter((t) => t.mode !== 'opaque');
  const interceptCaches = [
    ...new Set(
      tunnelTargets(policy)
        .filter((t) => t.mode === 'intercept')
        .map((t) => t.cache),
    ),
  ];
  const tlsCaches = [
    ...new Set([
      ...(injects.length > 0 || models.length > 0 ? (['exact'] as const) : []),
      ...interceptCaches,
    ]),
  ].sort();
  const caches = usedCaches(policy);
  const ruleOf = (l: ProfileInjectListener) => {
    const rule = profiles
      .find((p) => p.name === l.profile)
      ?.egress.find((r) => r.host === l.host && r.inject !== undefined);
    if (rule === undefined) throw new Error(`no egress entry for inject host ${l.host}`);
    return rule;
  };
  const listeners = [
    ...profiles.map((p) => forwardProxyListener(policy, p)),
    ...injects.map((l) => injectListener(policy, l, ruleOf(l))),
    ...models,
    healthListener(policy),
    ...tls.map((t) => tunnelListener(policy, t)),
    ...caches.map((c) => egressListener(policy, c)),
  ];
  const bootstrap: JsonObject = {
    node: { id: `${policy.name}-proxy`, cluster: `${policy.name}-proxy` },
    bootstrap_extensions: [INTERNAL_LISTENER_EXTENSION],
    static_resources: {
      listeners:
        options.profileAddresses === undefined
          ? listeners
          : bindToProfiles(policy, listeners, options.profileAddresses),
      clusters: [
        ...tls.map((t) => tunnelCluster(policy, t)),
        ...caches.flatMap((c) => [egressCluster(policy, c), dfpCluster(policy, c)]),
        ...tlsCaches.map((c) => dfpTlsCluster(policy, caBundle, c)),
      ],
      secrets: [
        ...injectedCredentials(policy).map((c) => injectSecret(policy, c)),
        ...modelSecrets(policy),
      ],
    },
    overload_manager: overloadManager(policy),
  };
  if (policy.proxy.admin === 'loopback') {
    bootstrap.admin = {
      address: { socket_address: { address: '127.0.0.1', port_value: ADMIN_PORT } },
    };
  }
  return bootstrap;
}
