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
  /** Returns the process exit code. Throw `UserError` for bad input. */
  run(argv: readonly string[], io: Io): Promise<number>;
}
