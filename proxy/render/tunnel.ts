import type { Policy } from '../../lib/policy/index.js';
import { DENY_PREFIX, tunnelListenerNameOf } from '../../lib/proxy-contract.js';
import { accessLog } from './access-log.js';
import { egressListenerName, TUNNEL_CHECKS, TUNNEL_HEADER } from './egress.js';
import type { TunnelTarget } from './entries.js';
import { interceptHcm, interceptTransportSocket } from './intercept.js';
import { internalCluster, internalListener } from './internal.js';
import { type Json, type JsonObject, seconds, TYPE } from './types.js';

/*
 * The SNI check. The forward listener terminates each allowed CONNECT into an internal
 * listener of its own host:port, so what arrives here was already matched to one allowlist
 * entry. `tls_inspector` reads the ClientHello; only a filter chain whose server name is that
 * entry's host forwards, and it forwards to the name the TLS server will see (the SNI), never
 * to an address the agent chose. No TLS, no SNI, or another name: the tunnel is closed.
 */

/** How long an agent has to send its ClientHello once the tunnel is open. */
export const CLIENT_HELLO_TIMEOUT_S = 10;

export const tunnelListenerName = (target: TunnelTarget) =>
  tunnelListenerNameOf(target.host, target.port);

/** The tunnel's filter chain names, as they appear in the `filter_chain` log field. */
export const TUNNEL_CHAINS = {
  sniMismatch: `${DENY_PREFIX}sni_mismatch`,
  notTls: `${DENY_PREFIX}not_tls`,
} as const;

/** Closes the connection without a byte: Envoy's direct response with an empty body. */
function close(): Json {
  return {
    name: 'envoy.filters.network.direct_response',
    typed_config: { '@type': TYPE.directResponse },
  };
}

function forwardToEgress(policy: Policy, target: TunnelTarget, statPrefix: string): Json {
  const { limits } = policy.proxy;
  return {
    name: 'envoy.filters.network.tcp_proxy',
    typed_config: {
      '@type': TYPE.tcpProxy,
      stat_prefix: statPrefix,
      cluster: egressListenerName(target.cache),
      tunneling_config: {
        hostname: `%REQUESTED_SERVER_NAME%:${target.port}`,
        headers_to_add: [
          {
            header: { key: TUNNEL_HEADER, value: TUNNEL_CHECKS.tls },
            append_action: 'OVERWRITE_IF_EXISTS_OR_ADD',
          },
        ],
      },
      idle_timeout: seconds(limits.idle_timeout_s),
      max_downstream_connection_duration: seconds(limits.max_tunnel_duration_s),
    },
  };
}

/** The internal listener that checks tunnels to one TLS host:port. */
export function tunnelListener(policy: Policy, target: TunnelTarget): JsonObject {
  const name = tunnelListenerName(target);
  return internalListener(name, {
    listener_filters: [
      {
        name: 'envoy.filters.listener.tls_inspector',
        typed_config: { '@type': TYPE.tlsInspector },
      },
    ],
    listener_filters_timeout: seconds(CLIENT_HELLO_TIMEOUT_S),
    continue_on_listener_filters_timeout: false,
    filter_chains: [
      target.mode === 'intercept'
        ? {
            name: `intercept_${target.id}`,
            filter_chain_match: { server_names: [target.host], transport_protocol: 'tls' },
            transport_socket: interceptTransportSocket(target.host),
            filters: [interceptHcm(policy, target, name)],
          }
        : {
            name: `allow_${target.id}`,
            filter_chain_match: { server_names: [target.host], transport_protocol: 'tls' },
            filters: [forwardToEgress(policy, target, name)],
          },
      {
        name: TUNNEL_CHAINS.sniMismatch,
        filter_chain_match: { transport_protocol: 'tls' },
        filters: [close()],
      },
    ],
    default_filter_chain: { name: TUNNEL_CHAINS.notTls, filters: [close()] },
    access_log: accessLog('tunnel', name, policy),
  });
}

/** The forward listener's way into `tunnelListener`: raw bytes of the terminated CONNECT. */
export function tunnelCluster(policy: Policy, target: TunnelTarget): JsonObject {
  return internalCluster(policy, tunnelListenerName(target), { http1: false });
}
