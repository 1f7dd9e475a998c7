import { UserError } from '../lib/errors.js';
import type { Command, Io } from './commands/command.js';
import { commands } from './commands/index.js';

const processIo: Io = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
};

function help(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'agent-perimeter: contain AI agents behind an allowlisting, credential-injecting Envoy proxy.',
    '',
    'Usage: agent-perimeter <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `agent-perimeter <command> --help` for the options of one command.',
  ].join('\n');
}

/** Runs the CLI and returns the exit code; never throws for bad input. */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(help());
    return name === undefined ? 2 : 0;
  }
  const command: Command | undefined = commands.find((c) => c.name === name);
  if (command === undefined) {
    io.err(`agent-perimeter: unknown command "${name}".\n\n${help()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(command.usage);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UserError) {
      io.err(error.message);
      return error.exitCode;
    }
    throw error;
  }
}
