/**
 * A mistake in what the user typed or wrote (arguments, a URL, a config or secrets file): the
 * command prints its message as one line and exits non-zero, with no stack trace.
 */
export class UsageError extends Error {
  constructor(message: string, readonly exitCode = 2) {
    super(message);
    this.name = "UsageError";
  }
}
