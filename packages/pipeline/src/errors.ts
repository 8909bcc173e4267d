/**
 * A failure the user can act on: one line of what went wrong (naming the file
 * or value), one of what to do. `exitCode` is what a command line exits with.
 */
export class PipelineError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
    readonly exitCode: 1 | 2 = 1,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PipelineError';
  }
}

/** Settings that cannot be run as written (a command line exits 2). */
export class UsageError extends PipelineError {
  constructor(message: string, hint?: string) {
    super(message, hint, 2);
    this.name = 'UsageError';
  }
}
