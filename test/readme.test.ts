import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../lib/policy/index.js';

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
