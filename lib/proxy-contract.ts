/*
 * What the rendered Envoy config promises to the rest of the system: the cloud stacks point
 * load balancers, metric filters and runbooks at these, so they live here, not in the renderer.
 */

/**
 * Load balancers check this path on `proxy.health_port`: 200 while Envoy serves, 503 once the
 * launcher has failed the health check on SIGTERM (Envoy's `/healthcheck/fail`).
 */
export const HEALTH_PATH = '/healthz';

/**
 * Every refusal carries a name that starts with this: the route (`route_name`), the tunnel's
 * filter chain (`filter_chain`) or the address-guard policy (in `response_code_details`).
 */
export const DENY_PREFIX = 'deny_';

/** `*.x.com` -> `wildcard.x.com`: the one spelling of a wildcard host in names and files. */
function spellWildcard(host: string): string {
  return host.replace(/^\*\./, 'wildcard.');
}

/** `*.githubusercontent.com` -> `wildcard_githubusercontent_com`: safe for Envoy names and stats. */
export function nameSlug(host: string): string {
  return spellWildcard(host).replace(/[^a-z0-9]+/g, '_');
}

/**
 * The SNI-checking listener of one allowlisted host:port: the `listener` field of its `tunnel`
 * lines (the audit alarms recognise the probe's no-TLS attempt by it).
 */
export function tunnelListenerNameOf(host: string, port: number): string {
  return `tls_${nameSlug(host)}_${port}`;
}

/**
 * The body of every 403 the proxy answers begins with this, then the policy name in quotes
 * and the reason: agents, probes and operators can tell the proxy's refusals from an
 * upstream's.
 */
export const DENIED_MESSAGE_PREFIX = 'agent-perimeter: denied by policy';

/** The body of a refusal by policy `policyName`. */
export function deniedMessage(policyName: string, reason: string): string {
  return `${DENIED_MESSAGE_PREFIX} "${policyName}": ${reason}\n`;
}

/** Where credential files are mounted when `proxy.credentials_from` is `file`. */
export const SECRETS_DIR = '/etc/agent-perimeter/secrets';

/**
 * The Vertex AI access token, as Envoy reads it: an SDS file the token refresher beside Envoy
 * rewrites (atomically, on tmpfs) before each token expires. The directory is mounted into the
 * Envoy container read-only at VERTEX_TOKEN_CONTAINER_DIR.
 */
export const VERTEX_TOKEN_SECRET = 'vertex_access_token';
export const VERTEX_TOKEN_FILE = 'vertex-token.json';
export const VERTEX_TOKEN_CONTAINER_DIR = '/etc/agent-perimeter/vertex';

/**
 * The variable the proxy reads a Bedrock API key from (`model_access.api_key_secret`). The
 * launcher prefixes the value with "Bearer " before Envoy starts.
 */
export const MODEL_CREDENTIAL_VARIABLE = 'AGENT_PERIMETER_SECRET_MODEL_API_KEY';

/**
 * Where the proxy keeps the leaf certificates it issues at start for intercepted hosts (a
 * writable, proxy-only volume): `<host>.crt`, `<host>.key` and the SDS file Envoy watches.
 */
export const LEAF_DIR = '/etc/agent-perimeter/tls';

/**
 * The variables the proxy container gets its private CA in where a platform hands it over as
 * environment (ECS secrets, an env file): the key from the secret store, the public certificate.
 * The launcher reads both once and removes the key from the environment Envoy inherits.
 */
export const CA_KEY_VARIABLE = 'AGENT_PERIMETER_CA_KEY';
export const CA_CERT_VARIABLE = 'AGENT_PERIMETER_CA_CERT';

/** A leaf's file name without extension: `*.x.com` -> `wildcard.x.com`. */
export function leafBaseName(host: string): string {
  return spellWildcard(host);
}

/** The SDS secret that holds a host's leaf. */
export function leafSecretName(host: string): string {
  return `leaf_${nameSlug(host)}`;
}

/** A host's leaf files and the SDS file Envoy watches for it, all in LEAF_DIR. */
export function leafPaths(host: string, dir: string = LEAF_DIR) {
  const base = `${dir}/${leafBaseName(host)}`;
  return { certificate: `${base}.crt`, key: `${base}.key`, sds: `${base}.sds.json` };
}

/** Where agents find the private CA (read-only): the CA alone and the system roots plus it. */
export const AGENT_TRUST_DIR = '/etc/agent-perimeter/trust';
export const AGENT_TRUST_FILES = { ca: 'ca.crt', bundle: 'bundle.crt' } as const;

