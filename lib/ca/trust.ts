// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the trust-files script is shell, where ${VAR} is shell syntax.
import { rootCertificates } from 'node:tls';
import { AGENT_TRUST_FILES } from '../proxy-contract.js';

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

/** The variable the trust-files init container reads the trusted certificates (PEM) from. */
export const TRUSTED_CA_VARIABLE = 'AGENT_PERIMETER_TRUSTED_CA';

/**
 * Where images keep their system roots, in the order tried: Debian/Ubuntu/Alpine,
 * Fedora/RHEL/Amazon Linux, openSUSE, then the OpenSSL default some minimal images use.
 */
export const SYSTEM_BUNDLES = [
  '/etc/ssl/certs/ca-certificates.crt',
  '/etc/pki/tls/certs/ca-bundle.crt',
  '/etc/ssl/ca-bundle.pem',
  '/etc/ssl/cert.pem',
] as const;

/**
 * A POSIX sh script that writes the trust files into `dir` where a platform cannot mount
 * them from a file (Fargate): `ca.crt` from TRUSTED_CA_VARIABLE, and `bundle.crt` = the
 * image's own system roots (what its tools trusted already) followed by the CA. An image
 * without system roots gets the CA alone in the bundle, with a warning: its tools could not
 * verify public hosts before either. Files are 0444; the agent mounts the directory read-only.
 */
export function trustFilesScript(dir: string): string {
  return [
    'set -eu',
    'umask 022',
    `d='${dir}'`,
    'mkdir -p "$d"',
    `[ -n "\${${TRUSTED_CA_VARIABLE}:-}" ] || { echo "agent-perimeter: ${TRUSTED_CA_VARIABLE} is empty" >&2; exit 1; }`,
    `printf '%s\\n' "$${TRUSTED_CA_VARIABLE}" > "$d/.ca.crt"`,
    'roots=""',
    `for f in ${SYSTEM_BUNDLES.join(' ')}; do`,
    '  if [ -s "$f" ]; then roots="$f"; break; fi',
    'done',
    'if [ -n "$roots" ]; then',
    '  cat "$roots" "$d/.ca.crt" > "$d/.bundle.crt"',
    'else',
    '  echo "agent-perimeter: the image has no system CA bundle; bundle.crt holds the private CA alone" >&2',
    '  cat "$d/.ca.crt" > "$d/.bundle.crt"',
    'fi',
    `chmod 0444 "$d/.ca.crt" "$d/.bundle.crt"`,
    `mv -f "$d/.ca.crt" "$d/${AGENT_TRUST_FILES.ca}"`,
    `mv -f "$d/.bundle.crt" "$d/${AGENT_TRUST_FILES.bundle}"`,
    'echo "agent-perimeter: wrote the trust files in $d (system roots: ${roots:-none})" >&2',
  ].join('\n');
}

/**
 * The agent's command behind the trust files, for platforms that start the agent container
 * itself (Cloud Run): `sh -c <this> agent-perimeter-trust <command...>` writes them in a
 * subshell (so its umask and options stay there) and then execs the command; the container
 * fails to start when they cannot be written.
 */
export function trustThenExec(dir: string): string {
  return `(\n${trustFilesScript(dir)}\n) || exit 1\nexec "$@"`;
}
