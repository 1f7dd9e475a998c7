import { describe, expect, it } from 'vitest';
import { credentialName, credentialValue } from '../../lib/policy/index.js';
import { parseProxyAddress } from '../../lib/proxy-address.js';
import {
  credentialEnvironmentCases,
  proxyAddressCases,
  readCredentialEnvironmentCases,
} from '../helpers/agent-env-fixtures.js';
import { runCli } from '../helpers/cli.js';
import { policyProblems, validPolicy } from '../helpers/policy.js';

/*
 * The agent's environment: `agent-env --proxy` takes a host, host:port or http URL and nothing
 * else, and `agents[].environment` keeps the promise that agents hold no credentials without
 * refusing ordinary ids.
 */

describe('agent-env --proxy', () => {
  // The values are data: test/fixtures/agent-env/proxy-addresses.yaml.
  const { accepted, refused } = proxyAddressCases();

  it.each(accepted)('accepts %s', async (given, host) => {
    const r = await runCli('agent-env', '--proxy', given);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      `HTTPS_PROXY=http://${host.includes(':') ? `[${host}]` : host}:3128\n`,
    );
    expect(r.stdout).not.toMatch(/http:\/\/http|:3128:3128/);
  });

  it.each(refused)('refuses %s with exit 2', async (given, why) => {
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
  // The names and values are data: test/fixtures/agent-env/credential-environment.yaml.
  const { names, values } = credentialEnvironmentCases();

  it.each(names.refused)('refuses the name %s', (name) => {
    expect(credentialName(name)).toBeDefined();
  });

  it.each(names.accepted)('accepts the name %s', (name) => {
    expect(credentialName(name)).toBeUndefined();
  });

  it.each(values.refused)('refuses %s as a value', (_what, value) => {
    expect(credentialValue(value)).toBeDefined();
  });

  it.each(values.accepted)('accepts %s as a value', (_what, value) => {
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

describe('the credential-environment fixture', () => {
  const names = { refused: ['NPM_TOKEN'], accepted: ['HOME'] };
  const values = { refused: { 'a token': 'ghp_x' }, accepted: {} };

  it.each([
    [
      'a name that is not a variable',
      { names: { ...names, accepted: ['home'] }, values },
      'names.accepted[0]: "home"',
    ],
    [
      'a value that is not text',
      { names, values: { ...values, accepted: { 'a port': 443 } } },
      'values.accepted ("a port")',
    ],
    [
      'a name both refused and accepted',
      { names: { ...names, accepted: ['NPM_TOKEN'] }, values },
      'both refused and accepted: NPM_TOKEN',
    ],
  ])('refuses %s, naming the entry', (_what, doc, words) => {
    expect(() => readCredentialEnvironmentCases(doc, 'f.yaml')).toThrow(words);
  });
});
