import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deploymentGaps, loadPolicy, resolvePolicyFile } from '../../../lib/policy/index.js';
import { runCli, tempFiles } from '../../helpers/cli.js';

/*
 * lib/policy/deployment-gaps.ts: what the renderer supports but a deployment does not deliver
 * is refused by that deployment and by check-policy --target alike.
 */

const example = 'examples/github-intercept.yaml';

describe('deployment gaps', () => {
  it('finds none in the default policy', () => {
    expect(deploymentGaps(loadPolicy())).toEqual([]);
  });

  it('finds none in the interception example on any target (ADR 0021)', () => {
    const policy = loadPolicy(resolvePolicyFile(example));
    for (const target of ['aws', 'gcp', 'local'] as const) {
      expect(deploymentGaps(policy, target), target).toEqual([]);
    }
    expect(deploymentGaps(policy)).toEqual([]);
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

  it('check-policy --target and local accept the example, and local writes it', async () => {
    const dir = tempFiles({});
    for (const target of ['aws', 'gcp', 'local']) {
      const targeted = await runCli('check-policy', '--policy', example, '--target', target);
      expect(targeted.code, `${target}: ${targeted.stderr}`).toBe(0);
    }
    const local = await runCli('local', '--policy', example, '--out', join(dir, 'local'));
    expect(local.code, local.stderr).toBe(0);
    expect(existsSync(join(dir, 'local', 'trust-bundle.crt'))).toBe(true);
  });
});