/**
 * Where Cloud Run agents find them instead: Cloud Run has no read-only mount for a file the
 * stack writes, so the container writes them at start (`trustThenExec`) under /tmp, which
 * every image's user may write.
 */
export const CLOUD_RUN_TRUST_DIR = '/tmp/agent-perimeter/trust';

/** Envoy's admin interface, on 127.0.0.1 only; the launcher drains through it on SIGTERM. */
export const ADMIN_PORT = 9901;

/**
 * Filter-state keys the agent-facing listener sets and every internal hop of the same tunnel
 * logs, so one agent request can be followed through the proxy.
 */
export const FILTER_STATE = {
  agentAddress: 'agent_perimeter.agent_address',
  requestId: 'agent_perimeter.request_id',
  /** The agent profile, known from the agent-facing listener the request arrived on. */
  profile: 'agent_perimeter.profile',
} as const;

/**
 * The kinds of access-log line. One agent CONNECT produces a `proxy` line (the request as the
 * agent sent it), a `tunnel` line (the TLS ClientHello seen inside it) and an `egress` line (the
 * upstream the proxy dialled). Base-URL requests produce one `base_url` line each, and each
 * request inside an intercepted tunnel one `intercepted` line (method, path, host, the route
 * that allowed or refused it; never a header value).
 */
export const LOG_TYPES = ['proxy', 'tunnel', 'egress', 'base_url', 'intercepted'] as const;
export type LogType = (typeof LOG_TYPES)[number];

const filterState = (key: string) => `%FILTER_STATE(${key}:PLAIN)%`;

/** Fields every line has. `downstream_address` is always the agent's address. */
function commonFields(agentFacing: boolean): Record<string, string> {
  return {
    start_time: '%START_TIME%',
    event: '%ACCESS_LOG_TYPE%',
    connection_id: '%CONNECTION_ID%',
    request_id: agentFacing ? '%REQ(X-REQUEST-ID)%' : filterState(FILTER_STATE.requestId),
    downstream_address: agentFacing
      ? '%DOWNSTREAM_REMOTE_ADDRESS%'
      : filterState(FILTER_STATE.agentAddress),
    ...(agentFacing ? {} : { profile: filterState(FILTER_STATE.profile) }),
    bytes_received: '%BYTES_RECEIVED%',
    bytes_sent: '%BYTES_SENT%',
    duration_ms: '%DURATION%',
    response_flags: '%RESPONSE_FLAGS%',
  };
}

const HTTP_FIELDS: Readonly<Record<string, string>> = {
  method: '%REQ(:METHOD)%',
  authority: '%REQ(:AUTHORITY)%',
  path: '%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%',
  protocol: '%PROTOCOL%',
  response_code: '%RESPONSE_CODE%',
  response_code_details: '%RESPONSE_CODE_DETAILS%',
  route_name: '%ROUTE_NAME%',
  upstream_host: '%UPSTREAM_HOST%',
  upstream_failure: '%UPSTREAM_TRANSPORT_FAILURE_REASON%',
  user_agent: '%REQ(USER-AGENT)%',
};

const TUNNEL_FIELDS: Readonly<Record<string, string>> = {
  sni: '%REQUESTED_SERVER_NAME%',
  filter_chain: '%FILTER_CHAIN_NAME%',
  tls_failure: '%DYNAMIC_METADATA(envoy.filters.listener.tls_inspector:failure_reason)%',
  termination: '%CONNECTION_TERMINATION_DETAILS%',
};

/**
 * The JSON fields of each kind of line (besides the constants `log_type`, `listener`, `policy`
 * and, on agent-facing lines, `profile`). Field names are stable: audit metric filters and the runbook query them.
 */
export const ACCESS_LOG_FORMATS: Readonly<Record<LogType, Readonly<Record<string, string>>>> = {
  proxy: { ...commonFields(true), ...HTTP_FIELDS },
  base_url: { ...commonFields(true), ...HTTP_FIELDS },
  tunnel: { ...commonFields(false), ...TUNNEL_FIELDS },
  egress: { ...commonFields(false), ...HTTP_FIELDS },
  intercepted: { ...commonFields(false), ...HTTP_FIELDS, sni: '%REQUESTED_SERVER_NAME%' },
};

/** Fields of the agent-facing request lines (`proxy` and `base_url`). */
export const ACCESS_LOG_FIELDS: Readonly<Record<string, string>> = ACCESS_LOG_FORMATS.proxy;

