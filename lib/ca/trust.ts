import { rootCertificates } from 'node:tls';

/*
 * What agents trust. `NODE_EXTRA_CA_CERTS` adds to Node's own roots, so it gets the private
 * CA alone; every other variable replaces its client's default store, so it gets a bundle of
 * public roots plus the CA (git, curl, Python, pip, the AWS CLI, cargo).
 */

/** The variables that take the bundle (public roots plus the private CA). */
export const BUNDLE_VARIABLES = [
  'SSL_CERT_FILE',
  'REQUESTS_CA_BUNDLE',
  'CURL_CA_BUNDLE',
  'GIT_SSL_CAINFO',
  'PIP_CERT',
  'AWS_CA_BUNDLE',
  'CARGO_HTTP_CAINFO',
] as const;

/** The variable that takes the private CA alone. */
export const CA_ONLY_VARIABLE = 'NODE_EXTRA_CA_CERTS';

/**
 * The bundle: `roots` (default: the Mozilla roots Node ships, the same set on every machine)
 * followed by the private CA certificates.
 */
export function trustBundle(
  trustedPem: string,
  roots: readonly string[] = rootCertificates,
): string {
  return `${[...roots, trustedPem].map((p) => p.trim()).join('\n')}\n`;
}
