import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/*
 * The same modules run from the TypeScript sources (the repository: tsx, vitest) and compiled
 * (the npm package: dist/), one directory deeper. Paths to files that travel with the code are
 * resolved here, so neither layout needs a copy step.
 */

/** The package root: the nearest ancestor of this module that holds a package.json. */
function findPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

let root: string | undefined;

/** A file shipped at the package root (`agent-perimeter.yaml`, `schema/...`), as a path. */
export function packageFile(...segments: string[]): string {
  root ??= findPackageRoot();
  return join(root, ...segments);
}

/**
 * A module next to the caller, with the caller's own extension: `entry.ts` from the sources,
 * `entry.js` once compiled. For entry points handed to esbuild at synth time.
 * `relative` is written with `.ts`, e.g. `siblingModule(import.meta.url, './deploy-run/entry.ts')`.
 */
export function siblingModule(callerUrl: string, relative: string): string {
  const extension = callerUrl.endsWith('.js') ? '.js' : '.ts';
  return fileURLToPath(new URL(relative.replace(/\.ts$/, extension), callerUrl));
}
