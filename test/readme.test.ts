import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { agentEnvironment } from '../lib/agent-env.js';
import { loadPolicy, parsePolicy } from '../lib/policy/index.js';
import { ACCESS_LOG_FIELD_NAMES, REFUSALS } from '../lib/proxy-contract.js';

/** The README's examples are part of the product: they must stay valid as the schema moves. */
const readme = readFileSync('README.md', 'utf8');

function codeBlockAfter(heading: string, language: string): string {
  const section = readme.slice(readme.indexOf(heading));
  const match = new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``).exec(section);
  if (!match?.[1]) throw new Error(`no ${language} block after "${heading}"`);
  return match[1];
}

describe('README', () => {
  it('the policy reference example is a valid policy', () => {
    const policy = parsePolicy(codeBlockAfter('## Policy reference', 'yaml'), 'README.md');
    expect(policy.agents[0]?.aws_access?.[0]?.actions).toEqual(['s3:GetObject']);
  });

  it('names the two fresh-machine commands', () => {
    expect(readme).toContain('npm ci && npm run synth');
    expect(readme).toContain('npm ci && npm test');
  });
});

describe('README "Using Claude through Bedrock or Vertex AI"', () => {
  const section =
    readme.split('## Using Claude through Bedrock or Vertex AI')[1]?.split('\n## ')[0] ?? '';
  const blocks = [...section.matchAll(/```text\n([\s\S]*?)```/g)].map((m) => m[1]);

  it.each([
    ['examples/bedrock.yaml', 'proxy.internal', 0],
    ['examples/vertex.yaml', '10.8.0.4', 1],
  ] as const)('shows exactly the environment %s gives an agent', (file, host, i) => {
    const env = agentEnvironment(loadPolicy(file), host);
    expect(blocks[i]).toBe(
      `${Object.entries(env)
        .map(([k, v]) => `${k}=${v}`)
        .join('\n')}\n`,
    );
  });
});

describe('docs/runbook.md', () => {
  const runbook = readFileSync('docs/runbook.md', 'utf8');

  it('explains every refusal the proxy can log, with the field it shows in', () => {
    for (const refusal of REFUSALS) {
      const row = runbook.split('\n').find((l) => l.includes(`\`${refusal.value}\``));
      expect(row, refusal.value).toBeDefined();
      expect(row).toContain(`\`${refusal.field}\``);
    }
  });

  it('queries only fields the access log has', () => {
    const queried = [...runbook.matchAll(/^fields (.+)$/gm)].flatMap((m) =>
      (m[1] ?? '').split(',').map((f) => f.trim()),
    );
    const proxyFields = queried.filter((f) => /^[a-z_]+$/.test(f));
    const known = new Set([
      ...ACCESS_LOG_FIELD_NAMES,
      'query_timestamp',
      'srcaddr',
      'query_name',
      'query_type',
      'rcode',
      'firewall_rule_action',
    ]);
    expect(proxyFields.filter((f) => !known.has(f))).toEqual([]);
  });
});
