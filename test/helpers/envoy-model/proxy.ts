import type { Json, JsonObject } from '../../../proxy/index.js';
import {
  type Headers,
  list,
  ModelError,
  obj,
  pickVirtualHost,
  type Request,
  requestHeaders,
  routeMatches,
} from './match.js';
import { rbacRefusal } from './rbac.js';

/*
 * A model of the rendered Envoy bootstrap as a whole: an agent's CONNECT or base-URL request
 * is followed through every hop (listener, routes, HTTP filters, internal listeners and their
 * filter chains, clusters) to where it ends: a refusal, a closed tunnel, or a connection to an
 * address. Each step follows Envoy 1.36's source; anything the model does not know throws a
 * ModelError instead of guessing, so a passing test means the config was fully understood.
 * The real-Envoy conformance suite (test/conformance/) asks the same questions over sockets.
 */

/** What the world looks like to the proxy for one question. */
export interface World {
  /** DNS answers: name -> IPv4 address. Other names do not resolve. */
  readonly dns?: Readonly<Record<string, string>>;
  /** The agent's per-agent token bucket is empty. */
  readonly rateLimited?: boolean;
  /** The agent's address as the proxy sees it. @default 10.0.1.5:40000 */
  readonly agentAddress?: string;
  /** The launcher has failed Envoy's health check (SIGTERM). */
  readonly healthFailed?: boolean;
}

/**
 * What an agent sends inside an established tunnel: TLS with an SNI (and, when the proxy
 * intercepts it, the HTTP request inside), or something that is not TLS.
 */
export type Payload =
  | { readonly tls: true; readonly sni?: string; readonly request?: Request }
  | { readonly tls: false };

/** The tunnel reached an upstream. */
export interface Connected {
  readonly kind: 'connected';
  /** `ip:port` the proxy dialled. */
  readonly address: string;
  /** The name it resolved. */
  readonly host: string;
  /** SNI of the TLS the upstream sees: the agent's own (tunnels) or the proxy's (base URLs). */
  readonly sni?: string;
  /** Headers the upstream receives (base-URL requests only). */
  readonly headers?: Headers;
}

/** The proxy refused or closed it. */
export interface Refused {
  readonly kind: 'refused';
  /** The HTTP status, when the refusal was an HTTP response. */
  readonly status?: number;
  /** The route, filter chain or RBAC policy (response_code_details) that refused. */
  readonly by: string;
  /** The listener it happened on. */
  readonly listener: string;
  readonly body?: string;
}

export type Ending = Connected | Refused;

/** The agent's view of a CONNECT: the proxy's answer, then (after a 200) the tunnel's fate. */
export interface ConnectOutcome {
  readonly status: number;
  /** The route that answered on the listener the agent connected to. */
  readonly route: string;
  readonly body?: string;
  /** After a 200: where the bytes the agent sends end up. */
  readonly tunnel?: Ending;
}

/** A plain request's fate: the status the agent sees and, if forwarded, the upstream. */
export interface RequestOutcome {
  readonly status: number;
  readonly route: string;
  readonly details?: string;
  readonly body?: string;
  readonly upstream?: Connected;
}

interface State {
  readonly world: World;
  readonly filterState: Map<string, string>;
  upstreamAddress: string | undefined;
  /** Headers (and their values) the SigV4 signer signed, when it ran. */
  signed?: Readonly<Record<string, string>>;
}

/** An HCM's answer to one request, plus the tunnel behind it for CONNECT. */
interface HcmResult {
  readonly status: number;
  readonly route: string;
  readonly details: string;
  readonly body?: string;
  readonly tunnel?: Ending;
  readonly upstream?: Connected;
}

const HCM = 'envoy.filters.network.http_connection_manager';
const DFP_CLUSTER = 'envoy.clusters.dynamic_forward_proxy';

export class EnvoyModel {
  private readonly byPort = new Map<number, JsonObject>();
  private readonly internal = new Map<string, JsonObject>();
  private readonly clusters = new Map<string, JsonObject>();

