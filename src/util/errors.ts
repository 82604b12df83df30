// Errors meant for the person at the keyboard. The CLI prints a UserError's message without a stack
// trace (unless --debug) and exits with its exitCode; anything else is a bug and shows its stack.

/** A problem the user can fix (bad spec, missing file, wrong flag). exitCode 2 = bad input. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError;
}
