import { isIP } from 'node:net';

/** Names that resolve to metadata services or the local machine: never an egress target. */
const FORBIDDEN_HOSTS = new Set([
  'localhost',
  'metadata',
  'metadata.google.internal',
  'instance-data',
  'instance-data.ec2.internal',
]);

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** True when `host` is a wildcard entry such as `*.example.com`. */
export function isWildcard(host: string): boolean {
  return host.startsWith('*.');
}

/**
 * Does `host` (a concrete DNS name) match the allowlist entry `pattern`? A wildcard matches
 * exactly one label: `*.example.com` matches `a.example.com`, not `example.com` or
 * `a.b.example.com`.
 */
export function hostMatches(pattern: string, host: string): boolean {
  if (!isWildcard(pattern)) return pattern === host;
  const suffix = pattern.slice(1);
  if (!host.endsWith(suffix)) return false;
  const label = host.slice(0, -suffix.length);
  return LABEL.test(label);
}

/**
 * Returns why `host` is not a valid allowlist entry (and how to fix it), or undefined when it
 * is valid. The order matters: the most specific explanation wins.
 */
export function hostProblem(host: string): string | undefined {
  if (host.trim() === '') return 'is empty. Fix: give a DNS name such as "api.example.com".';
  if (host !== host.trim()) return 'has surrounding whitespace. Fix: remove it.';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(host)) {
    return 'contains a URL scheme. Fix: write only the host name (e.g. "api.example.com"); ports go in `ports`.';
  }
  if (host.includes('/')) {
    return 'contains a path. Fix: write only the host name; the allowlist works per host and port.';
  }
  if (host === '*') {
    return 'allows every host, which makes the proxy an open relay. Fix: list each host the agent needs, or one "*.example.com" wildcard per domain.';
  }
  const unbracketed = host.replace(/^\[(.*)\](:\d+)?$/, '$1');
  if (isIP(unbracketed) === 6) {
    return "is an IPv6 literal; the allowlist takes DNS names only (direct-to-IP traffic bypasses name checks). Fix: use the service's DNS name.";
  }
  const [name, port] = host.split(/:(?=\d+$)/);
  if (port !== undefined && name !== undefined) {
    return `contains a port. Fix: write host: ${name} and ports: [${port}].`;
  }
  if (host.includes(':')) {
    return 'contains ":" and is not a DNS name. Fix: write only the host name; ports go in `ports`.';
  }
  if (isIP(host) === 4 || /^[0-9x.]+$/i.test(host) || /\.\d+$/.test(host)) {
    return "is an IP literal (or looks like one); the allowlist takes DNS names only (direct-to-IP traffic bypasses name checks). Fix: use the service's DNS name.";
  }
  if (host !== host.toLowerCase()) {
    return `contains uppercase letters. Fix: DNS names are case-insensitive; write "${host.toLowerCase()}".`;
  }
  if (host.endsWith('.')) {
    return `ends with a dot. Fix: write "${host.slice(0, -1)}".`;
  }
  if (host.length > 253) return `is ${host.length} characters long; DNS names have at most 253.`;
  const wildcard = isWildcard(host);
  const rest = wildcard ? host.slice(2) : host;
  if (rest.includes('*')) {
    return 'has a wildcard that is not the whole first label. Fix: use one leading "*." label, e.g. "*.example.com".';
  }
  const labels = rest.split('.');
  const bad = labels.find((l) => !LABEL.test(l));
  if (bad !== undefined) {
    return `has an invalid DNS label "${bad}". Fix: labels are 1-63 characters of a-z, 0-9 and "-", not starting or ending with "-".`;
  }
  if (wildcard && labels.length < 2) {
    return `wildcards a whole top-level domain. Fix: narrow it to a registered domain, e.g. "*.example${host.slice(1)}".`;
  }
  if (!wildcard && labels.length < 2) {
    return 'is a single-label name, which resolvers expand with search domains to internal hosts. Fix: use the fully qualified name.';
  }
  if (FORBIDDEN_HOSTS.has(host) || host.endsWith('.localhost')) {
    return 'names a metadata service or the local machine, a credential-theft channel. Fix: remove it; agents must never reach it.';
  }
  return undefined;
}
