import { describe, expect, it } from 'vitest';
import { PolicyError, parsePolicy } from '../../lib/policy/index.js';
import {
  type InvalidPolicyCase,
  invalidPolicyCases,
  itRefusesEach,
  policyText,
  type Refusal,
  readInvalidPolicyCases,
} from '../helpers/invalid-policy-fixtures.js';
import { policyProblems, policyYaml } from '../helpers/policy.js';

// The cases are data: test/fixtures/policy/invalid-policies.yaml, invalid-agent-profiles.yaml.
const BAD = invalidPolicyCases('invalid-policies');
const AGENT_BAD = invalidPolicyCases('invalid-agent-profiles');

describe('policy validation rejects bad input with a precise message', () => {
  it('covers at least 25 distinct bad policies', () => {
    expect(BAD.length).toBeGreaterThanOrEqual(25);
  });

  itRefusesEach(BAD);
});

describe('documents that are not policies', () => {
  it.each([
    ['an empty file', '', 'is empty'],
    ['only comments', '# nothing here\n', 'is empty'],
    ['a scalar', 'hello world', 'not a policy'],
    ['a list', '- host: github.com', 'not a policy'],
  ])('rejects %s', (_what, text, words) => {
    const [problem] = policyProblems(text);
    expect(problem?.message).toContain(words);
  });

  it('reports YAML syntax errors with their line number', () => {
    const problems = policyProblems('name: demo\negress:\n  - host: github.com: 443\n');
    expect(problems[0]?.message).toMatch(/^YAML syntax error: Nested mappings are not allowed/);
    expect(problems[0]?.line).toBe(3);
  });

  it('rejects duplicate keys as a YAML error', () => {
    const problems = policyProblems('name: a\nname: b\negress:\n  - host: github.com');
    expect(problems[0]?.message).toContain('Map keys must be unique');
  });
});

describe('error reporting', () => {
  it('reports every problem at once, each with its line, sorted by line', () => {
    const text = [
      'name: BAD',
      'egress:',
      '  - host: 10.0.0.1',
      '  - host: github.com',
      '    ports: [0]',
      '  - host: github.com',
      '    inject: { header: x-api-key, secret: sk-ant-abc }',
    ].join('\n');
    const problems = policyProblems(text);
    expect(problems.map((p) => [p.line, p.path])).toEqual([
      [1, 'name'],
      [3, 'egress[0].host'],
      [5, 'egress[1].ports[0]'],
      [6, 'egress[2].host'],
      [7, 'egress[2].inject.secret'],
    ]);
  });

  it('formats a message with file, line, path, value and fix', () => {
    try {
      parsePolicy(policyYaml('  - host: 10.1.2.3'), 'bad.yaml');
      expect.unreachable('the policy is invalid');
    } catch (error) {
      expect(error).toBeInstanceOf(PolicyError);
      expect((error as PolicyError).exitCode).toBe(2);
      expect((error as Error).message).toContain(
        'bad.yaml:3: egress[0].host: "10.1.2.3" is an IP literal',
      );
      expect((error as Error).message).toContain("Fix: use the service's DNS name.");
    }
  });
});

describe('agent profile validation rejects bad input with a precise message', () => {
  itRefusesEach(AGENT_BAD);
});

/**
 * A top-level case that only swaps the egress list, moved into a profile's own `egress`: same
 * entries, under a profile of a policy whose top-level list is valid, refused at the profile's
 * path.
 */
function inProfile(c: InvalidPolicyCase): (Refusal & { what: string })[] {
  const onlyEgress = Object.keys(c.policy).join() === 'egress' && c.without.length === 0;
  if (!onlyEgress || !c.path.startsWith('egress[')) return [];
  const text = policyText({
    name: 'test',
    egress: [{ host: 'example.org' }],
    agents: [{ name: 'a', image: 'node:22', egress: c.policy.egress }],
  });
  const atProfile = (s: string) => s.replaceAll('egress[', 'agents[0].egress[');
  return [{ what: c.what, text, path: atProfile(c.path), words: atProfile(c.words) }];
}

const PROFILE_BAD = BAD.flatMap(inProfile);

describe("a profile's own egress is checked like the top-level list, at the profile's path", () => {
  it('covers most of the top-level cases', () => {
    expect(PROFILE_BAD.length).toBeGreaterThanOrEqual(30);
  });

  itRefusesEach(PROFILE_BAD);
});

describe('the invalid-policy fixtures', () => {
  const base = { name: 'test', egress: [{ host: 'github.com' }] };
  const entry = { what: 'port zero', policy: { egress: [] }, path: 'egress', words: 'x' };

  it.each([
    ['an unknown key', { ...entry, word: 'x' }, 'cases[0] ("port zero"): unknown key word'],
    ['a missing field', { ...entry, words: undefined }, 'cases[0] ("port zero"): `words`'],
    ['no change to the base', { ...entry, policy: {} }, 'neither `policy` nor `without`'],
    ['an unknown section left out', { ...entry, without: ['proxy'] }, '`without` must list'],
  ])('refuse an entry with %s, naming it', (_what, bad, words) => {
    expect(() => readInvalidPolicyCases({ base, cases: [bad] }, 'f.yaml')).toThrow(words);
  });

  it('refuse two cases with one name, naming the second', () => {
    expect(() => readInvalidPolicyCases({ base, cases: [entry, entry] }, 'f.yaml')).toThrow(
      'f.yaml: cases[1] ("port zero"): a second case with this name',
    );
  });
});
