import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { syntheticPolicyYaml } from '../../../bench/policies.js';
import { packageFile } from '../../../lib/package-files.js';
import { runCli, spawnCliIn } from '../../helpers/cli.js';

// `check-policy --target aws` must refuse exactly what `synth` refuses, with the same message.
const dir = mkdtempSync(join(tmpdir(), 'agent-perimeter-target-'));
const write = (name: string, text: string) => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};
const agent = (fields: string) =>
  `agents:\n  - name: a\n    ${fields}\n    scratch: [{ path: /tmp, size_mib: 64 }]\n`;
/** A digest for tests of the mechanism only; it names no real image. */
const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;
const PINNED_AGENT = agent(`image: public.ecr.aws/docker/library/node:22-slim@${DIGEST}`);
/** Lines that are not the tag-without-digest warnings every command prints first. */
const notWarnings = (stderr: string) =>
  stderr.split('\n').filter((l) => l !== '' && !/: warning: \S+\.image "/.test(l));

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
  [
    'a proxy image on a registry the pull-through cache does not serve',
    write(
      'proxy-ghcr.yaml',
      `name: t\negress:\n  - host: example.com\n${PINNED_AGENT}proxy:\n  image: ghcr.io/acme/envoy:v1.36.4\n`,
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
      // The refusal itself, after the same warnings.
      expect(notWarnings(checked.stderr).length).toBeGreaterThan(0);
    },
    120_000,
  );

  it('refuses a tag-only proxy image with landing_zone everywhere, with the message synth gives', async () => {
    const file = write(
      'lz-tag.yaml',
      `name: t\negress:\n  - host: example.com\n${PINNED_AGENT}landing_zone:\n  access_log_bucket: central-logs\n  s3_prefix_list_id: pl-63a5400a\n  probe_image: 111122223333.dkr.ecr.us-east-1.amazonaws.com/probe@${DIGEST}\n`,
    );
    const plain = await runCli('check-policy', file);
    const checked = await runCli('check-policy', file, '--target', 'aws');
    const synth = await runCli('synth', '--policy', file, '--out', join(dir, 'out-lz'));
    for (const r of [plain, checked, synth]) expect(r.code).toBe(2);
    expect(plain.stderr).toContain(
      'proxy.image: "envoyproxy/envoy:v1.36.4" has no digest, and with landing_zone the stack runs images by digest only',
    );
    expect(checked.stderr).toBe(plain.stderr);
    expect(synth.stderr).toBe(plain.stderr);
  }, 120_000);

  it('warns about images without a digest on stderr, the same lines in check-policy, synth and local, exit 0', async () => {
    const file = write('tags.yaml', `name: t\negress:\n  - host: example.com\n`);
    const plain = await runCli('check-policy', file);
    const checked = await runCli('check-policy', file, '--target', 'aws');
    const local = await runCli('local', '--policy', file, '--out', join(dir, 'local-tags'));
    for (const r of [plain, checked, local]) expect(r.code, r.stderr).toBe(0);
    const warnings = plain.stderr.split('\n').filter((l) => l !== '');
    expect(warnings).toEqual([
      expect.stringMatching(
        /^.*tags\.yaml: warning: proxy\.image "envoyproxy\/envoy:v1\.36\.4" is a tag without a digest: .* Fix: read the digest with `crane digest envoyproxy\/envoy:v1\.36\.4`.* and write proxy\.image: "envoyproxy\/envoy:v1\.36\.4@sha256:<digest>"\.$/,
      ),
      expect.stringMatching(
        /^.*tags\.yaml: warning: agents\[0\]\.image "public\.ecr\.aws\/docker\/library\/node:22-slim" is a tag without a digest: /,
      ),
    ]);
    expect(checked.stderr).toBe(plain.stderr);
    expect(local.stderr).toBe(plain.stderr);
  }, 120_000);

  it('synthesizes a digest-pinned policy with no warning, the proxy by digest from the cache', async () => {
    const file = write(
      'pinned.yaml',
      `name: t\negress:\n  - host: example.com\n${PINNED_AGENT}proxy:\n  image: envoyproxy/envoy:v1.36.4@${DIGEST}\n`,
    );
    const checked = await runCli('check-policy', file, '--target', 'aws');
    expect(checked.stderr).toBe('');
    expect(checked.code).toBe(0);
    const out = join(dir, 'out-pinned');
    const synth = await runCli('synth', '--policy', file, '--out', out);
    expect(synth.stderr).toBe('');
    expect(synth.code, synth.stdout).toBe(0);
    expect(synth.stdout).toMatch(/contain {4}contained: /);
    const template = readFileSync(join(out, 'AgentPerimeter-t.template.json'), 'utf8');
    expect(template).toContain(`"/t/proxy/envoyproxy/envoy@${DIGEST}"`);
    expect(template).not.toContain('"envoyproxy/envoy');
  }, 300_000);

  it('passes a 1,000-host allowlist on AWS and GCP (the config is fetched, not inline)', async () => {
    const huge = write('huge.yaml', syntheticPolicyYaml(1000));
    for (const target of ['aws', 'gcp']) {
      const r = await runCli('check-policy', huge, '--target', target);
      expect(notWarnings(r.stderr), target).toEqual([]);
      expect(r.code, target).toBe(0);
    }
    // And synth agrees: it builds, proves containment, and says nothing else on stderr.
    const checked = await runCli('check-policy', huge, '--target', 'aws');
    const synth = await runCli('synth', '--policy', huge, '--out', join(dir, 'out-huge'));
    expect(synth.code, synth.stdout).toBe(0);
    expect(synth.stdout).toMatch(/contain {4}contained: /);
    expect(synth.stderr).toBe(checked.stderr);
  }, 600_000);

  it('passes the default policy for every target', async () => {
    for (const target of ['aws', 'gcp', 'local']) {
      const r = await runCli('check-policy', '--target', target);
      // The shipped images are tags (no digest could be read for them): warned, still valid.
      expect(notWarnings(r.stderr), target).toEqual([]);
      expect(r.stderr, target).toContain('warning: proxy.image "envoyproxy/envoy:v1.36.4"');
      expect(r.code, target).toBe(0);
    }
  }, 120_000);

  it('refuses an unknown target, naming the ones there are', async () => {
    const r = await runCli('check-policy', '--target', 'azure');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--target "azure" is not a target. Fix: one of aws, gcp, local.');
  });

  it("reads an intercepting policy's CA relative to the policy file, from any directory", () => {
    // The CA file sits beside the policy; run from elsewhere with the policy's absolute path.
    const policy = packageFile('examples', 'github-intercept.yaml');
    const elsewhere = mkdtempSync(join(tmpdir(), 'agent-perimeter-elsewhere-'));
    for (const target of ['aws', 'gcp', 'local']) {
      const r = spawnCliIn(elsewhere, 'check-policy', policy, '--target', target);
      expect(notWarnings(r.stderr), target).toEqual([]);
      expect(r.code, target).toBe(0);
    }
  }, 180_000);
});
