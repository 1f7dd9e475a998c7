import type { InjectListener, Policy } from '../../lib/policy/index.js';
import { SECRETS_DIR } from '../../lib/proxy-contract.js';
import { agentFacingHcm, httpListener } from './http.js';
import { type JsonObject, seconds, slug, TYPE } from './types.js';

/** CA bundle of the official Envoy image (Ubuntu's ca-certificates). */
export const DEFAULT_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

/** Headers an agent could use to smuggle data or confuse the upstream; removed before forwarding. */
const STRIPPED_HEADERS = ['proxy-authorization', 'proxy-connection', 'x-forwarded-for'];

export function injectListenerName(listener: InjectListener): string {
  return `inject_${slug(listener.host)}`;
}

export function injectClusterName(listener: InjectListener): string {
  return `upstream_${slug(listener.host)}`;
}

/**
 * A plain-HTTP listener the agent uses as its base URL (e.g. ANTHROPIC_BASE_URL). The proxy
 * overwrites the credential header with the secret and forwards over verified TLS.
 */
export function injectListener(policy: Policy, listener: InjectListener): JsonObject {
  const name = injectListenerName(listener);
  const route: JsonObject = {
    name,
    virtual_hosts: [
      {
        name,
        domains: ['*'],
        routes: [
          {
            name,
            match: { prefix: '/' },
            route: {
              cluster: injectClusterName(listener),
              host_rewrite_literal: listener.host,
              // Model responses stream for minutes; bound by idle time instead of a total.
              timeout: '0s',
              idle_timeout: seconds(policy.proxy.limits.idle_timeout_s),
            },
          },
        ],
      },
    ],
    request_headers_to_remove: STRIPPED_HEADERS,
  };
  const injector = {
    name: 'envoy.filters.http.credential_injector',
    typed_config: {
      '@type': TYPE.credentialInjector,
      overwrite: true,
      allow_request_without_credential: false,
      credential: {
        name: 'envoy.http.injected_credentials.generic',
        typed_config: {
          '@type': TYPE.genericCredential,
          credential: { name: listener.secret },
          header: listener.header,
        },
      },
    },
  };
  return httpListener(name, listener.port, agentFacingHcm(policy, name, route, [injector]));
}

/** The upstream for one base-URL listener: TLS with SNI and SAN checked against the host. */
export function injectCluster(
  policy: Policy,
  listener: InjectListener,
  caBundle: string,
): JsonObject {
  const name = injectClusterName(listener);
  return {
    name,
    type: 'LOGICAL_DNS',
    dns_lookup_family: 'V4_ONLY',
    connect_timeout: seconds(policy.proxy.limits.connect_timeout_s),
    load_assignment: {
      cluster_name: name,
      endpoints: [
        {
          lb_endpoints: [
            {
              endpoint: {
                address: {
                  socket_address: { address: listener.host, port_value: listener.upstreamPort },
                },
              },
            },
          ],
        },
      ],
    },
    transport_socket: {
      name: 'envoy.transport_sockets.tls',
      typed_config: {
        '@type': TYPE.upstreamTls,
        sni: listener.host,
        common_tls_context: {
          tls_params: { tls_minimum_protocol_version: 'TLSv1_2' },
          validation_context: {
            trusted_ca: { filename: caBundle },
            match_typed_subject_alt_names: [{ san_type: 'DNS', matcher: { exact: listener.host } }],
          },
        },
      },
    },
  };
}

/** The credential as a static secret, read from the environment or a file, never inline. */
export function injectSecret(policy: Policy, listener: InjectListener): JsonObject {
  const source: JsonObject =
    policy.proxy.credentials_from === 'file'
      ? { filename: `${SECRETS_DIR}/${listener.secret}` }
      : { environment_variable: listener.credentialVariable };
  return { name: listener.secret, generic_secret: { secret: source } };
}
