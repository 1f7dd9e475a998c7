import { readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { knownCredentialFormat, looksLikeSecret } from '../../policy/secrets.js';
import { CREDENTIAL_AGENT_ENV, PROXY_CREDENTIAL_ENV_PREFIX } from '../../policy/semantics.js';
import { SECRETS_DIR } from '../../proxy-contract.js';
import { blocked, escaped, type Planned, type ProbeContext } from '../check.js';

/** Variable names whose value is a secret if it looks random at all. */
const SECRETISH = /KEY|TOKEN|SECRET|PASSW|CREDENTIAL|AUTH|PRIVATE/i;

/** Where credentials end up on disk (control C25), relative to the home directory. */
export const HOME_CREDENTIAL_FILES = [
  '.env',
  '.env.local',
  '.git-credentials',
  '.netrc',
  '.aws/credentials',
  '.config/gcloud/application_default_credentials.json',
  '.azure/accessTokens.json',
  '.azure/msal_token_cache.json',
  '.docker/config.json',
  '.kube/config',
  '.npmrc',
  '.pypirc',
  '.ssh/id_rsa',
  '.ssh/id_ecdsa',
  '.ssh/id_ed25519',
];

/** Directories where a platform mounts secrets: any file in them is a credential. */
export const SECRET_DIRECTORIES = [
  SECRETS_DIR,
  '/run/secrets',
  '/var/run/secrets/kubernetes.io/serviceaccount',
];

/** Credential-shaped assignments in config files (the value itself is never reported). */
const FIELDS: readonly [RegExp, string][] = [
  [/aws_secret_access_key\s*=\s*\S+/i, 'aws_secret_access_key'],
  [/aws_session_token\s*=\s*\S+/i, 'aws_session_token'],
  [/"private_key"\s*:\s*"[^"]+"/, 'private_key'],
  [/"refresh_token"\s*:\s*"[^"]+"/, 'refresh_token'],
  [/"(access_?token|accessToken|secret)"\s*:\s*"[^"]+"/i, 'a token field'],
  [/_authToken\s*=\s*\S+/, '_authToken'],
  [/"auth"\s*:\s*"[^"]+"/, 'a registry auth'],
  [/^\s*password\s*[=:]\s*\S+/im, 'password'],
  [/\bpassword\s+\S+/i, 'password'],
  [/\btoken:\s*\S{16,}/, 'token'],
  [/[a-z][a-z0-9+.-]*:\/\/[^:/\s@]+:[^@\s]+@/i, 'credentials in a URL'],
];

/** The first credential of a known format (an API key, a token) among the words of `text`. */
export function knownCredentialIn(text: string): string | undefined {
  for (const token of text.split(/[\s"'=:,;{}()[\]<>]+/)) {
    const what = knownCredentialFormat(token);
    if (what !== undefined) return what;
  }
  return undefined;
}

/** What kind of credential `text` holds, or undefined. */
export function credentialIn(text: string): string | undefined {
  for (const [pattern, what] of FIELDS) if (pattern.test(text)) return what;
  const known = knownCredentialIn(text);
  if (known !== undefined) return known;
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) return 'a private key';
  for (const line of text.split('\n')) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*["']?([^"'\s]+)/.exec(line);
    if (m?.[1] !== undefined && m[2] !== undefined && SECRETISH.test(m[1])) {
      const what = looksLikeSecret(m[2]);
      if (what !== undefined) return `${m[1]} (${what})`;
    }
  }
  return undefined;
}

/** Variables that hold a credential: by name, by a known format, or random-looking under a secret-ish name. */
export function credentialVariables(env: ProbeContext['env']): string[] {
  const found: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || value === '') continue;
    if (
      (CREDENTIAL_AGENT_ENV as readonly string[]).includes(name) ||
      name.startsWith(PROXY_CREDENTIAL_ENV_PREFIX)
    ) {
      found.push(`${name} (a credential variable)`);
      continue;
    }
    const what = SECRETISH.test(name) ? looksLikeSecret(value) : knownCredentialFormat(value);
    if (what !== undefined) found.push(`${name} (${what})`);
  }
  return found;
}

function readable(path: string): string | undefined {
  try {
    const stat = statSync(path);
    if (!stat.isFile() || stat.size === 0) return undefined;
    return readFileSync(path)
      .subarray(0, 64 * 1024)
      .toString('utf8');
  } catch {
    return undefined;
  }
}

function filesIn(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true })
      .map((f) => join(dir, String(f)))
      .filter((f) => readable(f) !== undefined);
  } catch {
    return [];
  }
}

/** Files the probe can read that hold a credential, as `path (what)`. */
export function credentialFiles(ctx: ProbeContext): string[] {
  const candidates = new Set<string>([
    ...HOME_CREDENTIAL_FILES.map((f) => join(ctx.home, f)),
    join(ctx.cwd, '.env'),
    join(ctx.cwd, '.env.local'),
  ]);
  const adc = ctx.env.GOOGLE_APPLICATION_CREDENTIALS;
  if (adc !== undefined && isAbsolute(adc)) candidates.add(adc);
  const found: string[] = [];
  for (const path of candidates) {
    const text = readable(path);
    if (text === undefined) continue;
    const what = credentialIn(text);
    if (what !== undefined) found.push(`${path} (${what})`);
  }
  for (const dir of SECRET_DIRECTORIES) {
    for (const file of filesIn(dir)) found.push(`${file} (a mounted secret)`);
  }
  return found;
}

/**
 * The agent holds no credential (control C2): nothing key-like in its environment, no
 * credential file it can read, none of the proxy's secret mounts.
 */
export function credentialChecks(ctx: ProbeContext): Planned {
  return {
    checks: [
      {
        name: 'credential-env',
        target: 'environment',
        run: async () => {
          const found = credentialVariables(ctx.env);
          if (found.length > 0)
            return escaped(`the agent can read a credential in ${found.join(', ')}`);
          return blocked(
            `none of ${Object.keys(ctx.env).length} variables holds a credential (placeholders such as the one in ANTHROPIC_API_KEY are not)`,
          );
        },
      },
      {
        name: 'credential-files',
        target: `${ctx.home}, ${ctx.cwd}, secret mounts`,
        run: async () => {
          const found = credentialFiles(ctx);
          if (found.length > 0) return escaped(`the agent can read ${found.join(', ')}`);
          return blocked('no readable credential file and no mounted secret');
        },
      },
    ],
    skipped: [],
  };
}
