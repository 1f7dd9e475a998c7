import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  defaultBaseUrlEnv,
  hostMatches,
  loadPolicy,
  looksLikeSecret,
  policyInjectListeners,
  policyJsonSchemaText,
  SCHEMA_FILE,
} from '../../lib/policy/index.js';
import { ENVOY_IMAGE } from '../../lib/versions.js';
import { policyYaml, validPolicy } from '../helpers/policy.js';

describe('the embedded default policy', () => {
  const policy = loadPolicy();

  it('is valid and injects the Anthropic key by name', () => {
    expect(policy.name).toBe('demo');
    const anthropic = policy.egress.find((e) => e.host === 'api.anthropic.com');
    expect(anthropic?.inject).toEqual({
      header: 'x-api-key',
      secret: 'anthropic-api-key',
      format: 'raw',
    });
    // Only what Claude Code and the Agent SDK call; the key works for nothing else.
    expect(anthropic?.allow).toEqual([
      { method: 'POST', path: '/v1/messages' },
      { method: 'POST', path: '/v1/messages/count_tokens' },
    ]);
    expect(policy.egress.map((e) => e.host)).toContain('registry.npmjs.org');
    expect(policy.egress.map((e) => e.host)).toContain('github.com');
  });

  it('fills defaults: port 443, SNI-checked TLS, the pinned Envoy image, 2+ proxy replicas', () => {
    const github = policy.egress.find((e) => e.host === 'github.com');
    expect(github?.ports).toEqual([443]);
    expect(github?.tls).toBe(true);
    expect(github?.private).toBeUndefined();
    expect(policy.proxy.image).toBe(ENVOY_IMAGE);
    expect(policy.proxy.replicas.min).toBeGreaterThanOrEqual(2);
    // The launcher drains through the admin interface, which listens on loopback only.
    expect(policy.proxy.admin).toBe('loopback');
    expect(policy.proxy.log_level).toBe('info');
  });

  it('fills the abuse limits with their documented defaults', () => {
    expect(policy.proxy.limits).toMatchObject({
      request_headers_timeout_s: 10,
      max_concurrent_streams: 100,
      requests_per_second_per_agent: 100,
      dns_cache_max_hosts: 1024,
      dns_host_ttl_s: 60,
      drain_timeout_s: 30,
    });
    expect(policy.logging.flush_interval_s).toBe(60);
  });
});

describe('defaults and derived values', () => {
  it('assigns base-URL listener ports in policy order unless set', () => {
    const policy = validPolicy(
      policyYaml(
        [
          '  - host: api.anthropic.com',
          '    inject: { header: x-api-key, secret: anthropic }',
          '  - host: api.github.com',
          '    inject: { header: Authorization, secret: github }',
          '  - host: api.example.com',
          '    inject: { header: authorization, secret: example, port: 9000, env: EXAMPLE_URL }',
        ].join('\n'),
      ),
    );
    expect(policyInjectListeners(policy).map((l) => [l.host, l.port, l.env, l.header])).toEqual([
      ['api.anthropic.com', 8081, 'ANTHROPIC_BASE_URL', 'x-api-key'],
      ['api.github.com', 8082, 'API_GITHUB_COM_BASE_URL', 'authorization'],
      ['api.example.com', 9000, 'EXAMPLE_URL', 'authorization'],
    ]);
  });

  it('names base-URL variables after the host', () => {
    expect(defaultBaseUrlEnv('api.anthropic.com')).toBe('ANTHROPIC_BASE_URL');
    expect(defaultBaseUrlEnv('models.example-ai.com')).toBe('MODELS_EXAMPLE_AI_COM_BASE_URL');
  });
});

describe('wildcard matching', () => {
  it.each([
    ['*.example.com', 'a.example.com', true],
    ['*.example.com', 'a-b.example.com', true],
    ['*.example.com', 'example.com', false],
    ['*.example.com', 'a.b.example.com', false],
    ['*.example.com', 'aexample.com', false],
    ['*.example.com', '.example.com', false],
    ['api.example.com', 'api.example.com', true],
    ['api.example.com', 'x.api.example.com', false],
  ])('%s vs %s -> %s', (pattern, host, expected) => {
    expect(hostMatches(pattern, host)).toBe(expected);
  });
});

describe('literal secret detection', () => {
  it.each(['anthropic-api-key', 'github_token', 'prod-openai-key-2025', 'team-a_npm-publish'])(
    'accepts the name %s',
    (name) => expect(looksLikeSecret(name)).toBeUndefined(),
  );
  it.each([
    'sk-ant-api03-xyz',
    'xoxb-123-456',
    'AIzaSyA1234567890abcdefghijklmnopqrstu',
    '-----BEGIN RSA PRIVATE KEY-----',
    'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abc',
  ])('flags the value %s', (value) => expect(looksLikeSecret(value)).toBeDefined());
});

describe('JSON Schema', () => {
  it('the committed schema/agent-perimeter.schema.json is up to date (run `npm run schema`)', () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(policyJsonSchemaText());
  });

  it('forbids unknown fields and describes the fixed shape', () => {
    const schema = JSON.parse(policyJsonSchemaText());
    expect(schema.additionalProperties).toBe(false);
    // `egress` may be left out when every profile sets its own (a semantic check otherwise).
    expect(schema.required).toEqual(['name']);
    const egress = schema.properties.egress.items;
    expect(egress.additionalProperties).toBe(false);
    expect(Object.keys(egress.properties)).toEqual([
      'host',
      'ports',
      'tls',
      'websocket',
      'private',
      'inject',
      'allow',
      'description',
    ]);
    expect(egress.properties.tls.default).toBe(true);
    expect(egress.properties.ports.default).toEqual([443]);
  });
});
