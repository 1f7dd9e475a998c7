/*
 * What the rendered Envoy config promises to the rest of the system: the cloud stacks point
 * load balancers, metric filters and runbooks at these, so they live here, not in the renderer.
 */

/** Load balancers check this path on `proxy.health_port`; 200 when ready, 503 when draining. */
export const HEALTH_PATH = '/healthz';

/** Every refusal is a route whose name starts with this; alarms count them in the access log. */
export const DENY_ROUTE_PREFIX = 'deny_';

/** Where credential files are mounted when `proxy.credentials_from` is `file`. */
export const SECRETS_DIR = '/etc/agent-perimeter/secrets';

/** Envoy's admin interface when `proxy.admin` is `loopback`. */
export const ADMIN_PORT = 9901;

/**
 * One JSON line per request on stdout, allowed or denied. Field names are stable: audit metric
 * filters and the runbook query them.
 */
export const ACCESS_LOG_FIELDS: Readonly<Record<string, string>> = {
  start_time: '%START_TIME%',
  downstream_address: '%DOWNSTREAM_REMOTE_ADDRESS%',
  method: '%REQ(:METHOD)%',
  authority: '%REQ(:AUTHORITY)%',
  path: '%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%',
  protocol: '%PROTOCOL%',
  response_code: '%RESPONSE_CODE%',
  response_flags: '%RESPONSE_FLAGS%',
  response_code_details: '%RESPONSE_CODE_DETAILS%',
  bytes_received: '%BYTES_RECEIVED%',
  bytes_sent: '%BYTES_SENT%',
  duration_ms: '%DURATION%',
  upstream_host: '%UPSTREAM_HOST%',
  upstream_failure: '%UPSTREAM_TRANSPORT_FAILURE_REASON%',
  route_name: '%ROUTE_NAME%',
  request_id: '%REQ(X-REQUEST-ID)%',
  user_agent: '%REQ(USER-AGENT)%',
};
