/**
 * An error caused by the user's input (a bad policy, a missing file, a broken Envoy config).
 * The CLI prints its message without a stack trace and exits with `exitCode`.
 */
export class UserError extends Error {
  override readonly name = 'UserError';

  constructor(
    message: string,
    readonly exitCode: number = 2,
  ) {
    super(message);
  }
}

/** One problem found in some input: where it is and what to do about it. */
export interface Problem {
  /** Path to the offending value, e.g. `egress[2].host`; empty for the whole document. */
  readonly path: string;
  /** What is wrong and how to fix it. */
  readonly message: string;
  /** 1-based line in the source file, when known. */
  readonly line?: number;
}

/** Renders problems one per line: `file:line: path: message`. */
export function formatProblems(problems: readonly Problem[], source?: string): string {
  return problems
    .map((p) => {
      const where = [source, p.line].filter((x) => x !== undefined).join(':');
      const at = p.path === '' ? '' : `${p.path}: `;
      return `${where === '' ? '' : `${where}: `}${at}${p.message}`;
    })
    .join('\n');
}

/** The message of whatever was thrown: `catch` receives `unknown`, not only `Error`s. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