  constructor(readonly config: JsonObject) {
    const resources = obj(config.static_resources);
    for (const l of list(resources.listeners)) {
      if (l.internal_listener !== undefined) this.internal.set(String(l.name), l);
      else this.byPort.set(Number(obj(obj(l.address).socket_address).port_value), l);
    }
    for (const c of list(resources.clusters)) this.clusters.set(String(c.name), c);
  }

  /** An agent opens a CONNECT to `authority` on `port` and then sends `payload`. */
  connect(port: number, authority: string, payload: Payload, world: World = {}): ConnectOutcome {
    const state = newState(world);
    const result = this.hcm(
      this.listenerOn(port),
      { method: 'CONNECT', authority },
      state,
      payload,
    );
    return {
      status: result.status,
      route: result.route,
      ...(result.body === undefined ? {} : { body: result.body }),
      ...(result.status === 200 ? { tunnel: result.tunnel } : {}),
    };
  }

  /** An agent sends a plain HTTP request to `port`. */
  request(port: number, request: Request, world: World = {}): RequestOutcome {
    const result = this.hcm(this.listenerOn(port), request, newState(world), undefined);
    return {
      status: result.status,
      route: result.route,
      details: result.details,
      ...(result.body === undefined ? {} : { body: result.body }),
      ...(result.upstream === undefined ? {} : { upstream: result.upstream }),
    };
  }

  private listenerOn(port: number): JsonObject {
    const l = this.byPort.get(port);
    if (l === undefined) throw new ModelError(`no listener on port ${port}`);
    return l;
  }

  private hcmOf(listener: JsonObject): JsonObject {
    const chains = list(listener.filter_chains);
    const filter = list(chains[0]?.filters)[0];
    if (chains.length !== 1 || filter?.name !== HCM) {
      throw new ModelError(`listener ${String(listener.name)} is not one HTTP connection manager`);
    }
    return obj(filter.typed_config);
  }

  private hcm(
    listener: JsonObject,
    request: Request,
    state: State,
    payload: Payload | undefined,
  ): HcmResult {
    return this.runHcm(String(listener.name), this.hcmOf(listener), request, state, payload);
  }

