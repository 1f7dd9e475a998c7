import { verifyCommand } from '../../bin/commands/verify.js';
import { UserError } from '../../lib/errors.js';
import type { CliResult } from './cli.js';

/**
 * Runs `agent-perimeter verify` in process, with the CLI's handling of bad input (a
 * UserError's message on stderr and its exit code), without depending on the command table.
 */
export async function runVerify(...argv: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const io = {
    out: (t: string) => {
      stdout += `${t}\n`;
    },
    err: (t: string) => {
      stderr += `${t}\n`;
    },
  };
  try {
    return { code: await verifyCommand.run(argv, io), stdout, stderr };
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    io.err(error.message);
    return { code: error.exitCode, stdout, stderr };
  }
}
