// A command that has already told the user what happened and only needs a particular exit code
// (1: some runs failed, 130: Ctrl-C) throws ExitError; main() returns the code without printing more.
export class ExitError extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
    this.name = 'ExitError';
  }
}

/** Exit codes used across commands. */
export const EXIT = {
  ok: 0,
  /** Some runs failed. */
  failed: 1,
  /** Bad input: spec errors, unknown flags, bad project config. */
  usage: 2,
  /** Ctrl-C (128 + SIGINT) and SIGTERM (128 + 15), as shells report them. */
  sigint: 130,
  sigterm: 143,
} as const;
