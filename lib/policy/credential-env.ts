import { knownCredentialFormat } from './secrets.js';

/*
 * The promise that agents get no credentials, applied to `agents[].environment`: a variable
 * whose name by convention holds a credential, or whose value is one (a known token format, a
 * URL with a password in it), is refused with the fix (let the proxy inject it). Values are not
 * judged by randomness: commit SHAs, build ids and digests are ordinary settings.
 */

/** Words of a variable name (split on "_") that mark a credential wherever they appear. */
const CREDENTIAL_WORDS = new Set([
  'TOKEN',
  'TOKENS',
  'SECRET',
  'SECRETS',
  'PASSWORD',
  'PASSWD',
  'PASSPHRASE',
  'CREDENTIAL',
  'CREDENTIALS',
  'APIKEY',
  'COOKIE',
  'PAT',
]);

/** Whole names of well-known credential variables the word rule does not catch. */
const CREDENTIAL_NAMES = new Map<string, string>([
  ['KUBECONFIG', 'the path of a Kubernetes credentials file'],
  ['DOCKER_AUTH_CONFIG', 'registry credentials'],
  ['AZURE_CLIENT_CERTIFICATE_PATH', 'an Azure client certificate'],
  ['SENTRY_DSN', 'a Sentry client key'],
  ['CLOUDSDK_AUTH_ACCESS_TOKEN_FILE', 'a gcloud access token'],
]);

/**
 * What a variable name conventionally holds ("a token"), when it names a credential: GITHUB_TOKEN,
 * NPM_TOKEN, ANTHROPIC_API_KEY, ANTHROPIC_AUTH_TOKEN, CLAUDE_CODE_OAUTH_TOKEN,
 * AWS_BEARER_TOKEN_BEDROCK, AZURE_CLIENT_SECRET, GOOGLE_APPLICATION_CREDENTIALS, DB_PASSWORD,
 * *_PRIVATE_KEY, *_ACCESS_KEY ... Names ending in KEY are credentials by convention.
 */
export function credentialName(name: string): string | undefined {
  const known = CREDENTIAL_NAMES.get(name);
  if (known !== undefined) return known;
  const words = name.split('_').filter((w) => w !== '');
  if (words.some((w) => CREDENTIAL_WORDS.has(w) || w.endsWith('TOKEN')))
    return 'a token, password or secret';
  const last = words.at(-1) ?? '';
  if (last === 'KEY' || last === 'KEYS' || last.endsWith('APIKEY')) return 'a key';
  return undefined;
}

/** A URL with `user:password@` in its authority. */
const URL_WITH_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/[^/?#@\s:]*:[^/?#@\s]+@/i;

/** What a value is ("a GitHub token"), when it is a credential by its form. */
export function credentialValue(value: string): string | undefined {
  if (URL_WITH_PASSWORD.test(value)) return 'a URL with a password in it (user:password@)';
  return knownCredentialFormat(value);
}
