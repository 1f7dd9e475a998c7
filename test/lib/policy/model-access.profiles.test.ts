import { describe, expect, it } from 'vitest';
import { planGcp } from '../../../app/gcp-plan.js';
import { preparePolicy } from '../../../app/prepare.js';
import { agentEnvironment } from '../../../lib/agent-env.js';
import { verifyTemplate } from '../../../lib/containment/index.js';
import { profileNetworkTag } from '../../../lib/contract/tiers.js';
import type { JsonObject } from '../../../lib/json.js';
import {
  explainPolicy,
  loadPolicy,
  policyModelListeners,
  policyProfiles,
  profilePortsOf,
  proxyModelAccess,
  proxyPorts,
  withProfilePorts,
} from '../../../lib/policy/index.js';
import { renderProxyConfig, validateEnvoyConfig } from '../../../proxy/index.js';
import { EnvoyModel, type World } from '../../helpers/envoy-model/proxy.js';
import { invalidPolicyCases, itRefusesEach } from '../../helpers/invalid-policy-fixtures.js';
import { policyProblems, validPolicy } from '../../helpers/policy.js';

/*
 * A profile may choose its own model access (`agents[].model_access`): it gets a model
 * listener of its own that forwards only its models, its security group reaches only that
 * port, its agents get only its settings, and the proxy's identity is granted the union.
 */

const policy = loadPolicy('examples/bedrock-profiles.yaml');
const SONNET = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
const HAIKU = 'us.anthropic.claude-haiku-4-5-20251001-v1:0';

describe('allocation', () => {
  it('gives the profile with its own model_access its own listener, the others the shared one', () => {
    const [reviewer, coder] = policyProfiles(policy);
    expect(reviewer?.model).toMatchObject({ port: 8082, shared: false, profiles: ['reviewer'] });
    expect(coder?.model).toMatchObject({ port: 8081, shared: true, profiles: ['coder'] });
    expect(profilePortsOf(policy)).toEqual({ reviewer: [3128, 8082], coder: [3129, 8081] });
    expect(policyModelListeners(policy).map((l) => [l.name, l.port])).toEqual([
      ['model', 8081],
      ['model_reviewer', 8082],
    ]);
  });

  it('keeps one-profile policies as they were: one shared listener on the first free port', () => {
    const one = loadPolicy('examples/bedrock.yaml');
    expect(policyModelListeners(one).map((l) => [l.name, l.port, l.profiles])).toEqual([
      ['model', 8081, ['claude-code']],
    ]);
  });

  it('grants the proxy the union of every profile’s models', () => {
    const union = proxyModelAccess(policy);
    if (union.provider !== 'bedrock') throw new Error('not bedrock');
    expect(union.inference_profiles.map((p) => p.id)).toEqual([SONNET, HAIKU]);
  });

  it('lets a profile with provider anthropic have no model listener at all', () => {
    const mixed = validPolicy(`name: mixed
egress:
  - host: api.anthropic.com
    inject: { header: x-api-key, secret: anthropic }
agents:
  - name: a
    image: public.ecr.aws/docker/library/node:22
  - name: b
    image: public.ecr.aws/docker/library/node:22
    model_access: { provider: bedrock, region: us-east-1, models: [anthropic.claude-haiku-4-5-20251001-v1:0] }
`);
    const [a, b] = policyProfiles(mixed);
    expect(a?.model).toBeUndefined();
    expect(b?.model?.port).toBe(8083);
    expect(agentEnvironment(mixed, 'proxy', 'a').CLAUDE_CODE_USE_BEDROCK).toBeUndefined();
    expect(agentEnvironment(mixed, 'proxy', 'b').CLAUDE_CODE_USE_BEDROCK).toBe('1');
  });
});

