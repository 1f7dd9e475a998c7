import {
  injectedCredential,
  internalRangesOf,
  isWildcard,
  type Policy,
} from '../../lib/policy/index.js';
import { DENY_PREFIX, leafPaths, leafSecretName } from '../../lib/proxy-contract.js';
import { accessLog, tunnelLogOptions } from './access-log.js';
import { addressGuardFilter } from './address-guard.js';
import { escapeRegex, LABEL_REGEX, upstreamAuthority } from './authority.js';
import { dfpFilter, dfpTlsClusterName, dfpTlsRoute, hostRewrite } from './dns.js';
import type { TunnelTarget } from './entries.js';
import { denyPlain, hardenedParsing, hcmFilter, oneUpstreamRoutes, router } from './http.js';
import { credentialInjector, STRIPPED_HEADERS } from './inject.js';
import { allowRoutes } from './request-rules.js';
import { type Json, type JsonObject, TYPE, tlsParams } from './types.js';

/*
 * An intercepted host's filter chain, inside its SNI-checking tunnel listener: the proxy ends
 * the agent's TLS with the host's leaf from the private CA, reads each request, lets through
 * only what the entry's `allow` rules list, overwrites the credential header, and sends the
 * request on over TLS that it verifies itself (SNI and SAN = the host, system CA bundle).
 * Nothing of the agent's TLS reaches the internet, so a Host header that names another site
 * is seen and refused here (it would be invisible in an opaque tunnel).
 */

/** ALPN the proxy offers agents: HTTP/2 and HTTP/1.1, what git, curl and Node negotiate. */
export const INTERCEPT_ALPN = ['h2', 'http/1.1'] as const;

/** The downstream TLS that ends the agent's connection with the host's leaf certificate. */
export function interceptTransportSocket(host: string): JsonObject {
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': TYPE.downstreamTls,
      common_tls_context: {
        tls_params: tlsParams(),
        alpn_protocols: [...INTERCEPT_ALPN],
        tls_certificate_sds_secret_configs: [
          {
            name: leafSecretName(host),
            sds_config: {
              path_config_source: { path: leafPaths(host).sds },
              resource_api_version: 'V3',
            },
          },
        ],
      },
    },
  };
}

/**
 * The Host a request may carry: the entry's host (with or without the port). A wildcard
 * entry allows one label under it, as its CONNECT does.
 */
function hostMatcher(target: TunnelTarget): JsonObject {
  const name = isWildcard(target.host)
    ? `${LABEL_REGEX}${escapeRegex(target.host.slice(1))}`
    : escapeRegex(target.host);
  return {
    name: ':authority',
    string_match: { safe_regex: { regex: `^${name}(:${target.port})?$` } },
  };
}

function forward(
  policy: Policy,
  target: TunnelTarget,
  name: string,
  match: JsonObject,
): JsonObject {
  const route: JsonObject = {
    name,
    match,
    route: {
      ...dfpTlsRoute(policy, dfpTlsClusterName(target.cache)),
      ...(target.rule.websocket === true
        ? { upgrade_configs: [{ upgrade_type: 'websocket' }] }
        : {}),
    },
  };
  // A wildcard entry has no one host to rewrite to; the host-mismatch route checked its Host.
  if (!isWildcard(target.host)) {
    route.typed_per_filter_config = hostRewrite(upstreamAuthority(target.host, target.port));
  }
  return route;
}

function routes(policy: Policy, target: TunnelTarget): Json[] {
  const base = `allow_${target.id}`;
  return allowRoutes(
    policy,
    target.rule,
    (match, i) => forward(policy, target, i === undefined ? base : `${base}_rule${i}`, match),
    (allowed) =>
      `this request to "${target.rule.host}" is not allowed (allowed: ${allowed.join('; ')})`,
  );
}

/** The connection manager of an intercepted chain. */
export function interceptHcm(policy: Policy, target: TunnelTarget, statPrefix: string): Json {
  const { rule } = target;
  const credential = rule.inject === undefined ? undefined : injectedCredential(rule.inject);
  const name = `intercept_${target.id}`;
  const filters: Json[] = [
    ...(credential === undefined ? [] : [credentialInjector(credential)]),
    dfpFilter(policy, target.cache),
    addressGuardFilter(internalRangesOf(rule)),
    router(),
  ];
  return hcmFilter({
    stat_prefix: statPrefix,
    codec_type: 'AUTO',
    ...hardenedParsing(policy),
    // Without a websocket entry here, Envoy answers an upgrade with its own 403.
    ...(rule.websocket === true ? { upgrade_configs: [{ upgrade_type: 'websocket' }] } : {}),
    access_log: accessLog('intercepted', name, policy),
    access_log_options: tunnelLogOptions(policy),
    route_config: oneUpstreamRoutes(
      name,
      [
        {
          ...denyPlain(
            `${DENY_PREFIX}host_mismatch`,
            policy,
            `the Host header must name "${rule.host}", the site of this TLS connection`,
          ),
          match: { prefix: '/', headers: [{ ...hostMatcher(target), invert_match: true }] },
        },
        ...routes(policy, target),
      ],
      // The agent's own credentials and identifying headers never leave; the injected header
      // is overwritten by the credential injector.
      STRIPPED_HEADERS.filter((h) => h !== credential?.header),
    ),
    http_filters: filters,
  });
}
