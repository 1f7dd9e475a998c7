import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { syntheticPolicyYaml } from '../bench/policies.js';
import { runCli } from './helpers/cli.js';

// `check-policy --target aws` must refuse exactly what `synth` refuses, with the same message.
const dir = mkdtempSync(join(tmpdir(), 'agent-perimeter-target-'));
const write = (name: string, text: string) => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};
const agent = (fields: string) =>
  `agents:\n  - name: a\n    ${fields}\n    scratch: [{ path: /tmp, size_mib: 64 }]\n`;

const cases = [
  [
    'a private-registry image',
    write(
      'ghcr.yaml',
      `name: t\negress:\n  - host: example.com\n${agent('image: ghcr.io/acme/agent:1')}`,
    ),
  ],
  [
    'a Fargate size that does not exist',
    write(
      'size.yaml',
      `name: t\negress:\n  - host: example.com\n${agent('image: public.ecr.aws/docker/library/node:22-slim\n    cpu: 0.25\n    memory_mib: 8192')}`,
    ),
  ],
] as const;

describe('check-policy --target aws', () => {
  it.each(cases)(
    'refuses %s with the message synth gives',
    async (_, file) => {
      const plain = await runCli('check-policy', file);
      expect(plain.code, plain.stderr).toBe(0);
      const checked = await runCli('check-policy', file, '--target', 'aws');
      expect(checked.code).toBe(2);
      expect(checked.stderr).not.toBe('');
      const synth = await runCli('synth', '--policy', file, '--out', join(dir, 'out'));
      expect(synth.code).toBe(2);
      expect(checked.stderr).toBe(synth.stderr);
    },
    120_000,
  );

  it('passes a 1,000-host allowlist on AWS and GCP (the config is fetched, not inline)', async () => {
    const huge = write('huge.yaml', syntheticPolicyYaml(1000));
    for (const target of ['aws', 'gcp']) {
      const r = await runCli('check-policy', huge, '--target', target);
      expect(r.stderr, target).toBe('');
      expect(r.code, target).toBe(0);
    }
  }, 600_000);

  it('passes the default policy for every target', async () => {
    for (const target of ['aws', 'gcp', 'local']) {
      const r = await runCli('check-policy', '--target', target);
      expect(r.stderr, target).toBe('');
      expect(r.code, target).toBe(0);
    }
  }, 120_000);

  it('refuses an unknown target, naming the ones there are', async () => {
    const r = await runCli('check-policy', '--target', 'azure');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--target "azure" is not a target. Fix: one of aws, gcp, local.');
  });
});
