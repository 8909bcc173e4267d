/**
 * A failure the user can act on: one line of what went wrong (naming the file
 * or value), one of what to do. `exitCode` is what a command line exits with
 * (0 for a request that needed nothing done, e.g. resuming a finished run).
 */
export class PipelineError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
    readonly exitCode: 0 | 1 | 2 | 130 | 143 = 1,
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
