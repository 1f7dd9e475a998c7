import type { Policy } from '../../lib/policy/index.js';
import { circuitBreakers } from './limits.js';
import { HTTP_PROTOCOL_OPTIONS_KEY, type JsonObject, seconds, TYPE } from './types.js';

/*
 * Internal listeners (`envoy.bootstrap.internal_listener`) are in-process: no socket, no
 * address an agent could reach. Each is reached through a cluster of the same name whose one
 * endpoint is the listener; its transport socket hands the tunnel's correlation state over.
 */

export const INTERNAL_LISTENER_EXTENSION: JsonObject = {
  name: 'envoy.bootstrap.internal_listener',
  typed_config: { '@type': TYPE.internalListener },
};

/**
 * The cluster that connects to internal listener `name`. With `http1`, it speaks HTTP/1.1 to
 * it (CONNECT), otherwise raw bytes (a terminated tunnel).
 */
export function internalCluster(
  policy: Policy,
  name: string,
  options: { readonly http1: boolean },
): JsonObject {
  const cluster: JsonObject = {
    name,
    connect_timeout: seconds(policy.proxy.limits.connect_timeout_s),
    load_assignment: {
      cluster_name: name,
      endpoints: [
        {
          lb_endpoints: [
            { endpoint: { address: { envoy_internal_address: { server_listener_name: name } } } },
          ],
        },
      ],
    },
    transport_socket: {
      name: 'envoy.transport_sockets.internal_upstream',
      typed_config: {
        '@type': TYPE.internalUpstream,
        transport_socket: {
          name: 'envoy.transport_sockets.raw_buffer',
          typed_config: { '@type': TYPE.rawBuffer },
        },
      },
    },
    circuit_breakers: circuitBreakers(policy),
  };
  if (options.http1) {
    cluster.typed_extension_protocol_options = {
      [HTTP_PROTOCOL_OPTIONS_KEY]: {
        '@type': TYPE.httpProtocolOptions,
        explicit_http_config: { http_protocol_options: {} },
      },
    };
  }
  return cluster;
}

/** An internal listener: no address, only reachable through `internalCluster`. */
export function internalListener(name: string, rest: JsonObject): JsonObject {
  return { name, internal_listener: {}, ...rest };
}