describe('the rendered listeners forward only their own models', () => {
  const config = renderProxyConfig(policy);
  const model = new EnvoyModel(config);
  const world: World = { dns: { 'bedrock-runtime.us-east-1.amazonaws.com': '10.64.200.10' } };
  const invoke = (port: number, id: string) =>
    model.request(port, { method: 'POST', authority: 'proxy', path: `/model/${id}/invoke` }, world)
      .status;

  it('validates against the Envoy API', () => {
    expect(validateEnvoyConfig(config)).toEqual([]);
  });

  it("the reviewer's listener passes Haiku only; the shared one Sonnet and Haiku", () => {
    expect(invoke(8082, HAIKU)).toBe(200);
    expect(invoke(8082, SONNET)).toBe(403);
    expect(invoke(8081, SONNET)).toBe(200);
    expect(invoke(8081, HAIKU)).toBe(200);
  });

  it('logs the profile of a listener one profile uses', () => {
    const text = JSON.stringify(config);
    expect(text).toContain('"profile":"reviewer"');
  });
});

describe('each profile gets only its own settings', () => {
  it('points the reviewer at its listener with Haiku pinned, the coder at the shared one', () => {
    const reviewer = agentEnvironment(policy, 'proxy.internal', 'reviewer');
    expect(reviewer.ANTHROPIC_BEDROCK_BASE_URL).toBe('http://proxy.internal:8082');
    expect(reviewer.ANTHROPIC_MODEL).toBe(HAIKU);
    expect(reviewer.ANTHROPIC_DEFAULT_SONNET_MODEL).toBe(HAIKU);
    const coder = agentEnvironment(policy, 'proxy.internal', 'coder');
    expect(coder.ANTHROPIC_BEDROCK_BASE_URL).toBe('http://proxy.internal:8081');
    expect(coder.ANTHROPIC_MODEL).toBe(SONNET);
    expect(coder.ANTHROPIC_DEFAULT_HAIKU_MODEL).toBe(HAIKU);
  });

  it('explains each profile’s model access', () => {
    const text = explainPolicy(policy);
    expect(text).toContain(
      'model           ANTHROPIC_BEDROCK_BASE_URL=http://<proxy>:8082 -> Bedrock us-east-1 (its own agents[0].model_access)',
    );
    expect(text).toContain(`models          ${HAIKU} (default ${HAIKU})`);
  });
});

describe('bad per-profile model access', () => {
  // The cases are data: test/fixtures/policy/invalid-profile-model-access.yaml.
  const cases = invalidPolicyCases('invalid-profile-model-access');
  // This one is refused at the variable the profile sets, not under its model_access.
  const ownVariable = (c: { what: string }) =>
    c.what === 'a model variable the profile would set itself';

  itRefusesEach(
    cases.filter((c) => !ownVariable(c)),
    'refuses %s at the profile path',
  );
  itRefusesEach(cases.filter(ownVariable), 'refuses %s');
});

describe('top-level egress is optional when every profile sets its own', () => {
  it('accepts a policy without it', () => {
    expect(policy.egress).toEqual([]);
  });

  it('still requires it for a profile that would inherit it', () => {
    const problems = policyProblems(`name: half
agents:
  - name: a
    image: public.ecr.aws/docker/library/node:22
    egress: [{ host: github.com }]
  - name: b
    image: public.ecr.aws/docker/library/node:22
`);
    expect(problems).toEqual([
      expect.objectContaining({
        path: 'egress',
        message: expect.stringContaining('agents[1] ("b")'),
      }),
    ]);
  });
});

