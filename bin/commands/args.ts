import { type ParseArgsConfig, parseArgs } from 'node:util';
import { messageOf, UserError } from '../../lib/errors.js';

/** A command's options, as `util.parseArgs` declares them. */
export type CommandOptions = NonNullable<ParseArgsConfig['options']>;

/** What `parseCommandArgs` returns, named so the compiled declarations can refer to it. */
export type ParsedCommandArgs<O extends CommandOptions> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>
>;

/** Bad arguments to `agent-perimeter <command>`: the problem, and a pointer to its `--help`. */
export function usageError(command: string, problem: string): UserError {
  return new UserError(
    `agent-perimeter ${command}: ${problem} See \`agent-perimeter ${command} --help\`.`,
  );
}

/**
 * `util.parseArgs` in strict mode, with its errors turned into a UserError that names the
 * command and points at its `--help`.
 */
export function parseCommandArgs<O extends CommandOptions>(
  command: string,
  argv: readonly string[],
  options: O,
  maxPositionals: number,
): ParsedCommandArgs<O> {
  try {
    const parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
    if (parsed.positionals.length > maxPositionals) {
      const extra = parsed.positionals.slice(maxPositionals).join(' ');
      throw usageError(command, `unexpected argument "${extra}".`);
    }
    return parsed;
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw usageError(command, messageOf(error));
  }
}