/**
 * Constant fields every line also carries. `profile` is a constant of the agent-facing
 * listener; the internal hops log the same value from the filter state it set.
 */
export const ACCESS_LOG_CONSTANTS = ['log_type', 'listener', 'policy', 'profile'] as const;

/** Every field name any line can have. */
export const ACCESS_LOG_FIELD_NAMES: readonly string[] = [
  ...new Set([
    ...ACCESS_LOG_CONSTANTS,
    ...LOG_TYPES.flatMap((type) => Object.keys(ACCESS_LOG_FORMATS[type])),
  ]),
];

/** Where a refusal shows in the log, and what it means. */
export interface Refusal {
  /** The log field that names it. */
  readonly field: 'route_name' | 'filter_chain' | 'response_code_details';
  /** Its value; a trailing `*` matches any continuation. */
  readonly value: string;
  /** The lines it appears on. */
  readonly logTypes: readonly LogType[];
  /** What the proxy refused, for operators. */
  readonly meaning: string;
}

/** RBAC's response detail for a denial by the policy named `name`. */
export const rbacDenied = (name: string) => `rbac_access_denied_matched_policy[${name}]`;

/** Every way the proxy refuses, one row each. The alarm and the runbook are built from it. */
export const REFUSALS: readonly Refusal[] = [
  {
    field: 'route_name',
    value: `${DENY_PREFIX}not_allowlisted`,
    logTypes: ['proxy'],
    meaning: 'CONNECT to a host:port that is not in the egress allowlist (IP literals included)',
  },
  {
    field: 'route_name',
    value: `${DENY_PREFIX}not_lowercase`,
    logTypes: ['proxy'],
    meaning: 'CONNECT to a name with upper-case letters or a trailing dot',
  },
  {
    field: 'route_name',
    value: `${DENY_PREFIX}wildcard_depth_*`,
    logTypes: ['proxy'],
    meaning: 'CONNECT to more than one label under a wildcard entry',
  },
  {
    field: 'route_name',
    value: `${DENY_PREFIX}use_base_url`,
    logTypes: ['proxy'],
    meaning:
      'CONNECT to a host with injected credentials, which is reachable only through its base URL',
  },
  {
    field: 'route_name',
    value: `${DENY_PREFIX}plain_http`,
    logTypes: ['proxy'],
    meaning: 'plain-HTTP forwarding through HTTP_PROXY',
  },
  {
    field: 'route_name',
    value: `${DENY_PREFIX}request_not_allowed`,
    logTypes: ['base_url', 'intercepted'],
    meaning: "a method or path the entry's `allow` rules do not list",
  },
  {
    field: 'route_name',
    value: `${DENY_PREFIX}host_mismatch`,
    logTypes: ['intercepted'],
    meaning:
      'a request inside an intercepted tunnel whose Host names another site than the TLS (Host-header fronting)',
  },
  {
    field: 'filter_chain',
    value: `${DENY_PREFIX}sni_mismatch`,
    logTypes: ['tunnel'],
    meaning: 'a tunnel whose TLS ClientHello names another host, or none',
  },
  {
    field: 'filter_chain',
    value: `${DENY_PREFIX}not_tls`,
    logTypes: ['tunnel'],
    meaning: 'a tunnel that does not start with a TLS ClientHello',
  },
  {
    field: 'route_name',
    value: `${DENY_PREFIX}egress_*`,
    logTypes: ['egress'],
    meaning:
      'an upstream name the egress hop does not allow (defence in depth behind the checks above)',
  },
  {
    field: 'response_code_details',
    value: rbacDenied(`${DENY_PREFIX}private_address`),
    logTypes: ['egress', 'base_url', 'intercepted'],
    meaning:
      'an allowlisted name resolved to a private, loopback, link-local or other guarded address',
  },
  {
    field: 'response_code_details',
    value: rbacDenied(`${DENY_PREFIX}outside_private_ranges`),
    logTypes: ['egress', 'base_url', 'intercepted'],
    meaning: 'an internal (`private`) name resolved outside the ranges its entry names',
  },
  {
    field: 'response_code_details',
    value: rbacDenied(`${DENY_PREFIX}unresolved_address`),
    logTypes: ['egress', 'base_url', 'intercepted'],
    meaning: 'no resolved upstream address to check (fails closed)',
  },
  {
    field: 'response_code_details',
    value: 'local_rate_limited',
    logTypes: ['proxy', 'base_url'],
    meaning: 'the per-agent or per-task request rate limit',
  },
];
