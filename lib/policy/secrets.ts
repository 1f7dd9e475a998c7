import { X509Certificate } from 'node:crypto';

/** Prefixes of well-known credential formats: a match means a value was pasted, not a name. */
const KEY_PATTERNS: readonly [RegExp, string][] = [
  [/^sk-ant-/, 'an Anthropic API key'],
  [/^sk-[A-Za-z0-9_-]{20,}/, 'an API key'],
  [/^(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}/, 'a GitHub token'],
  [/^github_pat_/, 'a GitHub token'],
  [/^glpat-/, 'a GitLab token'],
  [/^(AKIA|ASIA)[A-Z0-9]{12,}/, 'an AWS access key ID'],
  [/^AIza[0-9A-Za-z_-]{20,}/, 'a Google API key'],
  [/^xox[abposr]-/, 'a Slack token'],
  [/^npm_[A-Za-z0-9]{20,}/, 'an npm token'],
  [/^(sk|rk)_live_/, 'a Stripe key'],
  [/^eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/, 'a JSON Web Token'],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'a private key'],
];

/**
 * The well-known credential format `value` starts with ("an AWS access key ID"), else
 * undefined. Unlike {@link looksLikeSecret} it never guesses from randomness, so it suits
 * text full of ids (environments, HTTP bodies).
 */
export function knownCredentialFormat(value: string): string | undefined {
  for (const [pattern, what] of KEY_PATTERNS) if (pattern.test(value)) return what;
  return undefined;
}

/** Shannon entropy in bits per character. */
export function entropy(text: string): number {
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/**
 * Returns a description ("an Anthropic API key") when `value` looks like a credential rather
 * than a name or an ordinary setting, else undefined. Words joined by `-`, `_`, `/` or `.`
 * (how people name things) pass; a long random-looking run of letters and digits does not.
 */
export function looksLikeSecret(value: string): string | undefined {
  const known = knownCredentialFormat(value);
  if (known !== undefined) return known;
  // Public certificates (the private CA agents trust) are random-looking but not secret.
  if (onlyCertificates(value)) return undefined;
  const runs = value.split(/[-_/.:@ ]+/);
  const random = runs.some(
    (run) => run.length >= 20 && /[0-9]/.test(run) && /[A-Za-z]/.test(run) && entropy(run) >= 3.5,
  );
  return random ? 'a high-entropy string (a key or token)' : undefined;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[A-Za-z0-9+/=\s]+-----END \1-----/g;

/**
 * Whether `value` is nothing but PEM certificate blocks that each parse as X.509 (a
 * certificate bundle): armor alone is not trusted, so a key relabelled as a certificate fails.
 */
export function onlyCertificates(value: string): boolean {
  const blocks = value.match(PEM_BLOCK) ?? [];
  if (blocks.length === 0 || value.replace(PEM_BLOCK, '').trim() !== '') return false;
  return blocks.every((block) => {
    if (!block.startsWith('-----BEGIN CERTIFICATE-----')) return false;
    try {
      new X509Certificate(block);
      return true;
    } catch {
      return false;
    }
  });
}
