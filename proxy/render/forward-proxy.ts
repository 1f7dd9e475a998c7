import {
  type EgressRule,
  hasManyProfiles,
  type InjectListener,
  isWildcard,
  type Policy,
  type ProfileListeners,
} from '../../lib/policy/index.js';
import { DENY_PREFIX } from '../../lib/proxy-contract.js';
import { authorityMatcher, NOT_LOWERCASE_AUTHORITY } from './authority.js';
import { egressListenerName, TUNNEL_CHECKS, TUNNEL_HEADER, tunnelRouteTimeouts } from './egress.js';
import { listTunnelTargets, type TunnelTarget } from './entries.js';
import { agentFacingHcm, denied, denyConnect, denyPlain, httpListener } from './http.js';
import { tunnelListenerName } from './tunnel.js';
import { type Json, type JsonObject, slug } from './types.js';

export const FORWARD_PROXY_LISTENER = 'forward_proxy';

/**
 * The forward-proxy listener of a profile: `forward_proxy` when the policy has one profile (as
 * it always was), `forward_proxy_<profile>` when it has several.
 */
export function forwardProxyListenerName(policy: Policy, profile: ProfileListeners): string {
  return hasManyProfiles(policy)
    ? `${FORWARD_PROXY_LISTENER}_${profile.name}`
    : FORWARD_PROXY_LISTENER;
}

const PLAIN_HTTP = 'plain-HTTP forwarding is refused; use HTTPS (CONNECT) or a base-URL listener';
const NOT_LOWERCASE =
  'host names must be lower case without a trailing dot (e.g. "github.com:443"), and the lower-case name must be in the egress allowlist';

/**
 * A TLS tunnel is terminated into its SNI-checking listener; an opaque one (`tls: false`) is
 * passed, as a CONNECT, straight to the egress hop.
 */
function allowRoute(policy: Policy, target: TunnelTarget): JsonObject {
  const match = { connect_matcher: {}, headers: [authorityMatcher(target.host, target.port)] };
  const timeouts = tunnelRouteTimeouts(policy);
  if (target.mode !== 'opaque') {
    return {
      name: `allow_${target.id}`,
      match,
      route: {
        cluster: tunnelListenerName(target),
        upgrade_configs: [{ upgrade_type: 'CONNECT', connect_config: {} }],
        ...timeouts,
      },
    };
  }
  return {
    name: `allow_${target.id}`,
    match,
    route: {
      cluster: egressListenerName(target.cache),
      upgrade_configs: [{ upgrade_type: 'CONNECT' }],
      ...timeouts,
    },
    request_headers_to_add: [
      {
        header: { key: TUNNEL_HEADER, value: TUNNEL_CHECKS.opaque },
        append_action: 'OVERWRITE_IF_EXISTS_OR_ADD',
      },
    ],
  };
}

function notLowercase(policy: Policy): JsonObject {
  return {
    name: `${DENY_PREFIX}not_lowercase`,
    match: { connect_matcher: {}, headers: [NOT_LOWERCASE_AUTHORITY] },
    direct_response: denied(policy, NOT_LOWERCASE),
  };
}

/** Routes for one allowlist entry. Envoy matched the virtual host case-insensitively. */
function entryVirtualHost(
  policy: Policy,
  rule: EgressRule,
  targets: readonly TunnelTarget[],
  inject: InjectListener | undefined,
): JsonObject {
  const name = slug(rule.host);
  const routes: Json[] = [];
  if (inject !== undefined && rule.tls !== 'intercept') {
    routes.push(
      denyConnect(
        `${DENY_PREFIX}use_base_url`,
        policy,
        `"${rule.host}" is reached only through its base URL, where the proxy adds the credential (${inject.env}=http://<proxy>:${inject.port}); agent-perimeter sets it for agents`,
      ),
    );
  } else if (isWildcard(rule.host)) {
    routes.push(
      ...targets.map((t) => allowRoute(policy, t)),
      notLowercase(policy),
      denyConnect(
        `${DENY_PREFIX}wildcard_depth_${name}`,
        policy,
        `"${rule.host}" allows exactly one label`,
      ),
    );
  } else {
    // The virtual host matched case-insensitively, so the exact allow routes missed only
    // because of case: every other CONNECT here spells the name differently.
    routes.push(
      ...targets.map((t) => allowRoute(policy, t)),
      denyConnect(`${DENY_PREFIX}not_lowercase`, policy, NOT_LOWERCASE),
    );
  }
  routes.push(denyPlain(`${DENY_PREFIX}plain_http`, policy, PLAIN_HTTP));
  return { name: `entry_${name}`, domains: rule.ports.map((p) => `${rule.host}:${p}`), routes };
}

function denyVirtualHost(policy: Policy): JsonObject {
  return {
    name: `${DENY_PREFIX}all`,
    domains: ['*'],
    routes: [
      notLowercase(policy),
      denyConnect(
        `${DENY_PREFIX}not_allowlisted`,
        policy,
        'destination host:port is not in the egress allowlist',
      ),
      denyPlain(`${DENY_PREFIX}plain_http`, policy, PLAIN_HTTP),
    ],
  };
}

/**
 * A profile's HTTP_PROXY / HTTPS_PROXY listener: CONNECT tunnels to host:port pairs of that
 * profile's allowlist only, each handed to the hop that checks it. Anything else, IP literals
 * and other profiles' hosts included, gets a 403.
 */
export function forwardProxyListener(policy: Policy, profile: ProfileListeners): JsonObject {
  const targets = listTunnelTargets(profile.egress);
  const injects = profile.inject;
  const name = forwardProxyListenerName(policy, profile);
  const virtualHosts: Json[] = [
    ...profile.egress.map((rule) =>
      entryVirtualHost(
        policy,
        rule,
        targets.filter((t) => t.rule === rule),
        injects.find((l) => l.host === rule.host),
      ),
    ),
    denyVirtualHost(policy),
  ];
  const hcm = agentFacingHcm(
    policy,
    profile.name,
    name,
    'proxy',
    { name: 'egress_allowlist', virtual_hosts: virtualHosts },
    [],
  );
  // Envoy answers every CONNECT with its own 403 unless the connection manager accepts the
  // upgrade; the routes then decide, and only allow routes open a tunnel.
  hcm.upgrade_configs = [{ upgrade_type: 'CONNECT' }];
  return httpListener(name, profile.forwardProxyPort, hcm);
}
