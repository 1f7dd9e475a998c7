import { describe, expect, it } from 'vitest';
import { agentEnvironment } from '../../../lib/agent-env.js';
import {
  explainPolicy,
  loadPolicy,
  policyProfiles,
  proxyEgress,
  proxyPorts,
} from '../../../lib/policy/index.js';
import { renderProxyConfig, validateEnvoyConfig } from '../../../proxy/index.js';
import { EnvoyModel, type World } from '../../helpers/envoy-model/proxy.js';
import { invalidPolicyCases, itRefusesEach } from '../../helpers/invalid-policy-fixtures.js';
import { problemAt, validPolicy } from '../../helpers/policy.js';

/*
 * Per-profile allowlists in one perimeter: the policy model, what `--explain` prints, and what
 * the rendered proxy lets each profile's listeners through.
 */

const TWO_AGENTS = 'examples/two-agents.yaml';
const two = loadPolicy(TWO_AGENTS);

const agent = (name: string, extra = '') => `  - name: ${name}\n    image: node:22\n${extra}`;
const policyWith = (agents: string, top = '  - host: api.anthropic.com\n') =>
  `name: test\negress:\n${top}agents:\n${agents}`;

describe('profiles and their listeners', () => {
  it('gives each profile its own forward proxy and base URLs, the first as before', () => {
    const [reviewer, coder] = policyProfiles(two);
    expect(reviewer).toMatchObject({
      name: 'reviewer',
      ownEgress: false,
      egressPath: 'egress',
      forwardProxyPort: 3128,
      agentFacing: [3128, 8081],
    });
    expect(reviewer?.inject.map((l) => [l.profile, l.host, l.port])).toEqual([
      ['reviewer', 'api.anthropic.com', 8081],
    ]);
    expect(coder).toMatchObject({
      name: 'coder',
      ownEgress: true,
      egressPath: 'agents[1].egress',
      forwardProxyPort: 3129,
      agentFacing: [3129],
      inject: [],
    });
    expect(coder?.egress.map((r) => r.host)).toEqual([
      'github.com',
      'codeload.github.com',
      'registry.npmjs.org',
    ]);
    expect(proxyPorts(two).agentFacing).toEqual([3128, 3129, 8081]);
  });

  it('numbers base URLs on across profiles and honours proxy_port', () => {
    const policy = validPolicy(
      policyWith(
        agent('a') +
          agent(
            'b',
            '    proxy_port: 4000\n    egress:\n      - host: api.anthropic.com\n        inject: { header: x-api-key, secret: k }\n',
          ),
        '  - host: api.anthropic.com\n    inject: { header: x-api-key, secret: k }\n',
      ),
    );
    expect(policyProfiles(policy).map((p) => p.agentFacing)).toEqual([
      [3128, 8081],
      [4000, 8082],
    ]);
  });

  it('merges the lists for the shared hops: every host once, ports joined', () => {
    const policy = validPolicy(
      policyWith(
        agent('a') +
          agent('b', '    egress:\n      - host: github.com\n        ports: [443, 8443]\n'),
        '  - host: github.com\n',
      ),
    );
    expect(proxyEgress(policy).map((r) => [r.host, r.ports])).toEqual([
      ['github.com', [443, 8443]],
    ]);
  });

  it('leaves out a top-level list no profile uses', () => {
    const policy = validPolicy(
      policyWith(agent('a', '    egress:\n      - host: github.com\n'), '  - host: example.org\n'),
    );
    expect(proxyEgress(policy).map((r) => r.host)).toEqual(['github.com']);
  });
});

