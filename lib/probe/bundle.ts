import { siblingModule } from '../package-files.js';
import { inlineBundle } from './inline-bundle.js';

/*
 * The probe as one self-contained ES module that needs only Node's built-ins, so a stock
 * `node` image runs it with `node --input-type=module --eval <bundle>`: no image to build, the
 * program travels in the task definition (ADR 0015). esbuild comes with tsx, already a
 * runtime dependency.
 */

/** Node releases the bundle must run on (the CLI's minimum and the probe image's). */
export const PROBE_NODE_TARGET = 'node20';

/**
 * Largest bundle the stacks embed. ECS task definitions are limited to 64 KiB in all; the
 * rest is the environment, the targets and the container settings.
 */
export const MAX_PROBE_BUNDLE_BYTES = 40 * 1024;

let cached: string | undefined;

/** The bundle's source text (built once per process, deterministic for a given tree). */
export function probeBundle(): string {
  if (cached !== undefined) return cached;
  const text = inlineBundle(siblingModule(import.meta.url, './entrypoint.ts'), {
    format: 'esm',
    target: PROBE_NODE_TARGET,
    charset: 'utf8',
  });
  if (Buffer.byteLength(text) > MAX_PROBE_BUNDLE_BYTES) {
    throw new Error(
      `the probe bundle is ${Buffer.byteLength(text)} bytes, more than the ${MAX_PROBE_BUNDLE_BYTES} a task definition can carry. Fix: keep lib/probe/ free of large imports.`,
    );
  }
  cached = text;
  return text;
}

/** The container command that runs the bundle with `args` (e.g. `--proxy`, `--jsonl`). */
export function probeCommand(args: readonly string[]): string[] {
  return ['node', '--input-type=module', '--eval', probeBundle(), '--', ...args];
}