  private runHcm(
    name: string,
    hcm: JsonObject,
    request: Request,
    state: State,
    payload: Payload | undefined,
  ): HcmResult {
    const isConnect = request.method === 'CONNECT';
    const connectEnabled = list(hcm.upgrade_configs).some(
      (u) => u.upgrade_type === 'CONNECT' && u.enabled !== false,
    );
    // Without CONNECT among the manager's upgrades, Envoy answers it with its own 403.
    if (isConnect && !connectEnabled) {
      return { status: 403, route: '(CONNECT not enabled)', details: 'upgrade_failed' };
    }
    // The same for any other upgrade (conn_manager_impl.cc: no upgrade filter chain, 403).
    const upgrade = request.headers?.upgrade?.toLowerCase();
    if (
      upgrade !== undefined &&
      !list(hcm.upgrade_configs).some(
        (u) => String(u.upgrade_type).toLowerCase() === upgrade && u.enabled !== false,
      )
    ) {
      return { status: 403, route: '(upgrade not enabled)', details: 'upgrade_failed' };
    }
    const headers: Record<string, string> = { ...requestHeaders(request) };
    const filters = list(hcm.http_filters);
    // The health check filter answers before routing.
    for (const f of filters) {
      if (f.name !== 'envoy.filters.http.health_check') continue;
      const config = obj(f.typed_config);
      const matches = list(config.headers).every(
        (h) => headers[String(h.name)] === String(obj(h.string_match).exact),
      );
      if (matches && config.pass_through_mode === false) {
        const status = state.world.healthFailed === true ? 503 : 200;
        return { status, route: '(health check)', details: 'health_check' };
      }
    }
    const routeConfig = obj(hcm.route_config);
    const vh = pickVirtualHost(list(routeConfig.virtual_hosts), request.authority);
    if (vh === undefined)
      return { status: 404, route: '(no virtual host)', details: 'route_not_found' };
    const route = list(vh.routes).find((r) => routeMatches(obj(r.match), request));
    if (route === undefined)
      return { status: 404, route: '(no route)', details: 'route_not_found' };
    const routeName = String(route.name);
    if (route.direct_response !== undefined) {
      const direct = obj(route.direct_response);
      const body = obj(direct.body).inline_string;
      return {
        status: Number(direct.status),
        route: routeName,
        details: 'direct_response',
        ...(typeof body === 'string' ? { body } : {}),
      };
    }
    const action = obj(route.route);
    const cluster = this.cluster(String(action.cluster));
    for (const f of filters) {
      const config = obj(f.typed_config);
      switch (f.name) {
        case 'envoy.filters.http.health_check':
          break;
        case 'envoy.filters.http.local_ratelimit':
          if (state.world.rateLimited === true && config.descriptors !== undefined) {
            return { status: 429, route: routeName, details: 'local_rate_limited' };
          }
          break;
        case 'envoy.filters.http.set_filter_state':
          for (const v of list(config.on_request_headers)) {
            const format = String(obj(obj(v.format_string).text_format_source).inline_string);
            state.filterState.set(String(v.object_key), this.format(format, headers, state));
          }
          break;
        case 'envoy.filters.http.credential_injector': {
          const credential = obj(obj(config.credential).typed_config);
          if (config.overwrite !== true && headers[String(credential.header)] !== undefined) break;
          headers[String(credential.header)] =
            `<secret ${String(obj(credential.credential).name)}>`;
          break;
        }
        case 'envoy.filters.http.aws_request_signing': {
          // aws_request_signing_filter.cc: host_rewrite first, then SigV4 over every header
          // except the excluded ones (signer_base_impl.h: x-forwarded-for, x-forwarded-proto,
          // x-amzn-trace-id, plus match_excluded_headers), overwriting authorization.
          if (typeof config.host_rewrite === 'string' && config.host_rewrite !== '')
            headers[':authority'] = config.host_rewrite;
          const excluded = new Set([
            'x-forwarded-for',
            'x-forwarded-proto',
            'x-amzn-trace-id',
            ...list(config.match_excluded_headers).map((m) => {
              if (m.exact === undefined)
                throw new ModelError('only exact header exclusions are modelled');
              return String(m.exact);
            }),
          ]);
          headers['x-amz-date'] = '<date>';
          headers['x-amz-content-sha256'] =
            config.use_unsigned_payload === true ? 'UNSIGNED-PAYLOAD' : '<sha256 of body>';
          headers.authorization = `<sigv4 ${String(config.service_name)} ${String(config.region)}>`;
          state.signed = Object.fromEntries(
            Object.entries(headers).filter(
              ([k]) => k === ':authority' || (!k.startsWith(':') && !excluded.has(k)),
            ),
          );
          break;
        }
        case 'envoy.filters.http.dynamic_forward_proxy': {
          const refused = this.resolve(config, route, cluster, headers, state);
          if (refused !== undefined) return { ...refused, route: routeName };
          break;
        }
        case 'envoy.filters.http.rbac': {
          const override = obj(obj(obj(route.typed_per_filter_config)[String(f.name)]).rbac);
          const rules = override.rules !== undefined ? obj(override.rules) : obj(config.rules);
          const policy = rbacRefusal(rules, { headers, upstreamAddress: state.upstreamAddress });
          if (policy !== undefined) {
            return {
              status: 403,
              route: routeName,
              details: `rbac_access_denied_matched_policy[${policy}]`,
              body: 'RBAC: access denied',
            };
          }
          break;
        }
        case 'envoy.filters.http.router':
          return this.router(name, routeConfig, route, cluster, headers, state, payload);
        default:
          throw new ModelError(`unknown HTTP filter ${String(f.name)}`);
      }
    }
    throw new ModelError(`listener ${name} has no router filter`);
  }

