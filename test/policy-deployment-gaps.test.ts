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

describe('deployment gaps', () => {
  it('finds none in the default policy', () => {
    expect(deploymentGaps(loadPolicy())).toEqual([]);
  });

  it('names the intercepted entry and the non-raw credential format, with a fix', () => {
    const gaps = deploymentGaps(loadPolicy(resolvePolicyFile(example)));
    expect(gaps).toEqual([
      expect.stringMatching(/^egress\[\d+\]\.tls: "intercept" \(github\.com\).*Fix: /),
      expect.stringMatching(/^egress\[\d+\]\.inject\.format: "basic" \(github\.com\).*Fix: /),
    ]);
  });

  it('check-policy --target, synth and local all exit 2 with the same line, and write nothing', async () => {
    const dir = tempFiles({});
    // The file itself is valid (render-proxy uses it); every deployment target refuses it.
    const check = await runCli('check-policy', '--policy', example);
    expect(check.code).toBe(0);
    expect(check.stderr).toContain('warning: every deployment refuses this');
    for (const target of ['aws', 'gcp', 'local']) {
      const targeted = await runCli('check-policy', '--policy', example, '--target', target);
      expect(targeted.code, target).toBe(2);
      expect(targeted.stderr).toContain('egress[1].tls: "intercept" (github.com)');
    }
    const synth = await runCli('synth', '--policy', example, '--out', join(dir, 'out'));
    expect(synth.code).toBe(2);
    expect(synth.stderr).toContain('egress[1].tls: "intercept" (github.com)');
    expect(synth.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(dir, 'out'))).toBe(false);
    const local = await runCli('local', '--policy', example, '--out', join(dir, 'local'));
    expect(local.code).toBe(2);
    expect(local.stderr).toContain('egress[1].tls: "intercept" (github.com)');
    expect(existsSync(join(dir, 'local'))).toBe(false);
  });
});
