import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { main } from '../../bin/cli.js';

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI in this process (fast; same code path as the binary after argv parsing). */
export async function runCli(...argv: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    out: (t) => {
      stdout += `${t}\n`;
    },
    err: (t) => {
      stderr += `${t}\n`;
    },
  });
  return { code, stdout, stderr };
}

/** Runs the real `bin/agent-perimeter.js` in a child process, as a user would. */
export function spawnCli(...argv: string[]): CliResult {
  return spawnCliIn(process.cwd(), ...argv);
}

/** Like `spawnCli`, from another working directory. */
export function spawnCliIn(cwd: string, ...argv: string[]): CliResult {
  const r = spawnSync(process.execPath, [resolve('bin/agent-perimeter.js'), ...argv], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A fresh temporary directory with `files` written into it. */
export function tempFiles(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'agent-perimeter-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}
