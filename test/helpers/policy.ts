import { type Policy, PolicyError, parsePolicy } from '../../lib/policy/index.js';

/** A minimal valid policy as YAML, to which a test appends or swaps entries. */
export function policyYaml(egress: string, extra = ''): string {
  return `name: test\negress:\n${egress}\n${extra}`;
}

/** Parses text that must be valid. */
export function validPolicy(text: string): Policy {
  return parsePolicy(text, 'test.yaml');
}

/** Parses text that must be invalid and returns its problems. */
export function policyProblems(text: string): PolicyError['problems'] {
  try {
    parsePolicy(text, 'test.yaml');
  } catch (error) {
    if (error instanceof PolicyError) return error.problems;
    throw error;
  }
  throw new Error(`expected the policy to be invalid:\n${text}`);
}

/** The problem reported at `path` in text that must be invalid; fails listing them if none. */
export function problemAt(text: string, path: string): PolicyError['problems'][number] {
  const problems = policyProblems(text);
  const found = problems.find((p) => p.path === path);
  if (found === undefined)
    throw new Error(`no problem at ${path}; got ${JSON.stringify(problems)}`);
  return found;
}

/** An internal host on a private range with a credential injected: no public 443 path. */
export const INTERNAL_API_ENTRY = [
  '  - host: internal-api.corp.example.com',
  '    private: ["10.20.0.0/16"]',
  '    inject: { header: x-token, secret: internal }',
].join('\n');

/** Wildcards, internal hosts, an opaque port and three inject entries with request rules. */
export const RICH_EGRESS = [
  '  - host: api.anthropic.com',
  '    inject: { header: x-api-key, secret: anthropic }',
  '    allow: [{ method: POST, path: /v1/messages }, { method: POST, path: /v1/messages/count_tokens }]',
  '  - host: api.github.com',
  '    inject: { header: authorization, secret: github, port: 9200 }',
  '    allow: [{ method: GET, path_prefix: /repos/acme/ }]',
  INTERNAL_API_ENTRY,
  '  - host: "*.example.com"',
  '    ports: [443, 8443]',
  '  - host: "*.svc.corp.example.com"',
  '    private: true',
  '  - host: git.corp.example.com',
  '    ports: [443, 22]',
  '    private: ["10.30.0.0/16", "172.20.0.0/16"]',
  '  - host: ssh.github.com',
  '    ports: [443]',
  '    tls: false',
].join('\n');

/**
 * github.com intercepted, a token injected as basic auth, pushes to acme/widgets allowed: the
 * egress entry the TLS interception tests share. Its `allow` list comes last, so a test may
 * append more rules to it.
 */
export const GITHUB_INTERCEPT_ENTRY = `  - host: github.com
    tls: intercept
    inject: { header: authorization, secret: github-token, format: basic, username: x-access-token }
    allow:
      - { git_repo: acme/widgets, push: true }
`;