  /** The DFP filter: acts only on routes to a DFP cluster, resolving the (rewritten) host. */
  private resolve(
    config: JsonObject,
    route: JsonObject,
    cluster: JsonObject,
    headers: Record<string, string>,
    state: State,
  ): Omit<HcmResult, 'route'> | undefined {
    const type = obj(cluster.cluster_type);
    if (type.name !== DFP_CLUSTER) return undefined;
    const filterCache = obj(config.dns_cache_config).name;
    const clusterCache = obj(obj(type.typed_config).dns_cache_config).name;
    if (filterCache !== clusterCache) {
      throw new ModelError(
        `DFP filter uses cache ${String(filterCache)} but cluster ${String(cluster.name)} uses ${String(clusterCache)}: the cluster would never find the host`,
      );
    }
    const perRoute = obj(
      obj(route.typed_per_filter_config)['envoy.filters.http.dynamic_forward_proxy'],
    );
    if (perRoute.host_rewrite_literal !== undefined)
      headers[':authority'] = String(perRoute.host_rewrite_literal);
    const authority = headers[':authority'] ?? '';
    const tls = cluster.transport_socket !== undefined;
    const [host = '', port = tls ? '443' : '80'] = authority.split(/:(?=\d+$)/);
    const ip = state.world.dns?.[host];
    if (ip === undefined) return { status: 503, details: 'dns_resolution_failure' };
    if (config.save_upstream_address === true) state.upstreamAddress = `${ip}:${port}`;
    return undefined;
  }

  private router(
    listener: string,
    routeConfig: JsonObject,
    route: JsonObject,
    cluster: JsonObject,
    incoming: Record<string, string>,
    state: State,
    payload: Payload | undefined,
  ): HcmResult {
    const routeName = String(route.name);
    const action = obj(route.route);
    const headers: Record<string, string> = { ...incoming };
    for (const h of list(route.request_headers_to_add)) {
      const header = obj(h.header);
      headers[String(header.key).toLowerCase()] = String(header.value);
    }
    for (const h of (routeConfig.request_headers_to_remove ?? []) as string[]) delete headers[h];
    // The router forwards what it has now; a signed header it removed or changed (or a Host it
    // rewrote after signing) makes AWS reject the signature.
    for (const [k, v] of Object.entries(state.signed ?? {})) {
      if (headers[k] !== v) {
        throw new ModelError(
          `the router changes signed header ${k} after SigV4 signing: the signature would not verify`,
        );
      }
    }
    const isConnect = headers[':method'] === 'CONNECT';
    const upgrade = list(action.upgrade_configs).find((u) => u.upgrade_type === 'CONNECT');
    const internal = this.internalTarget(cluster);
    const dfp = obj(cluster.cluster_type).name === DFP_CLUSTER;
    if (isConnect) {
      if (upgrade === undefined)
        throw new ModelError(`CONNECT route ${routeName} has no CONNECT upgrade`);
      if (payload === undefined) throw new ModelError('a CONNECT needs a payload');
      const terminate = upgrade.connect_config !== undefined;
      if (terminate && internal !== undefined) {
        return {
          status: 200,
          route: routeName,
          details: 'via_upstream',
          tunnel: this.raw(internal, payload, state),
        };
      }
      if (terminate && dfp) {
        return {
          status: 200,
          route: routeName,
          details: 'via_upstream',
          tunnel: this.dialled(headers, payload, state),
        };
      }
      if (!terminate && internal !== undefined) {
        // The CONNECT itself goes on to the internal listener's connection manager.
        const inner = this.hcm(
          internal,
          {
            method: 'CONNECT',
            authority: headers[':authority'] ?? '',
            headers: stripPseudo(headers),
          },
          state,
          payload,
        );
        return { ...inner, route: routeName };
      }
      throw new ModelError(`CONNECT route ${routeName} goes to a cluster the model cannot follow`);
    }
    if (!dfp || cluster.transport_socket === undefined) {
      throw new ModelError(
        `route ${routeName} on ${listener} sends HTTP to a cluster the model cannot follow`,
      );
    }
    const options = obj(
      obj(
        obj(cluster.typed_extension_protocol_options)[
          'envoy.extensions.upstreams.http.v3.HttpProtocolOptions'
        ],
      ).upstream_http_protocol_options,
    );
    if (options.auto_sni !== true || options.auto_san_validation !== true) {
      throw new ModelError(
        `TLS cluster ${String(cluster.name)} does not derive and verify SNI from Host`,
      );
    }
    const host = (headers[':authority'] ?? '').replace(/:\d+$/, '');
    return {
      status: 200,
      route: routeName,
      details: 'via_upstream',
      upstream: {
        kind: 'connected',
        address: state.upstreamAddress ?? '(none)',
        host,
        sni: host,
        headers,
      },
    };
  }

