import type { Json, JsonObject } from '../../proxy/index.js';

/*
 * A small model of how Envoy picks a virtual host and route for one request, enough to ask
 * the rendered config "would this request be allowed?". It follows Envoy's documented order:
 * exact domain, then the longest suffix wildcard, then prefix wildcards, then "*"; routes in
 * order, first match wins.
 */

export interface Request {
  readonly method: string;
  /** `host:port` for CONNECT, the Host header otherwise. */
  readonly authority: string;
  readonly path?: string;
}

export interface Outcome {
  readonly route: string;
  readonly status: number | 'forwarded';
  readonly cluster?: string;
}

const obj = (value: Json | undefined): JsonObject => value as JsonObject;
const list = (value: Json | undefined): Json[] => (value ?? []) as Json[];

function pickVirtualHost(virtualHosts: JsonObject[], authority: string): JsonObject | undefined {
  const host = authority.toLowerCase();
  const domainsOf = (vh: JsonObject) => list(vh.domains) as string[];
  const exact = virtualHosts.find((vh) => domainsOf(vh).includes(host));
  if (exact) return exact;
  let best: [number, JsonObject] | undefined;
  for (const vh of virtualHosts) {
    for (const d of domainsOf(vh)) {
      if (
        d.startsWith('*') &&
        d !== '*' &&
        host.endsWith(d.slice(1)) &&
        host.length > d.length - 1
      ) {
        if (!best || d.length > best[0]) best = [d.length, vh];
      }
    }
  }
  if (best) return best[1];
  return virtualHosts.find((vh) => domainsOf(vh).includes('*'));
}

function routeMatches(match: JsonObject, request: Request): boolean {
  const isConnect = request.method === 'CONNECT';
  if (match.connect_matcher !== undefined) {
    if (!isConnect) return false;
  } else if (match.prefix !== undefined) {
    if (isConnect || !(request.path ?? '/').startsWith(match.prefix as string)) return false;
  } else return false;
  for (const header of list(match.headers).map(obj)) {
    const value = header.name === ':authority' ? request.authority : undefined;
    const regex = obj(obj(obj(header.string_match).safe_regex)).regex as string | undefined;
    if (value === undefined || regex === undefined || !new RegExp(regex).test(value)) return false;
  }
  return true;
}

/** Where the HTTP connection manager of `listener` sends `request`. */
export function routeRequest(listener: JsonObject, request: Request): Outcome {
  const chain = obj(list(listener.filter_chains)[0]);
  const hcm = obj(obj(list(chain.filters)[0]).typed_config);
  const connectEnabled = list(hcm.upgrade_configs)
    .map(obj)
    .some((u) => u.upgrade_type === 'CONNECT' && u.enabled !== false);
  // Without CONNECT in the connection manager's upgrade_configs, Envoy refuses it itself.
  if (request.method === 'CONNECT' && !connectEnabled) {
    return { route: '(CONNECT not enabled)', status: 403 };
  }
  const virtualHosts = list(obj(hcm.route_config).virtual_hosts).map(obj);
  const vh = pickVirtualHost(virtualHosts, request.authority);
  if (!vh) return { route: '(no virtual host)', status: 404 };
  for (const route of list(vh.routes).map(obj)) {
    if (!routeMatches(obj(route.match), request)) continue;
    if (route.direct_response !== undefined) {
      return { route: route.name as string, status: obj(route.direct_response).status as number };
    }
    return {
      route: route.name as string,
      status: 'forwarded',
      cluster: obj(route.route).cluster as string,
    };
  }
  return { route: '(no route)', status: 404 };
}
