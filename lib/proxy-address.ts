import { UserError } from './errors.js';

/** A proxy address as agents use it: a host, and the port if one was written. */
export interface ProxyAddress {
  readonly host: string;
  readonly port: number | undefined;
}

const DNS_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

function badProxy(value: string, why: string): UserError {
  return new UserError(
    `--proxy "${value}": ${why}. Fix: pass the proxy host, optionally with its port, e.g. --proxy proxy.internal, --proxy proxy.internal:3128, --proxy 10.0.0.5:3128 or --proxy http://proxy.internal:3128.`,
  );
}

function parsePort(value: string, text: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) < 1 || Number(text) > 65535) {
    throw badProxy(value, `"${text}" is not a port (1-65535)`);
  }
  return Number(text);
}

function checkHost(value: string, host: string): string {
  if (host.startsWith('[') && host.endsWith(']')) {
    if (!/^\[[0-9A-Fa-f:.]+\]$/.test(host) || !host.includes(':')) {
      throw badProxy(value, `"${host}" is not an IPv6 address`);
    }
    return host.slice(1, -1);
  }
  if (IPV4.test(host) || (DNS_NAME.test(host) && !/^[\d.]+$/.test(host))) return host;
  throw badProxy(value, `"${host}" is not a DNS name or an IP address`);
}

/**
 * `HOST`, `HOST:PORT`, `[IPv6]:PORT` or `http://HOST[:PORT][/]`. Anything else (another scheme,
 * a path, credentials, a query) is a UserError naming the value and the fix.
 */
export function parseProxyAddress(value: string): ProxyAddress {
  const text = value.trim();
  if (text === '') throw badProxy(value, 'is empty');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    if (!/^http:\/\//i.test(text)) {
      throw badProxy(
        value,
        'the proxy speaks plain HTTP (agents CONNECT through it), so only http:// URLs name it',
      );
    }
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw badProxy(value, 'is not a URL');
    }
    if (url.username !== '' || url.password !== '') {
      throw badProxy(value, 'carries credentials; the proxy takes none from agents');
    }
    if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') {
      throw badProxy(value, 'has a path, query or fragment');
    }
    const authority = text.replace(/^http:\/\//i, '').replace(/\/$/, '');
    return parseProxyAddress(authority);
  }
  if (text.includes('/') || text.includes('@')) throw badProxy(value, 'is not a host or host:port');
  const bracketed = /^(\[[^\]]*\])(?::(.*))?$/.exec(text);
  if (bracketed !== null) {
    const host = checkHost(value, bracketed[1] as string);
    return { host, port: bracketed[2] === undefined ? undefined : parsePort(value, bracketed[2]) };
  }
  const parts = text.split(':');
  if (parts.length > 2) {
    throw badProxy(value, 'an IPv6 address needs brackets, e.g. [2001:db8::1]:3128');
  }
  const host = checkHost(value, parts[0] as string);
  return { host, port: parts[1] === undefined ? undefined : parsePort(value, parts[1]) };
}
