#!/usr/bin/env node
// Launcher. In a checkout the TypeScript sources sit next to this file and run through tsx (no
// build step, nothing to go stale); the npm package ships only the compiled dist/ (ADR 0030).
import { existsSync } from 'node:fs';

const source = new URL('./cli.ts', import.meta.url);
let main;
if (existsSync(source)) {
  let register;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch {
    // A fresh checkout without its dependencies: say how to get them, not a module trace.
    console.error(
      'agent-perimeter: the dependencies of this checkout are not installed. Fix: run `npm ci` in the repository first.',
    );
    process.exit(2);
  }
  register();
  ({ main } = await import(source.href));
} else {
  ({ main } = await import(new URL('../dist/bin/cli.js', import.meta.url).href));
}
process.exitCode = await main(process.argv.slice(2));