  /** A DFP cluster dials the address its filter resolved and saved. */
  private dialled(headers: Headers, payload: Payload, state: State): Connected {
    const host = (headers[':authority'] ?? '').replace(/:\d+$/, '');
    if (state.upstreamAddress === undefined)
      throw new ModelError('a DFP cluster was reached without a resolved address');
    return {
      kind: 'connected',
      address: state.upstreamAddress,
      host,
      ...(payload.tls && payload.sni !== undefined ? { sni: payload.sni } : {}),
    };
  }

  /** Bytes of a terminated CONNECT arriving on an internal listener. */
  private raw(listener: JsonObject, payload: Payload, state: State): Ending {
    const name = String(listener.name);
    const inspects = list(listener.listener_filters).some(
      (f) => f.name === 'envoy.filters.listener.tls_inspector',
    );
    const transport = inspects && payload.tls ? 'tls' : 'raw_buffer';
    const sni = inspects && payload.tls ? (payload.sni ?? '') : '';
    const chain = selectFilterChain(listener, sni, transport);
    if (chain === undefined) return { kind: 'refused', by: '(no filter chain)', listener: name };
    const filters = list(chain.filters);
    const first = filters[0];
    if (first?.name === 'envoy.filters.network.direct_response') {
      return { kind: 'refused', by: String(chain.name), listener: name };
    }
    if (first?.name === HCM && chain.transport_socket !== undefined) {
      return this.intercepted(name, chain, obj(first.typed_config), payload, state);
    }
    if (first?.name !== 'envoy.filters.network.tcp_proxy' || filters.length !== 1) {
      throw new ModelError(`filter chain ${String(chain.name)} on ${name} is not one tcp_proxy`);
    }
    const tcp = obj(first.typed_config);
    const tunneling = obj(tcp.tunneling_config);
    const target = this.internalTarget(this.cluster(String(tcp.cluster)));
    if (tunneling.hostname === undefined || target === undefined) {
      throw new ModelError(
        `tcp_proxy on ${name} does not re-encapsulate into an internal listener`,
      );
    }
    const authority = String(tunneling.hostname).replaceAll('%REQUESTED_SERVER_NAME%', sni);
    if (/%[A-Z_]+%/.test(authority))
      throw new ModelError(`unknown command operator in ${authority}`);
    const headers: Record<string, string> = {};
    for (const h of list(tunneling.headers_to_add)) {
      const header = obj(h.header);
      headers[String(header.key).toLowerCase()] = String(header.value);
    }
    const inner = this.hcm(target, { method: 'CONNECT', authority, headers }, state, payload);
    if (inner.status !== 200) {
      const by = inner.details === 'direct_response' ? inner.route : inner.details;
      return { kind: 'refused', status: inner.status, by, listener: String(target.name) };
    }
    if (inner.tunnel === undefined) throw new ModelError('the egress hop opened no tunnel');
    return inner.tunnel;
  }

