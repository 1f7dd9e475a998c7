import { isWildcard } from './hosts.js';
import type { EgressRule } from './schema.js';

/** A plain-HTTP listener on the proxy that forwards to one host over TLS with a credential. */
export interface InjectListener {
  readonly host: string;
  /** Port the proxy listens on; the agent's base URL is http://<proxy>:<port>. */
  readonly port: number;
  /** Port of the upstream TLS connection (the entry's first port). */
  readonly upstreamPort: number;
  readonly header: string;
  readonly secret: string;
  /** Agent environment variable that receives the base URL. */
  readonly env: string;
  /** Environment variable (or file name) the proxy reads the credential from. */
  readonly credentialVariable: string;
}

/** Default base-URL variable for a host: what the vendor's SDK reads, when we know it. */
export function defaultBaseUrlEnv(host: string): string {
  if (host === 'api.anthropic.com') return 'ANTHROPIC_BASE_URL';
  return `${host.replace(/[^a-z0-9]+/g, '_').toUpperCase()}_BASE_URL`;
}

/** Environment variable the proxy reads a secret from: the secret name in SCREAMING_SNAKE. */
export function credentialVariable(secret: string): string {
  return `AGENT_PERIMETER_SECRET_${secret.replace(/[^A-Za-z0-9]+/g, '_').toUpperCase()}`;
}

/** Inject entries in policy order, with listener ports assigned from `proxy.inject_base_port`. */
export function injectListeners(
  egress: readonly (EgressRule | undefined)[],
  basePort: number,
): InjectListener[] {
  const out: InjectListener[] = [];
  for (const rule of egress) {
    if (rule?.inject === undefined || isWildcard(rule.host)) continue;
    const { inject } = rule;
    out.push({
      host: rule.host,
      port: inject.port ?? basePort + out.length,
      upstreamPort: rule.ports[0] ?? 443,
      header: inject.header,
      secret: inject.secret,
      env: inject.env ?? defaultBaseUrlEnv(rule.host),
      credentialVariable: credentialVariable(inject.secret),
    });
  }
  return out;
}
