import { isWildcard } from './hosts.js';
import type { EgressRule, InjectRule } from './schema.js';

/** A credential the proxy adds, and where Envoy reads the finished header value. */
export interface InjectedCredential {
  readonly header: string;
  readonly secret: string;
  readonly format: InjectRule['format'];
  readonly username?: string;
  /** Environment variable (or file name) the proxy reads the secret from. */
  readonly credentialVariable: string;
  /**
   * Where Envoy reads the header value: the secret itself for `raw`, else a variable the
   * launcher sets to "Bearer <secret>" or "Basic base64(<username>:<secret>)" before Envoy starts.
   */
  readonly headerVariable: string;
}

/** Prefix of every variable the proxy reads credentials from; agents may never set one. */
export const PROXY_CREDENTIAL_ENV_PREFIX = 'AGENT_PERIMETER_SECRET_';

export function injectedCredential(inject: InjectRule): InjectedCredential {
  const source = credentialVariable(inject.secret);
  return {
    header: inject.header,
    secret: inject.secret,
    format: inject.format,
    ...(inject.username !== undefined ? { username: inject.username } : {}),
    credentialVariable: source,
    headerVariable:
      inject.format === 'raw' ? source : `${source}_AS_${inject.format.toUpperCase()}`,
  };
}

/** A plain-HTTP listener on the proxy that forwards to one host over TLS with a credential. */
export interface InjectListener extends InjectedCredential {
  readonly host: string;
  /** Port the proxy listens on; the agent's base URL is http://<proxy>:<port>. */
  readonly port: number;
  /** Port of the upstream TLS connection (the entry's first port). */
  readonly upstreamPort: number;
  /** Agent environment variable that receives the base URL. */
  readonly env: string;
}

/** The Anthropic API, whose base URL Anthropic's SDKs and Claude Code read from ANTHROPIC_BASE_URL. */
export const ANTHROPIC_API_HOST = 'api.anthropic.com';

/** Default base-URL variable for a host: what the vendor's SDK reads, when we know it. */
export function defaultBaseUrlEnv(host: string): string {
  if (host === ANTHROPIC_API_HOST) return 'ANTHROPIC_BASE_URL';
  return `${host.replace(/[^a-z0-9]+/g, '_').toUpperCase()}_BASE_URL`;
}

/** Environment variable the proxy reads a secret from: the secret name in SCREAMING_SNAKE. */
export function credentialVariable(secret: string): string {
  return `${PROXY_CREDENTIAL_ENV_PREFIX}${secret.replace(/[^A-Za-z0-9]+/g, '_').toUpperCase()}`;
}

/** Inject entries in policy order, with listener ports assigned from `proxy.inject_base_port`. */
export function injectListeners(
  egress: readonly (EgressRule | undefined)[],
  basePort: number,
): InjectListener[] {
  const out: InjectListener[] = [];
  for (const rule of egress) {
    if (rule?.inject === undefined || isWildcard(rule.host) || rule.tls === 'intercept') continue;
    const { inject } = rule;
    out.push({
      ...injectedCredential(inject),
      host: rule.host,
      port: inject.port ?? basePort + out.length,
      upstreamPort: rule.ports[0] ?? 443,
      env: inject.env ?? defaultBaseUrlEnv(rule.host),
    });
  }
  return out;
}

/** True for entries whose TLS the proxy terminates with a certificate of the private CA. */
export function isIntercepted(rule: EgressRule | undefined): boolean {
  return rule?.tls === 'intercept';
}
