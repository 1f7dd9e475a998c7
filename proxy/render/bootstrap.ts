import { type Policy, policyInjectListeners } from '../../lib/policy/index.js';
import { ADMIN_PORT } from '../../lib/proxy-contract.js';
import { forwardProxyCluster, forwardProxyListener } from './forward-proxy.js';
import { healthListener } from './health.js';
import { DEFAULT_CA_BUNDLE, injectCluster, injectListener, injectSecret } from './inject.js';
import { type JsonObject, TYPE } from './types.js';

export interface RenderOptions {
  /**
   * CA bundle used to verify upstream certificates on base-URL listeners.
   * @default DEFAULT_CA_BUNDLE (the official Envoy image's system bundle)
   */
  readonly caBundle?: string;
}

/**
 * Renders a validated policy into an Envoy v3 bootstrap. Pure: the same policy always gives
 * the same config. Validate the result with `validateEnvoyConfig` before shipping it.
 */
export function renderProxyConfig(policy: Policy, options: RenderOptions = {}): JsonObject {
  const caBundle = options.caBundle ?? DEFAULT_CA_BUNDLE;
  const injects = policyInjectListeners(policy);
  const bootstrap: JsonObject = {
    node: { id: `${policy.name}-proxy`, cluster: `${policy.name}-proxy` },
    static_resources: {
      listeners: [
        forwardProxyListener(policy),
        ...injects.map((l) => injectListener(policy, l)),
        healthListener(policy),
      ],
      clusters: [
        forwardProxyCluster(policy),
        ...injects.map((l) => injectCluster(policy, l, caBundle)),
      ],
      secrets: injects
        .filter((l, i) => injects.findIndex((o) => o.secret === l.secret) === i)
        .map((l) => injectSecret(policy, l)),
    },
    overload_manager: {
      resource_monitors: [
        {
          name: 'envoy.resource_monitors.global_downstream_max_connections',
          typed_config: {
            '@type': TYPE.downstreamConnections,
            max_active_downstream_connections: policy.proxy.limits.max_connections,
          },
        },
      ],
    },
  };
  if (policy.proxy.admin === 'loopback') {
    bootstrap.admin = {
      address: { socket_address: { address: '127.0.0.1', port_value: ADMIN_PORT } },
    };
  }
  return bootstrap;
}
