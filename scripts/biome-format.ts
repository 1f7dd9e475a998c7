import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/**
 * Formats generated text the way `biome ci` expects the committed file (`path` picks the
 * language), so generated docs pass the formatter check without a second step.
 */
export function biomeFormat(text: string, path: string): string {
  const bin = join(dirname(require.resolve('@biomejs/biome/package.json')), 'bin', 'biome');
  const r = spawnSync(process.execPath, [bin, 'format', `--stdin-file-path=${path}`], {
    input: text,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`biome format failed for ${path}: ${r.stderr}`);
  return r.stdout;
}
