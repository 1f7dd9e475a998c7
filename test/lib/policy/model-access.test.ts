// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ARN placeholders like ${AWS::Partition} are policy syntax, not JS.
import { describe, expect, it } from 'vitest';
import { agentEnvironment } from '../../../lib/agent-env.js';
import {
  bedrockResourceArns,
  loadPolicy,
  type Policy,
  policyModelListeners,
  proxyPorts,
} from '../../../lib/policy/index.js';
import { renderProxyConfig, validateEnvoyConfig } from '../../../proxy/index.js';
import { STRIPPED_HEADERS } from '../../../proxy/render/inject.js';
import { MODEL_LISTENER } from '../../../proxy/render/model.js';
import { EnvoyModel, type World } from '../../helpers/envoy-model/proxy.js';
import { invalidPolicyCases, itRefusesEach } from '../../helpers/invalid-policy-fixtures.js';
import { policyProblems, validPolicy } from '../../helpers/policy.js';

/*
 * Claude through Bedrock or Vertex AI: the policy's `model_access` section as the schema reads
 * it, the grant it becomes (exact ARNs), the proxy listener it renders (asked through the Envoy
 * model, SigV4 signing included), and the environment Claude Code gets.
 */

const bedrock = loadPolicy('examples/bedrock.yaml');
const vertex = loadPolicy('examples/vertex.yaml');

const withAccess = (access: string, extra = '') =>
  `name: test\negress:\n  - host: github.com\nmodel_access: ${access}\n${extra}`;

function listener(policy: Policy) {
  const [model] = policyModelListeners(policy);
  if (model === undefined) throw new Error('no model listener');
  return model;
}

describe('model_access in the policy', () => {
  it('defaults to the Anthropic API (an egress entry), with no model listener', () => {
    expect(loadPolicy().model_access).toEqual({ provider: 'anthropic' });
    expect(policyModelListeners(loadPolicy())).toEqual([]);
  });

  // The cases are data: test/fixtures/policy/invalid-model-access.yaml.
  itRefusesEach(invalidPolicyCases('invalid-model-access'), 'refuses %s');

  it('refuses a profile setting a variable model_access sets', () => {
    const problems = policyProblems(
      withAccess(
        '{ provider: bedrock, region: us-east-1, models: [anthropic.claude-3-5-haiku-20241022-v1:0] }',
        'agents:\n  - name: a\n    image: node:22\n    environment: { ANTHROPIC_MODEL: other }',
      ),
    );
    expect(problems.map((p) => p.path)).toEqual(['agents[0].environment.ANTHROPIC_MODEL']);
  });
});

describe('the proxy role may invoke exactly the listed models', () => {
  const env = { partition: 'aws-us-gov', account: '111122223333' };

  it('grants profiles in the source region and their model in every region they route to', () => {
    const access = bedrock.model_access;
    if (access.provider !== 'bedrock') throw new Error('not bedrock');
    const arns = bedrockResourceArns(access, env);
    expect(arns).toEqual([
      'arn:aws-us-gov:bedrock:us-east-1:111122223333:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0',
      'arn:aws-us-gov:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0',
      'arn:aws-us-gov:bedrock:us-east-2::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0',
      'arn:aws-us-gov:bedrock:us-west-2::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0',
      'arn:aws-us-gov:bedrock:us-east-1:111122223333:inference-profile/us.anthropic.claude-haiku-4-5-20251001-v1:0',
      'arn:aws-us-gov:bedrock:us-east-1::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0',
      'arn:aws-us-gov:bedrock:us-east-2::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0',
      'arn:aws-us-gov:bedrock:us-west-2::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0',
    ]);
    expect(arns.filter((a) => /[*?]/.test(a))).toEqual([]);
  });

  it('grants a global profile the region-less foundation model, and single-region models in region', () => {
    const policy = validPolicy(
      withAccess(
        '{ provider: bedrock, region: eu-west-1, models: [anthropic.claude-3-5-haiku-20241022-v1:0], inference_profiles: [{ id: global.anthropic.claude-sonnet-4-5-20250929-v1:0 }] }',
      ),
    );
    if (policy.model_access.provider !== 'bedrock') throw new Error('not bedrock');
    expect(bedrockResourceArns(policy.model_access, env)).toEqual([
      'arn:aws-us-gov:bedrock:eu-west-1::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0',
      'arn:aws-us-gov:bedrock:eu-west-1:111122223333:inference-profile/global.anthropic.claude-sonnet-4-5-20250929-v1:0',
      'arn:aws-us-gov:bedrock:eu-west-1::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0',
      'arn:aws-us-gov:bedrock:::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0',
    ]);
  });
});

