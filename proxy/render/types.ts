import type { JsonObject } from '../../lib/json.js';
import { nameSlug } from '../../lib/proxy-contract.js';

export type { Json, JsonObject } from '../../lib/json.js';

/** Fully qualified `@type` URLs of the Envoy extensions the renderer uses. */
export const TYPE = {
  hcm: 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
  router: 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router',
  dfpFilter:
    'type.googleapis.com/envoy.extensions.filters.http.dynamic_forward_proxy.v3.FilterConfig',
  dfpCluster:
    'type.googleapis.com/envoy.extensions.clusters.dynamic_forward_proxy.v3.ClusterConfig',
  credentialInjector:
    'type.googleapis.com/envoy.extensions.filters.http.credential_injector.v3.CredentialInjector',
  genericCredential:
    'type.googleapis.com/envoy.extensions.http.injected_credentials.generic.v3.Generic',
  localRateLimit:
    'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit',
  healthCheck: 'type.googleapis.com/envoy.extensions.filters.http.health_check.v3.HealthCheck',
  stdoutLog: 'type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog',
  upstreamTls: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
  downstreamTls:
    'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
  downstreamConnections:
    'type.googleapis.com/envoy.extensions.resource_monitors.downstream_connections.v3.DownstreamConnectionsConfig',
  fixedHeap: 'type.googleapis.com/envoy.extensions.resource_monitors.fixed_heap.v3.FixedHeapConfig',
  internalListener:
    'type.googleapis.com/envoy.extensions.bootstrap.internal_listener.v3.InternalListener',
  internalUpstream:
    'type.googleapis.com/envoy.extensions.transport_sockets.internal_upstream.v3.InternalUpstreamTransport',
  rawBuffer: 'type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer',
  tlsInspector:
    'type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector',
  tcpProxy: 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
  directResponse: 'type.googleapis.com/envoy.extensions.filters.network.direct_response.v3.Config',
  rbac: 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC',
  rbacPerRoute: 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBACPerRoute',
  upstreamIpPort:
    'type.googleapis.com/envoy.extensions.rbac.matchers.upstream_ip_port.v3.UpstreamIpPortMatcher',
  dfpPerRoute:
    'type.googleapis.com/envoy.extensions.filters.http.dynamic_forward_proxy.v3.PerRouteConfig',
  setFilterState: 'type.googleapis.com/envoy.extensions.filters.http.set_filter_state.v3.Config',
  awsRequestSigning:
    'type.googleapis.com/envoy.extensions.filters.http.aws_request_signing.v3.AwsRequestSigning',
  sdsSecret: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret',
  httpProtocolOptions: 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
} as const;

/** Extension names Envoy registers the typed configs above under. */
export const HTTP_PROTOCOL_OPTIONS_KEY = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';

/** `*.githubusercontent.com` -> `wildcard_githubusercontent_com`: safe for Envoy names and stats. */
export const slug = nameSlug;

/** The TLS versions the proxy speaks, to agents and to upstreams alike: 1.2 or 1.3 only. */
export function tlsParams(): JsonObject {
  return { tls_minimum_protocol_version: 'TLSv1_2', tls_maximum_protocol_version: 'TLSv1_3' };
}

/** Seconds as an Envoy Duration string. */
export function seconds(s: number): string {
  return `${s}s`;
}
