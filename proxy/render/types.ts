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
  downstreamConnections:
    'type.googleapis.com/envoy.extensions.resource_monitors.downstream_connections.v3.DownstreamConnectionsConfig',
} as const;

/** `*.githubusercontent.com` -> `wildcard_githubusercontent_com`: safe for Envoy names and stats. */
export function slug(host: string): string {
  return host.replace(/^\*\./, 'wildcard.').replace(/[^a-z0-9]+/g, '_');
}

/** Seconds as an Envoy Duration string. */
export function seconds(s: number): string {
  return `${s}s`;
}
