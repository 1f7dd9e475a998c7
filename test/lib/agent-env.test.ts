import { describe, expect, it } from 'vitest';
import { credentialName, credentialValue } from '../../lib/policy/index.js';
import { parseProxyAddress } from '../../lib/proxy-address.js';
import { runCli } from '../helpers/cli.js';
import { policyProblems, validPolicy } from '../helpers/policy.js';

/*
 * The agent's environment: `agent-env --proxy` takes a host, host:port or http URL and nothing
 * else, and `agents[].environment` keeps the promise that agents hold no credentials without
 * refusing ordinary ids.
 */

describe('agent-env --proxy', () => {
  it.each([
    ['proxy.internal', 'proxy.internal'],
    ['proxy.internal:3128', 'proxy.internal'],
    ['http://proxy.internal:3128', 'proxy.internal'],
    ['http://proxy.internal:3128/', 'proxy.internal'],
    ['10.0.0.5', '10.0.0.5'],
    ['[2001:db8::5]:3128', '2001:db8::5'],
  ])('accepts %s', async (given, host) => {
    const r = await runCli('agent-env', '--proxy', given);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      `HTTPS_PROXY=http://${host.includes(':') ? `[${host}]` : host}:3128\n`,
    );
    expect(r.stdout).not.toMatch(/http:\/\/http|:3128:3128/);
  });

  it.each([
    ['https://proxy.internal:3128', 'plain HTTP'],
    ['http://user:pw@proxy.internal:3128', 'credentials'],
    ['proxy.internal/path', 'not a host'],
    ['proxy.internal:99999', 'not a port'],
    ['proxy.internal:8080', 'not the forward-proxy port'],
    ['2001:db8::5', 'needs brackets'],
    ['bad_host!', 'not a DNS name'],
    ['', 'is empty'],
  ])('refuses %s with exit 2', async (given, why) => {
    const r = await runCli('agent-env', '--proxy', given);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(why);
    expect(r.stdout).toBe('');
  });

  it('says that it defaults to localhost', async () => {
    const r = await runCli('agent-env');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('no --proxy given, so the proxy host is localhost');
    expect(r.stdout).toContain('CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1');
  });

  it('parses the forms without the CLI', () => {
    expect(parseProxyAddress('HTTP://Proxy.Internal')).toEqual({
      host: 'Proxy.Internal',
      port: undefined,
    });
  });
});

describe('agents[].environment holds no credentials', () => {
  it.each([
    'GITHUB_TOKEN',
    'GH_TOKEN',
    'NPM_TOKEN',
    'NODE_AUTH_TOKEN',
    'ANTHROPIC_API_KEY',
    'ANTHROPIC_AUTH_TOKEN',
    'CLAUDE_CODE_OAUTH_TOKEN',
    'AWS_BEARER_TOKEN_BEDROCK',
    'AWS_SECRET_ACCESS_KEY',
    'AZURE_CLIENT_SECRET',
    'GOOGLE_APPLICATION_CREDENTIALS',
    'CLOUDSDK_AUTH_ACCESS_TOKEN_FILE',
    'OPENAI_API_KEY',
    'HF_TOKEN',
    'DB_PASSWORD',
    'SIGNING_KEY',
    'KUBECONFIG',
  ])('refuses the name %s', (name) => {
    expect(credentialName(name)).toBeDefined();
  });

  it.each([
    'HOME',
    'PATH',
    'TOKENIZERS_PARALLELISM',
    'NODE_ENV',
    'GIT_COMMIT',
    'BUILD_ID',
    'KEYBOARD',
  ])('accepts the name %s', (name) => {
    expect(credentialName(name)).toBeUndefined();
  });

  it.each([
    ['a URL with a password', 'postgres://app:s3cret@db.internal:5432/app'],
    ['a GitHub token', 'ghp_abcdefghijklmnopqrstuvwxyz0123456789'],
    ['an Anthropic key', 'sk-ant-api03-abc'],
  ])('refuses %s as a value', (_what, value) => {
    expect(credentialValue(value)).toBeDefined();
  });

  it.each([
    ['a commit SHA', '3f786850e387550fdab836ed7e6dc881de23001b'],
    ['a build id', 'b7Kq9xZ2mP4vL8nR3tY6wA1sD5fG0hJ'],
    ['an image digest', 'sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae'],
    ['a URL with a user only', 'https://user@example.com/x'],
  ])('accepts %s as a value', (_what, value) => {
    expect(credentialValue(value)).toBeUndefined();
  });

  const agent = (environment: string, extra = '') =>
    `name: test\negress:\n  - host: github.com\nagents:\n  - name: a\n    image: node:22\n    environment: ${environment}\n${extra}`;

  it('refuses a credential name with the fix and the override', () => {
    const [problem] = policyProblems(agent('{ NPM_TOKEN: abc }'));
    expect(problem?.path).toBe('agents[0].environment.NPM_TOKEN');
    expect(problem?.message).toContain('let the proxy add it');
    expect(problem?.message).toContain('environment_not_credentials');
  });

  it('accepts a reviewed variable, and ordinary high-entropy values', () => {
    const policy = validPolicy(
      agent(
        '{ TOKEN_BUCKET_SIZE: "64", GIT_COMMIT: 3f786850e387550fdab836ed7e6dc881de23001b, BUILD_ID: b7Kq9xZ2mP4vL8nR3tY6wA1sD5fG0hJ }',
        '    environment_not_credentials: [TOKEN_BUCKET_SIZE]',
      ),
    );
    expect(policy.agents[0]?.environment.GIT_COMMIT).toBe(
      '3f786850e387550fdab836ed7e6dc881de23001b',
    );
  });

  it('refuses an override for a variable that is not set, and never overrides reserved names', () => {
    const problems = policyProblems(
      agent('{ HTTPS_PROXY: "http://x" }', '    environment_not_credentials: [HTTPS_PROXY, OTHER]'),
    );
    expect(problems.map((p) => p.path).sort()).toEqual([
      'agents[0].environment.HTTPS_PROXY',
      'agents[0].environment_not_credentials',
    ]);
  });

  it('refuses a URL with a password', () => {
    const [problem] = policyProblems(agent('{ DATABASE_URL: "postgres://app:pw@db:5432/app" }'));
    expect(problem?.message).toContain('user:password@');
  });
});
