import { type CommandOptions, type ParsedCommandArgs, parseCommandArgs } from './args.js';

/** Where a command writes: injectable so tests can capture output without spawning a process. */
export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/** One `agent-perimeter` subcommand. */
export interface Command {
  readonly name: string;
  /** One line for `--help`. */
  readonly summary: string;
  /** Usage text shown by `agent-perimeter <name> --help`. */
  readonly usage: string;
  /** The options it takes, as `util.parseArgs` declares them; absent when it parses its own. */
  readonly options?: CommandOptions;
  /** Returns the process exit code. Throw `UserError` for bad input. */
  run(argv: readonly string[], io: Io): Promise<number>;
}

/** A command whose arguments are parsed from its option table before it runs. */
export interface CommandSpec<O extends CommandOptions> {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  readonly options: O;
  /** How many positional arguments it takes (default: none). */
  readonly positionals?: number;
  run(args: ParsedCommandArgs<O>, io: Io): Promise<number>;
}

/**
 * A command from its spec: argv is parsed strictly against `options` (errors name the command
 * and point at its `--help`, see `parseCommandArgs`), so `run` gets typed values.
 */
export function defineCommand<O extends CommandOptions>(spec: CommandSpec<O>): Command {
  const { name, summary, usage, options, positionals = 0 } = spec;
  return {
    name,
    summary,
    usage,
    options,
    run: (argv, io) => spec.run(parseCommandArgs(name, argv, options, positionals), io),
  };
}
