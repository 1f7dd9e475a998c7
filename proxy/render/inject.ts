import {
  type EgressRule,
  hasManyProfiles,
  type InjectedCredential,
  type InjectListener,
  internalRangesOf,
  type Policy,
  type ProfileInjectListener,
} from '../../lib/policy/index.js';
import { SECRETS_DIR } from '../../lib/proxy-contract.js';
import { addressGuardFilter } from './address-guard.js';
import { upstreamAuthority } from './authority.js';
import { DFP_TLS_CLUSTER, dfpFilter, dfpTlsRoute, hostRewrite } from './dns.js';
import { agentFacingHcm, httpListener, oneUpstreamRoutes } from './http.js';
import { allowRoutes } from './request-rules.js';
import { type Json, type JsonObject, slug, TYPE } from './types.js';

/** CA bundle of the official Envoy image (Ubuntu's ca-certificates). */
export const DEFAULT_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

/**
 * Headers an agent could use to authenticate as someone else (its own key, another account's
 * session), to smuggle data, or that reveal the agent to the upstream. The injected header is
 * not listed: the credential injector overwrites every copy the agent sent.
 */
export const STRIPPED_HEADERS: readonly string[] = [
  'authorization',
  'x-api-key',
  'cookie',
  'proxy-authorization',
  'proxy-connection',
  'forwarded',
  'via',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-port',
  'x-forwarded-prefix',
  'x-forwarded-proto',
  'x-forwarded-client-cert',
  'x-real-ip',
  'x-envoy-external-address',
  'x-envoy-internal',
];

/**
 * `inject_<host>` when the policy has one profile (as it always was), `inject_<profile>_<host>`
 * when it has several: each profile has its own base-URL listener for a host.
 */
export function injectListenerName(policy: Policy, listener: ProfileInjectListener): string {
  return hasManyProfiles(policy)
    ? `inject_${slug(listener.profile)}_${slug(listener.host)}`
    : `inject_${slug(listener.host)}`;
}

function forward(policy: Policy, listener: InjectListener, name: string, match: JsonObject): Json {
  return {
    name,
    match,
    route: dfpTlsRoute(policy, DFP_TLS_CLUSTER),
    typed_per_filter_config: hostRewrite(upstreamAuthority(listener.host, listener.upstreamPort)),
  };
}

/** One route per `allow` rule, then a 403 for everything else; one catch-all without rules. */
function routes(policy: Policy, listener: ProfileInjectListener, rule: EgressRule): Json[] {
  const name = injectListenerName(policy, listener);
  return allowRoutes(
    policy,
    rule,
    (match, i) =>
      forward(
        policy,
        listener,
        i === undefined ? name : `allow_${slug(listener.host)}_${i}`,
        match,
      ),
    (allowed) =>
      `this method and path are not allowed through the base URL of "${listener.host}" (allowed: ${allowed.join(', ')})`,
  );
}

/**
 * A plain-HTTP listener the agent uses as its base URL (e.g. ANTHROPIC_BASE_URL). The proxy
 * forwards only the requests the entry allows, overwrites the credential header with the
 * secret, and sends them on over verified TLS to the entry's host and nowhere else.
 */
export function injectListener(
  policy: Policy,
  listener: ProfileInjectListener,
  rule: EgressRule,
): JsonObject {
  const name = injectListenerName(policy, listener);
  const injectedHeader = listener.header;
  const route = oneUpstreamRoutes(
    name,
    routes(policy, listener, rule),
    STRIPPED_HEADERS.filter((h) => h !== injectedHeader),
  );
  const filters = [
    credentialInjector(listener),
    dfpFilter(policy, 'exact'),
    addressGuardFilter(internalRangesOf(rule)),
  ];
  return httpListener(
    name,
    listener.port,
    agentFacingHcm(policy, listener.profile, name, 'base_url', route, filters),
  );
}

/** The name of the static secret that holds a credential's finished header value. */
export function credentialSecretName(credential: InjectedCredential): string {
  return credential.format === 'raw'
    ? credential.secret
    : `${credential.secret}_as_${credential.format}`;
}

/**
 * The header value as a static secret, never inline: the raw secret from the environment or
 * a file, or the formatted value the launcher put in `headerVariable` before Envoy started.
 */
export function injectSecret(policy: Policy, credential: InjectedCredential): JsonObject {
  const source: JsonObject =
    credential.format !== 'raw'
      ? { environment_variable: credential.headerVariable }
      : policy.proxy.credentials_from === 'file'
        ? { filename: `${SECRETS_DIR}/${credential.secret}` }
        : { environment_variable: credential.credentialVariable };
  return { name: credentialSecretName(credential), generic_secret: { secret: source } };
}

/**
 * `credential_injector` that overwrites `header` with the whole value of `secret` (a static
 * secret's name, or where Envoy reads one by SDS); no secret, no request.
 */
export function headerInjector(header: string, secret: JsonObject): Json {
  return {
    name: 'envoy.filters.http.credential_injector',
    typed_config: {
      '@type': TYPE.credentialInjector,
      overwrite: true,
      allow_request_without_credential: false,
      credential: {
        name: 'envoy.http.injected_credentials.generic',
        typed_config: {
          '@type': TYPE.genericCredential,
          credential: secret,
          header,
        },
      },
    },
  };
}

/** The injector of an entry's credential: its header, from its static secret. */
export function credentialInjector(credential: InjectedCredential): Json {
  return headerInjector(credential.header, { name: credentialSecretName(credential) });
}