describe('bad profile input', () => {
  // Most cases are data: test/fixtures/policy/invalid-profiles.yaml.
  itRefusesEach(invalidPolicyCases('invalid-profiles'), 'refuses %s');

  it('refuses one host checked two ways by two profiles', () => {
    const text = policyWith(
      agent(
        'a',
        '    egress:\n      - host: github.com\n        tls: false\n        ports: [22]\n',
      ),
      '  - host: github.com\n',
    );
    expect(problemAt(text, 'agents[0].egress[0].tls').message).toContain('egress[0] sets true');
    const ranges = policyWith(
      agent('a') +
        agent('b', '    egress:\n      - host: git.corp.example.com\n        private: true\n'),
      '  - host: git.corp.example.com\n    private: ["10.20.0.0/16"]\n',
    );
    expect(problemAt(ranges, 'agents[1].egress[0].private').message).toContain('same `private`');
  });

  it('refuses more profiles than the load balancer has listeners for', () => {
    const many = Array.from({ length: 30 }, (_, i) => agent(`p${i}`)).join('');
    const text = policyWith(
      many,
      '  - host: api.anthropic.com\n    inject: { header: x-api-key, secret: k }\n',
    );
    expect(problemAt(text, 'agents').message).toContain('60 agent-facing listener ports');
  });
});

describe('check-policy --explain', () => {
  it("prints each profile's allowlist and injected credentials", () => {
    const text = explainPolicy(two);
    expect(text).toContain('profile "reviewer" (agents[0]): allowlist from the top-level egress');
    expect(text).toContain(
      'inject          ANTHROPIC_BASE_URL=http://<proxy>:8081 -> https://api.anthropic.com, header x-api-key from secret "anthropic-api-key"',
    );
    const coder = text.slice(text.indexOf('profile "coder"'));
    expect(coder).toContain('forward proxy   port 3129');
    expect(coder).toContain('allow           registry.npmjs.org:443');
    expect(coder).toContain('inject          none');
    expect(coder).not.toContain('ANTHROPIC_BASE_URL');
    expect(coder).toContain(
      'model           anthropic (the top-level model_access): none, its allowlist has no api.anthropic.com',
    );
  });
});

describe('the rendered proxy keeps profiles apart', () => {
  const config = renderProxyConfig(two);
  const model = new EnvoyModel(config);
  const world: World = {
    dns: { 'github.com': '140.82.112.3', 'api.anthropic.com': '160.79.104.10' },
  };

  it('validates against the Envoy API', () => {
    expect(validateEnvoyConfig(config)).toEqual([]);
  });

  it("opens the coder's tunnel to GitHub on the coder's port only", () => {
    const sni = { tls: true, sni: 'github.com' } as const;
    expect(model.connect(3129, 'github.com:443', sni, world).tunnel).toMatchObject({
      kind: 'connected',
      host: 'github.com',
    });
    expect(model.connect(3128, 'github.com:443', sni, world)).toMatchObject({
      status: 403,
      route: 'deny_not_allowlisted',
    });
  });

  it("gives the coder no base URL and no tunnel to the reviewer's model API", () => {
    expect(
      model.connect(3129, 'api.anthropic.com:443', { tls: true, sni: 'api.anthropic.com' }, world),
    ).toMatchObject({ status: 403, route: 'deny_not_allowlisted' });
    const listeners = (config.static_resources as { listeners: { name: string }[] }).listeners;
    expect(
      listeners.map((l) => l.name).filter((n) => !n.startsWith('tls_') && !n.startsWith('egress_')),
    ).toEqual([
      'forward_proxy_reviewer',
      'forward_proxy_coder',
      'inject_reviewer_api_anthropic_com',
      'health',
    ]);
  });

  it('names the profile on every agent-facing log line and passes it to the internal hops', () => {
    const text = JSON.stringify(config);
    expect(text).toContain(
      '"listener":"forward_proxy_coder","policy":"two-agents","profile":"coder"',
    );
    expect(text).toContain('"profile":"%FILTER_STATE(agent_perimeter.profile:PLAIN)%"');
  });

  it('hands each profile only its own environment', () => {
    const reviewer = agentEnvironment(two, 'proxy', 'reviewer');
    const coder = agentEnvironment(two, 'proxy', 'coder');
    expect(reviewer.HTTPS_PROXY).toBe('http://proxy:3128');
    expect(reviewer.ANTHROPIC_BASE_URL).toBe('http://proxy:8081');
    expect(coder.HTTPS_PROXY).toBe('http://proxy:3129');
    expect(coder.ANTHROPIC_BASE_URL).toBeUndefined();
    expect(coder.ANTHROPIC_API_KEY).toBeUndefined();
    expect(() => agentEnvironment(two, 'proxy', 'nobody')).toThrow(
      'use one of "reviewer", "coder"',
    );
  });
});