describe('examples/vertex-profiles.yaml: two Vertex AI profiles on GCP', async () => {
  const prepared = preparePolicy('examples/vertex-profiles.yaml');
  const vertex = prepared.policy;
  const plan = (await planGcp({ prepared })) as unknown as JsonObject;
  const options = {
    proxyPorts: [...proxyPorts(vertex).agentFacing],
    ...withProfilePorts(vertex),
    expectedProxy: prepared.expectedProxy,
  };
  const planned = plan.resources as JsonObject[];
  const firewall = (p: JsonObject, name: string) =>
    (p.resources as JsonObject[]).find(
      (r) => r.type === 'gcp:compute/firewall:Firewall' && String(r.id).endsWith(`/${name}`),
    )?.inputs as JsonObject;
  const base = '/v1/projects/my-vertex-project/locations/us-east5/publishers/anthropic/models';
  const VERTEX_VIP = '199.36.153.5';
  const model = new EnvoyModel(prepared.envoyConfig);
  const predict = (port: number, id: string) =>
    model.request(
      port,
      { method: 'POST', authority: 'proxy', path: `${base}/${id}:rawPredict` },
      { dns: { 'us-east5-aiplatform.googleapis.com': VERTEX_VIP } },
    ).status;

  it('gives the reviewer a listener of its own and the coder the shared one', () => {
    expect(profilePortsOf(vertex)).toEqual({ reviewer: [3128, 8082], coder: [3129, 8081] });
    expect(validateEnvoyConfig(prepared.envoyConfig)).toEqual([]);
  });

  it("passes only Haiku on the reviewer's listener, both models on the shared one", () => {
    expect(predict(8082, 'claude-haiku-4-5@20251001')).toBe(200);
    expect(predict(8082, 'claude-sonnet-4-5@20250929')).toBe(403);
    expect(predict(8081, 'claude-sonnet-4-5@20250929')).toBe(200);
    expect(predict(8081, 'claude-haiku-4-5@20251001')).toBe(200);
  });

  it('plans a perimeter contained per profile', () => {
    expect(verifyTemplate(plan, 'vertex-profiles-plan', options).violations).toEqual([]);
  });

  it("opens each profile's tag to its own listeners only, each with its own service account", () => {
    const reviewer = firewall(plan, 'vertex-profiles-agent-reviewer-to-proxy');
    expect(reviewer.targetTags).toEqual([profileNetworkTag('reviewer')]);
    expect(reviewer.allows).toEqual([{ ports: ['3128', '8082'], protocol: 'tcp' }]);
    const coder = firewall(plan, 'vertex-profiles-agent-coder-to-proxy');
    expect(coder.targetTags).toEqual([profileNetworkTag('coder')]);
    expect(coder.allows).toEqual([{ ports: ['3129', '8081'], protocol: 'tcp' }]);
    const text = JSON.stringify(plan);
    expect(text).toContain('vertex-profiles-agent-reviewer@');
    expect(text).toContain('vertex-profiles-agent-coder@');
  });

  it("grants the proxy's service account the union of the two lists, in one binding", () => {
    const bindings = planned.filter(
      (r) =>
        r.type === 'gcp:projects/iAMMember:IAMMember' && String(r.name).endsWith('model-access'),
    );
    expect(bindings).toHaveLength(1);
    const inputs = bindings[0]?.inputs as JsonObject;
    expect(String(inputs.member)).toContain('vertex-profiles-proxy@');
    const condition = JSON.stringify(inputs.condition);
    for (const id of ['claude-sonnet-4-5@20250929', 'claude-haiku-4-5@20251001']) {
      expect(condition).toContain(
        `projects/my-vertex-project/locations/us-east5/publishers/anthropic/models/${id}`,
      );
    }
    expect(condition).not.toContain('opus');
  });

  it("points each profile's agents at its own listener with its own default model", () => {
    const reviewer = agentEnvironment(vertex, 'proxy.internal', 'reviewer');
    expect(reviewer).toMatchObject({
      CLAUDE_CODE_USE_VERTEX: '1',
      CLAUDE_CODE_SKIP_VERTEX_AUTH: '1',
      ANTHROPIC_VERTEX_BASE_URL: 'http://proxy.internal:8082/v1',
      ANTHROPIC_VERTEX_PROJECT_ID: 'my-vertex-project',
      CLOUD_ML_REGION: 'us-east5',
      ANTHROPIC_MODEL: 'claude-haiku-4-5@20251001',
    });
    const coder = agentEnvironment(vertex, 'proxy.internal', 'coder');
    expect(coder.ANTHROPIC_VERTEX_BASE_URL).toBe('http://proxy.internal:8081/v1');
    expect(coder.ANTHROPIC_MODEL).toBe('claude-sonnet-4-5@20250929');
  });

  it("catches the coder's rule widened to the reviewer's model listener, naming both", () => {
    const widened = structuredClone(plan);
    firewall(widened, 'vertex-profiles-agent-coder-to-proxy').allows = [
      { ports: ['3129', '8081', '8082'], protocol: 'tcp' },
    ];
    const found = verifyTemplate(widened, 'vertex-profiles-plan', options).violations.filter(
      (v) => v.channel === 'cross-profile',
    );
    expect(found.length).toBeGreaterThan(0);
    expect(found[0]?.explanation).toContain(
      'profile "coder" reach the proxy tier on 8082, a listener of profile "reviewer"',
    );
  });
});
