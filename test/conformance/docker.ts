import { execFileSync, spawnSync } from 'node:child_process';

/* The few Docker commands the conformance suite runs, each bounded. */

export function docker(args: readonly string[], timeoutMs = 120_000): string {
  return execFileSync('docker', args, {
    encoding: 'utf8',
    timeout: timeoutMs,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Whether a Docker engine answers (a client alone is not enough). */
export function dockerEngineRuns(): boolean {
  const result = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], {
    encoding: 'utf8',
    timeout: 15_000,
  });
  return result.status === 0 && result.stdout.trim() !== '';
}

/** Removes containers and networks, ignoring ones that are already gone. */
export function cleanUp(containers: readonly string[], networks: readonly string[]): void {
  for (const c of containers) spawnSync('docker', ['rm', '--force', c], { timeout: 60_000 });
  for (const n of networks) spawnSync('docker', ['network', 'rm', n], { timeout: 60_000 });
}

/** Polls `check` every 250 ms until it returns true or `timeoutMs` passes. */
export async function until(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
): Promise<void> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    try {
      if (await check()) return;
    } catch {
      // not ready yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