const ENDPOINT_IP = '10.0.200.17';
const VIP = '199.36.153.5';
const world: World = {
  dns: {
    'bedrock-runtime.us-east-1.amazonaws.com': ENDPOINT_IP,
    'us-east5-aiplatform.googleapis.com': VIP,
  },
};
/** What an agent might add to look like someone else; the proxy must drop or overwrite it. */
const hostile = {
  authorization: 'Bearer agent-own-token',
  'x-api-key': 'agent-own-key',
  cookie: 'session=stolen',
  'x-forwarded-for': '203.0.113.9',
  'x-goog-user-project': 'attacker-project',
  'x-goog-api-key': 'AIza-agent-key',
  'content-type': 'application/json',
};

describe('the Bedrock listener signs with the proxy role', () => {
  const model = new EnvoyModel(renderProxyConfig(bedrock));
  const { port } = listener(bedrock);
  const post = (path: string, method = 'POST') =>
    model.request(port, { method, authority: `proxy:${port}`, path, headers: hostile }, world);

  it('renders a config that validates against the Envoy API', () => {
    expect(validateEnvoyConfig(renderProxyConfig(bedrock))).toEqual([]);
  });

  it.each([
    '/model/us.anthropic.claude-sonnet-4-5-20250929-v1:0/invoke',
    '/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke-with-response-stream',
    '/model/us.anthropic.claude-haiku-4-5-20251001-v1%3a0/invoke',
  ])(
    'forwards POST %s to the bedrock-runtime endpoint, signed, without the agent headers',
    (path) => {
      const outcome = post(path);
      expect(outcome.status).toBe(200);
      expect(outcome.upstream).toMatchObject({
        kind: 'connected',
        address: `${ENDPOINT_IP}:443`,
        host: 'bedrock-runtime.us-east-1.amazonaws.com',
        sni: 'bedrock-runtime.us-east-1.amazonaws.com',
      });
      const headers =
        outcome.upstream?.kind === 'connected' ? (outcome.upstream.headers ?? {}) : {};
      expect(headers.authorization).toBe('<sigv4 bedrock us-east-1>');
      expect(headers['x-amz-content-sha256']).toBe('<sha256 of body>');
      for (const h of ['x-api-key', 'cookie', 'x-forwarded-for', 'x-goog-user-project'])
        expect(headers[h]).toBeUndefined();
    },
  );

  it.each([
    ['another model', 'POST', '/model/anthropic.claude-opus-4-1-20250805-v1:0/invoke'],
    ['the Converse API', 'POST', '/model/us.anthropic.claude-sonnet-4-5-20250929-v1:0/converse'],
    ['a control-plane call', 'GET', '/inference-profiles'],
    [
      'a GET of an allowed path',
      'GET',
      '/model/us.anthropic.claude-sonnet-4-5-20250929-v1:0/invoke',
    ],
  ])('refuses %s with a 403 naming the policy', (_what, method, path) => {
    const outcome = post(path, method);
    expect(outcome).toMatchObject({ status: 403, route: 'deny_request_not_allowed' });
    expect(outcome.body).toContain('agent-perimeter: denied by policy "bedrock-demo"');
  });

  it('excludes from the signature every header the router removes afterwards', () => {
    const config = renderProxyConfig(bedrock) as { static_resources: { listeners: unknown[] } };
    const text = JSON.stringify(
      config.static_resources.listeners.find(
        (l) => (l as { name: string }).name === MODEL_LISTENER,
      ),
    );
    const excluded = [...text.matchAll(/\{"exact":"([^"]+)"\}/g)].map((m) => m[1]);
    const removed = STRIPPED_HEADERS.filter((h) => h !== 'authorization');
    for (const h of removed) expect(excluded).toContain(h);
    expect(text).toContain(`"per_connection_buffer_limit_bytes":${32 * 1024 * 1024}`);
    expect(text).toContain('"use_unsigned_payload":false');
  });

  it('refuses an endpoint address outside the internal ranges (fails closed on DNS tricks)', () => {
    const outcome = model.request(
      port,
      {
        method: 'POST',
        authority: `proxy:${port}`,
        path: '/model/us.anthropic.claude-sonnet-4-5-20250929-v1:0/invoke',
      },
      { dns: { 'bedrock-runtime.us-east-1.amazonaws.com': '169.254.170.2' } },
    );
    expect(outcome.status).toBe(403);
    expect(outcome.details).toBe('rbac_access_denied_matched_policy[deny_outside_private_ranges]');
  });

  it('injects a Bedrock API key as the authorization header instead, when configured', () => {
    const keyed = validPolicy(
      withAccess(
        '{ provider: bedrock, region: us-east-1, models: [anthropic.claude-3-5-haiku-20241022-v1:0], api_key_secret: bedrock-key }',
      ),
    );
    const config = renderProxyConfig(keyed);
    expect(validateEnvoyConfig(config)).toEqual([]);
    const outcome = new EnvoyModel(config).request(
      listener(keyed).port,
      {
        method: 'POST',
        authority: 'proxy',
        path: '/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/invoke',
        headers: hostile,
      },
      world,
    );
    expect(outcome.status).toBe(200);
    const headers = outcome.upstream?.kind === 'connected' ? (outcome.upstream.headers ?? {}) : {};
    expect(headers.authorization).toBe('<secret bedrock_api_key>');
    expect(JSON.stringify(config)).toContain('AGENT_PERIMETER_SECRET_MODEL_API_KEY');
  });
});

describe('the Vertex AI listener adds the refreshed token', () => {
  const config = renderProxyConfig(vertex);
  const model = new EnvoyModel(config);
  const { port } = listener(vertex);
  const base = '/v1/projects/my-vertex-project/locations/us-east5/publishers/anthropic/models';

  it('renders a config that validates against the Envoy API, reading the token over file SDS', () => {
    expect(validateEnvoyConfig(config)).toEqual([]);
    expect(JSON.stringify(config)).toContain(
      '"path_config_source":{"path":"/etc/agent-perimeter/vertex/vertex-token.json"',
    );
  });

  it.each([
    `${base}/claude-sonnet-4-5@20250929:streamRawPredict`,
    `${base}/claude-haiku-4-5%4020251001:rawPredict`,
    `${base}/count-tokens:rawPredict`,
  ])('forwards POST %s to the regional endpoint with the token', (path) => {
    const outcome = model.request(
      port,
      { method: 'POST', authority: 'proxy', path, headers: hostile },
      world,
    );
    expect(outcome.status).toBe(200);
    expect(outcome.upstream).toMatchObject({
      address: `${VIP}:443`,
      host: 'us-east5-aiplatform.googleapis.com',
    });
    const headers = outcome.upstream?.kind === 'connected' ? (outcome.upstream.headers ?? {}) : {};
    expect(headers.authorization).toBe('<secret vertex_access_token>');
    expect(headers['x-goog-user-project']).toBeUndefined();
    expect(headers['x-goog-api-key']).toBeUndefined();
  });

  it.each([
    `${base}/claude-opus-4-1@20250805:rawPredict`,
    '/v1/projects/other-project/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5@20250929:rawPredict',
    `${base}/claude-sonnet-4-5@20250929:predict`,
  ])('refuses %s', (path) => {
    expect(model.request(port, { method: 'POST', authority: 'proxy', path }, world).status).toBe(
      403,
    );
  });
});

describe("Claude Code's environment", () => {
  it('gets Bedrock settings, the base URL, the region and pinned models, and no AWS credential', () => {
    const env = agentEnvironment(bedrock, 'proxy.internal');
    const port = listener(bedrock).port;
    expect(proxyPorts(bedrock).agentFacing).toEqual([3128, port]);
    expect(env).toEqual({
      HTTPS_PROXY: 'http://proxy.internal:3128',
      HTTP_PROXY: 'http://proxy.internal:3128',
      https_proxy: 'http://proxy.internal:3128',
      http_proxy: 'http://proxy.internal:3128',
      NO_PROXY: 'localhost,127.0.0.1,::1,proxy.internal',
      no_proxy: 'localhost,127.0.0.1,::1,proxy.internal',
      NODE_USE_ENV_PROXY: '1',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      CLAUDE_CODE_USE_BEDROCK: '1',
      ANTHROPIC_BEDROCK_BASE_URL: `http://proxy.internal:${port}`,
      CLAUDE_CODE_SKIP_BEDROCK_AUTH: '1',
      AWS_REGION: 'us-east-1',
      ANTHROPIC_MODEL: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
      ANTHROPIC_DEFAULT_OPUS_MODEL: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
      ANTHROPIC_DEFAULT_SONNET_MODEL: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
      ANTHROPIC_DEFAULT_HAIKU_MODEL: 'us.anthropic.claude-haiku-4-5-20251001-v1:0',
      ANTHROPIC_SMALL_FAST_MODEL: 'us.anthropic.claude-haiku-4-5-20251001-v1:0',
    });
    expect(
      Object.keys(env).filter((k) => /^AWS_(ACCESS|SECRET|SESSION|CONTAINER)/.test(k)),
    ).toEqual([]);
  });

  it('gets Vertex AI settings, the /v1 base URL, region and project', () => {
    const env = agentEnvironment(vertex, '10.8.0.4');
    const port = listener(vertex).port;
    expect(env).toMatchObject({
      CLAUDE_CODE_USE_VERTEX: '1',
      ANTHROPIC_VERTEX_BASE_URL: `http://10.8.0.4:${port}/v1`,
      CLAUDE_CODE_SKIP_VERTEX_AUTH: '1',
      CLOUD_ML_REGION: 'us-east5',
      ANTHROPIC_VERTEX_PROJECT_ID: 'my-vertex-project',
      ANTHROPIC_MODEL: 'claude-sonnet-4-5@20250929',
      ANTHROPIC_DEFAULT_HAIKU_MODEL: 'claude-haiku-4-5@20251001',
    });
    expect(env.ANTHROPIC_API_KEY).toBeUndefined();
  });

  it('bypasses the proxy for the task-credential address only when the profile has a task role', () => {
    const policy = validPolicy(
      [
        'name: test',
        'egress:\n  - host: github.com',
        'agents:',
        '  - name: plain\n    image: node:22',
        '  - name: reader\n    image: node:22',
        '    aws_access: [{ actions: ["s3:GetObject"], resources: ["arn:${AWS::Partition}:s3:::b/k"] }]',
      ].join('\n'),
    );
    const [plain, reader] = policy.agents;
    expect(agentEnvironment(policy, 'p', plain?.name).NO_PROXY).toBe('localhost,127.0.0.1,::1,p');
    expect(agentEnvironment(policy, 'p', reader?.name).NO_PROXY).toBe(
      'localhost,127.0.0.1,::1,p,169.254.170.2',
    );
  });
});
