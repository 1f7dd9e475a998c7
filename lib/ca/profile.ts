import { isWildcard } from '../policy/hosts.js';

/*
 * The certificate profile of the private CA and its leaves, defined once: `ca create` and
 * `ca issue` (this package, with @peculiar/x509) and the proxy launcher (openssl, at proxy
 * start) issue the same kind of certificate, and the checks read the same numbers.
 */

/** Files `ca create` writes: the certificate is public, the key goes into the secret store. */
export const CA_FILES = { certificate: 'ca.crt', key: 'ca.key' } as const;

/** Key types `ca create` offers. */
export const CA_KEY_TYPES = ['ec-p256', 'rsa-3072'] as const;
export type CaKeyType = (typeof CA_KEY_TYPES)[number];
/** What `ca create` makes without --key. */
export const CA_DEFAULT_KEY_TYPE: CaKeyType = 'ec-p256';

/** A CA lives for weeks, not years: rotation is a routine, tested procedure. */
export const CA_DEFAULT_DAYS = 90;
export const CA_MAX_DAYS = 397;

/** Leaves are short-lived; the proxy re-issues them at half their lifetime. */
export const LEAF_DEFAULT_DAYS = 7;
export const LEAF_MAX_DAYS = 90;

/** The CA's subject common name. */
export const CA_COMMON_NAME = 'agent-perimeter interception CA';

export { leafBaseName } from '../proxy-contract.js';

/**
 * The DNS name constraint that covers `host`. RFC 5280 name constraints match a name and every
 * name under it, so `github.com` also covers `api.github.com`; a wildcard entry's is its domain.
 */
export function permittedNameFor(host: string): string {
  return isWildcard(host) ? host.slice(2) : host;
}

/** Does the DNS constraint `permitted` cover `host` (RFC 5280 section 4.2.1.10)? */
export function constraintCovers(permitted: string, host: string): boolean {
  const name = permittedNameFor(host);
  const base = permitted.replace(/^\./, '');
  return name === base || name.endsWith(`.${base}`);
}

/** The distinct permitted names for a set of intercepted hosts, sorted. */
export function permittedNames(hosts: readonly string[]): string[] {
  return [...new Set(hosts.map(permittedNameFor))].sort();
}

/**
 * The leaf's X.509 v3 extensions as an openssl `-extfile` section, for the launcher. The
 * TypeScript issuer in `issue.ts` builds the same set.
 */
export function opensslLeafExtensions(host: string): string {
  return [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature',
    'extendedKeyUsage=serverAuth',
    `subjectAltName=DNS:${host}`,
    'subjectKeyIdentifier=hash',
    'authorityKeyIdentifier=keyid',
  ].join('\n');
}
