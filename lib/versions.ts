/**
 * Third-party versions pinned in one place.
 *
 * Envoy 1.36 has the `credential_injector` HTTP filter and `environment_variable` data
 * sources, both of which the rendered proxy config relies on. Override per deployment with
 * `proxy.image` in the policy file.
 */
export const ENVOY_IMAGE = 'envoyproxy/envoy:v1.36.4';
