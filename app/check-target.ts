import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderLocalFiles } from '../lib/local/index.js';
import { envoyYaml } from '../proxy/yaml.js';
import { buildAwsApp } from './aws.js';
import { planGcp } from './gcp-plan.js';
import type { PreparedPolicy } from './prepare.js';

/** Where a policy is meant to run; `check-policy --target` builds it there without writing. */
export const TARGETS = ['aws', 'gcp', 'local'] as const;
export type Target = (typeof TARGETS)[number];

/**
 * Builds what `synth`, `plan-gcp` or `local` would build for the target, and throws the same
 * error they would (a `UserError` naming the field and the fix): on AWS the whole construct
 * tree (image sources, Fargate sizes, the Envoy config's size limit, the network's inputs), on
 * GCP the offline plan, locally the compose files. Nothing is left on disk.
 */
export async function checkTarget(prepared: PreparedPolicy, target: Target): Promise<void> {
  if (target === 'aws') {
    const outdir = mkdtempSync(join(tmpdir(), 'agent-perimeter-check-'));
    try {
      buildAwsApp({ prepared, outdir });
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
    return;
  }
  if (target === 'gcp') {
    await planGcp({ prepared });
    return;
  }
  renderLocalFiles(prepared.policy, envoyYaml(prepared.envoyConfig, prepared.file.shown), {
    ...(prepared.ca === undefined ? {} : { ca: prepared.ca }),
  });
}
