import { isWildcard } from '../../lib/policy/index.js';
import type { JsonObject } from './types.js';

/*
 * `:authority` matchers. Envoy picks virtual hosts case-insensitively and a `*.example.com`
 * domain matches any depth, but DNS caches, SNI checks and logs compare bytes: so every allow
 * route also pins `:authority` exactly, in lower case, and a wildcard to exactly one label.
 */

/** Escapes a DNS name for RE2. */
export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** One DNS label: what a wildcard entry's `*` stands for. */
export const LABEL_REGEX = '[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?';

/** `:authority` is exactly `host:port` in lower case (one label for a wildcard host). */
export function authorityMatcher(host: string, port: number): JsonObject {
  if (!isWildcard(host)) {
    return { name: ':authority', string_match: { exact: `${host}:${port}` } };
  }
  const suffix = escapeRegex(host.slice(1));
  return {
    name: ':authority',
    string_match: { safe_regex: { regex: `^${LABEL_REGEX}${suffix}:${port}$` } },
  };
}

/** What an upstream sees as Host for an exact host: the host, with the port unless it is 443. */
export function upstreamAuthority(host: string, port: number): string {
  return port === 443 ? host : `${host}:${port}`;
}

/** Upper-case letters anywhere, or a trailing dot before the port: refused with a clear 403. */
export const NOT_LOWERCASE_AUTHORITY: JsonObject = {
  name: ':authority',
  string_match: { safe_regex: { regex: '^(.*[A-Z].*|.*\\.:[0-9]+)$' } },
};