  /** A chain that ends the agent's TLS itself and reads the request inside. */
  private intercepted(
    listener: string,
    chain: JsonObject,
    hcm: JsonObject,
    payload: Payload,
    state: State,
  ): Ending {
    const socket = obj(chain.transport_socket);
    const tls = obj(obj(socket.typed_config).common_tls_context);
    if (list(tls.tls_certificate_sds_secret_configs).length !== 1) {
      throw new ModelError(`intercepting chain ${String(chain.name)} has no leaf certificate`);
    }
    if (!payload.tls || payload.request === undefined) {
      throw new ModelError(`chain ${String(chain.name)} intercepts: the payload needs a request`);
    }
    const result = this.runHcm(listener, hcm, payload.request, state, undefined);
    if (result.upstream !== undefined) return result.upstream;
    return {
      kind: 'refused',
      status: result.status,
      by: result.details === 'direct_response' ? result.route : result.details,
      listener,
      ...(result.body === undefined ? {} : { body: result.body }),
    };
  }

  private cluster(name: string): JsonObject {
    const c = this.clusters.get(name);
    if (c === undefined) throw new ModelError(`no cluster ${name}`);
    return c;
  }

  /** The internal listener a cluster's one endpoint points at, if it is an internal cluster. */
  private internalTarget(cluster: JsonObject): JsonObject | undefined {
    const endpoints = list(obj(cluster.load_assignment).endpoints).flatMap((e) =>
      list(e.lb_endpoints),
    );
    const address = obj(obj(obj(endpoints[0]?.endpoint).address).envoy_internal_address);
    if (address.server_listener_name === undefined) return undefined;
    const listener = this.internal.get(String(address.server_listener_name));
    if (listener === undefined)
      throw new ModelError(`no internal listener ${String(address.server_listener_name)}`);
    if (obj(cluster.transport_socket).name !== 'envoy.transport_sockets.internal_upstream') {
      throw new ModelError(
        `internal cluster ${String(cluster.name)} does not pass filter state on`,
      );
    }
    return listener;
  }

  private format(format: string, headers: Headers, state: State): string {
    return format
      .replaceAll('%DOWNSTREAM_REMOTE_ADDRESS%', state.world.agentAddress ?? '10.0.1.5:40000')
      .replaceAll('%REQ(X-REQUEST-ID)%', headers['x-request-id'] ?? 'request-1');
  }
}

function newState(world: World): State {
  return { world, filterState: new Map(), upstreamAddress: undefined };
}

function stripPseudo(headers: Headers): Headers {
  return Object.fromEntries(Object.entries(headers).filter(([k]) => !k.startsWith(':')));
}

/**
 * Envoy's filter chain choice (source/common/listener_manager/filter_chain_manager_impl.cc):
 * the exact server name, else the longest wildcard suffix (".example.com" stands for
 * "*.example.com" and matches any depth), else chains without server names; within that group,
 * the exact transport protocol, else chains without one. No match: the default chain.
 */
export function selectFilterChain(
  listener: JsonObject,
  serverName: string,
  transport: string,
): JsonObject | undefined {
  const chains = list(listener.filter_chains);
  const namesOf = (c: JsonObject) =>
    ((obj(c.filter_chain_match).server_names ?? []) as string[]).map((n) => n.toLowerCase());
  const group = (key: string | undefined): JsonObject[] =>
    chains.filter((c) => (key === undefined ? namesOf(c).length === 0 : namesOf(c).includes(key)));
  let candidates = serverName === '' ? [] : group(serverName);
  if (candidates.length === 0 && serverName !== '') {
    for (
      let pos = serverName.indexOf('.', 1);
      pos !== -1 && pos < serverName.length - 1;
      pos = serverName.indexOf('.', pos + 1)
    ) {
      candidates = group(`*${serverName.slice(pos)}`);
      if (candidates.length > 0) break;
    }
  }
  if (candidates.length === 0) candidates = group(undefined);
  if (candidates.length > 0) {
    const protocolOf = (c: JsonObject) =>
      obj(c.filter_chain_match).transport_protocol as Json | undefined;
    const chosen =
      candidates.find((c) => protocolOf(c) === transport) ??
      candidates.find((c) => protocolOf(c) === undefined);
    if (chosen !== undefined) return chosen;
  }
  return listener.default_filter_chain === undefined
    ? undefined
    : obj(listener.default_filter_chain);
}
