import type { Json, JsonObject } from '../../../proxy/index.js';

/*
 * Envoy's string, header and route matchers, as their source defines them
 * (source/common/common/matchers.cc, source/common/http/header_utility.cc,
 * source/common/router/config_impl.cc): exact matches are case-sensitive unless `ignore_case`,
 * `safe_regex` must match the whole value (RE2 full match), and a route's path matchers ignore
 * the query string.
 */

export const obj = (value: Json | undefined): JsonObject => (value ?? {}) as JsonObject;
export const list = (value: Json | undefined): JsonObject[] => (value ?? []) as JsonObject[];

/** A model error: the config uses something the model does not know, so a test can't trust it. */
export class ModelError extends Error {}

export function stringMatches(matcher: JsonObject, value: string): boolean {
  const ignoreCase = matcher.ignore_case === true;
  const v = ignoreCase ? value.toLowerCase() : value;
  const cmp = (s: Json | undefined) => (ignoreCase ? String(s).toLowerCase() : String(s));
  if (matcher.exact !== undefined) return v === cmp(matcher.exact);
  if (matcher.prefix !== undefined) return v.startsWith(cmp(matcher.prefix));
  if (matcher.suffix !== undefined) return v.endsWith(cmp(matcher.suffix));
  if (matcher.contains !== undefined) return v.includes(cmp(matcher.contains));
  if (matcher.safe_regex !== undefined) {
    const regex = obj(matcher.safe_regex).regex as string;
    // RE2 full match; the patterns we render use no RE2-only syntax.
    return new RegExp(`^(?:${regex})$`).test(value);
  }
  throw new ModelError(`unknown string matcher ${JSON.stringify(matcher)}`);
}

/** `headers` holds lower-case names, pseudo-headers included (`:authority`, `:method`). */
export type Headers = Readonly<Record<string, string>>;

export function headerMatches(matcher: JsonObject, headers: Headers): boolean {
  const value = headers[String(matcher.name)];
  let result: boolean;
  if (matcher.present_match !== undefined) result = (value !== undefined) === matcher.present_match;
  else if (matcher.string_match !== undefined) {
    result = value !== undefined && stringMatches(obj(matcher.string_match), value);
  } else throw new ModelError(`unknown header matcher ${JSON.stringify(matcher)}`);
  return matcher.invert_match === true ? !result : result;
}

export interface Request {
  readonly method: string;
  /** `host:port` for CONNECT, the Host header otherwise. */
  readonly authority: string;
  /** Path with an optional query string; absent for CONNECT. */
  readonly path?: string;
  /** Other request headers, lower-case names. */
  readonly headers?: Headers;
}

export function requestHeaders(request: Request): Headers {
  return {
    ...request.headers,
    ':method': request.method,
    ':authority': request.authority,
    ...(request.path === undefined ? {} : { ':path': request.path }),
  };
}

export function routeMatches(match: JsonObject, request: Request): boolean {
  const isConnect = request.method === 'CONNECT';
  const path = (request.path ?? '').split('?')[0] ?? '';
  if (match.connect_matcher !== undefined) {
    if (!isConnect) return false;
  } else if (isConnect) {
    // An HTTP/1.1 CONNECT has no path: only connect_matcher routes can match it.
    return false;
  } else if (match.prefix !== undefined) {
    if (!path.startsWith(String(match.prefix))) return false;
  } else if (match.path !== undefined) {
    if (path !== String(match.path)) return false;
  } else throw new ModelError(`unknown route match ${JSON.stringify(match)}`);
  const headers = requestHeaders(request);
  if (!list(match.headers).every((h) => headerMatches(h, headers))) return false;
  // Query parameter matchers (config_impl.cc): each named parameter must be present and match.
  const query = new URLSearchParams((request.path ?? '').split('?')[1] ?? '');
  return list(match.query_parameters).every((q) => {
    const value = query.get(String(q.name));
    if (q.string_match === undefined)
      throw new ModelError(`unknown query matcher ${JSON.stringify(q)}`);
    return value !== null && stringMatches(obj(q.string_match), value);
  });
}

/** Envoy's virtual host choice: exact, longest suffix wildcard, longest prefix wildcard, `*`. */
export function pickVirtualHost(
  virtualHosts: readonly JsonObject[],
  authority: string,
): JsonObject | undefined {
  const host = authority.toLowerCase();
  const domainsOf = (vh: JsonObject) => (vh.domains ?? []) as string[];
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
  for (const vh of virtualHosts) {
    for (const d of domainsOf(vh)) {
      if (d.endsWith('*') && d !== '*' && host.startsWith(d.slice(0, -1))) return vh;
    }
  }
  return virtualHosts.find((vh) => domainsOf(vh).includes('*'));
}
