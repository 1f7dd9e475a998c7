/** A socket error's code, e.g. `ENETUNREACH`; `ETIMEDOUT` for our own timeouts. */
export function errorCode(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : 'ERROR';
}

const WORDS: Readonly<Record<string, string>> = {
  ENETUNREACH: 'no route (network unreachable)',
  EHOSTUNREACH: 'host unreachable',
  EADDRNOTAVAIL: 'no local address for that family',
  EAFNOSUPPORT: 'address family not available',
  ETIMEDOUT: 'no answer before the timeout (dropped)',
  ECONNREFUSED: 'refused',
  ECONNRESET: 'reset',
  EPIPE: 'closed',
  EACCES: 'not permitted',
  EPERM: 'not permitted',
  ENOTFOUND: 'the name does not resolve',
  EAI_AGAIN: 'the name could not be resolved (resolver failure)',
};

/** `ENETUNREACH` -> "no route (network unreachable)". */
export function describeCode(code: string, timeoutMs?: number): string {
  if (code === 'ETIMEDOUT' && timeoutMs !== undefined)
    return `no answer within ${timeoutMs} ms (dropped)`;
  return WORDS[code] ?? code;
}
