import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, spawnCliIn } from '../../helpers/cli.js';

// The whole main job in process. CloudFormation validation is covered by test/cdk/stack.test.ts;
// it is off here to keep the suite fast.
process.env.CDK_VALIDATION = 'false';

describe('agent-perimeter synth', () => {
  it('writes every output and summarizes the checks', async () => {
    const out = mkdtempSync(join(tmpdir(), 'agent-perimeter-synth-'));
    const r = await runCli('synth', '--out', out);
    // Only the embedded policy's tag-without-digest warnings (its images ship as tags).
    expect(
      r.stderr.split('\n').filter((l) => l !== '' && !/: warning: \S+\.image "/.test(l)),
    ).toEqual([]);
    expect(r.code).toBe(0);
    for (const file of [
      'AgentPerimeter-demo.template.json',
      'AgentPerimeter-demo.envoy.yaml',
      'agent-perimeter-nag.json',
      'gcp-plan.json',
    ]) {
      expect(existsSync(join(out, file)), file).toBe(true);
    }
    for (const pack of [
      'AwsSolutions',
      'NIST.800.53.R5',
      'HIPAA.Security',
      'PCI.DSS.321',
      'AgentPerimeter',
    ]) {
      expect(r.stdout).toMatch(
        new RegExp(`cdk-nag +${pack.replace(/\./g, '\\.')} +0 unacknowledged`),
      );
    }
    expect(r.stdout).toMatch(/contain +contained: \d+ agent attachment\(s\) in 1 template/);
    expect(r.stdout).toMatch(/contain +contained: \d+ agent attachment\(s\) in 1 GCP plan/);
    expect(r.stdout).toMatch(/stack +AgentPerimeter-demo: \d+ resources \(EC2 \d+/);
    // Each tag warning once: on stderr when the policy is read, not again in the GCP summary,
    // whose plan carries it too.
    const output = `${r.stderr}${r.stdout}`;
    expect(output.match(/proxy\.image "[^"]+" is a tag without a digest/g)).toHaveLength(1);
    expect(r.stdout).not.toContain('is a tag without a digest');
    expect(r.stdout).toMatch(/gcp +warning: /);
  }, 120_000);

  it('stops with exit 2 and no output directory on a bad policy', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'agent-perimeter-synth-')), 'cdk.out');
    const r = await runCli('synth', '--policy', 'no/such/policy.yaml', '--out', out);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no such policy file');
    expect(existsSync(out)).toBe(false);
  });

  it('uses the embedded default policy from any working directory', () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'agent-perimeter-elsewhere-'));
    const r = spawnCliIn(elsewhere, 'synth', '--out', 'out');
    // Only the embedded policy's tag-without-digest warnings (its images ship as tags).
    expect(
      r.stderr.split('\n').filter((l) => l !== '' && !/: warning: \S+\.image "/.test(l)),
    ).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/synth: policy "demo" \(.*agent-perimeter\.yaml\)/);
    expect(existsSync(join(elsewhere, 'out', 'AgentPerimeter-demo.template.json'))).toBe(true);
  }, 120_000);
});
