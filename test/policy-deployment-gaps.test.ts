import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deploymentGaps, loadPolicy, resolvePolicyFile } from '../lib/policy/index.js';
import { runCli, tempFiles } from './helpers/cli.js';

/*
 * lib/policy/deployment-gaps.ts: what the renderer supports but no deployment delivers yet is
 * refused by every deployment and by check-policy alike, and nothing is written.
 */

const example = 'examples/github-intercept.yaml';
/** The targets that do not deliver interception yet. */
const UNDELIVERED: readonly ('gcp' | 'local')[] = ['gcp', 'local'];

describe('deployment gaps', () => {
  it('finds none in the default policy', () => {
    expect(deploymentGaps(loadPolicy())).toEqual([]);
  });

  it('names the intercepted entry and the non-raw credential format for the targets that lack them, with a fix', () => {
    const policy = loadPolicy(resolvePolicyFile(example));
    expect(deploymentGaps(policy, 'aws')).toEqual([]);
    for (const target of UNDELIVERED) {
      expect(deploymentGaps(policy, target)).toEqual([
        expect.stringMatching(/^egress\[\d+\]\.tls: "intercept" \(github\.com\).*Fix: /),
        expect.stringMatching(/^egress\[\d+\]\.inject\.format: "basic" \(github\.com\).*Fix: /),
      ]);
    }
  });

  it('refuses interception on AWS with landing_zone (no root init container may open the certificate volume)', () => {
    const policy = loadPolicy(resolvePolicyFile(example));
    const zoned = { ...policy, landing_zone: {} } as unknown as typeof policy;
    expect(deploymentGaps(zoned, 'aws')).toEqual([
      expect.stringMatching(
        /^egress\[1\]\.tls: "intercept" \(github\.com\) with landing_zone:.*CT\.ECS\.PR\.3.*Fix: /,
      ),
    ]);
  });

  it('check-policy --target and local exit 2 with the same line where undelivered, and write nothing', async () => {
    const dir = tempFiles({});
    // The file itself is valid (render-proxy uses it); the targets that lack a feature refuse it.
    const check = await runCli('check-policy', '--policy', example);
    expect(check.code).toBe(0);
    for (const target of UNDELIVERED) {
      const targeted = await runCli('check-policy', '--policy', example, '--target', target);
      expect(targeted.code, target).toBe(2);
      expect(targeted.stderr).toContain('egress[1].tls: "intercept" (github.com)');
    }
    if (UNDELIVERED.includes('local')) {
      const local = await runCli('local', '--policy', example, '--out', join(dir, 'local'));
      expect(local.code).toBe(2);
      expect(local.stderr).toContain('egress[1].tls: "intercept" (github.com)');
      expect(existsSync(join(dir, 'local'))).toBe(false);
    }
  });
});
