/** A backend cannot run here: what went wrong and what to do about it. */
export class BackendUnavailableError extends Error {
  /** A few words for `auto`'s summary, e.g. "not installed". */
  readonly summary: string;

  constructor(
    readonly backend: string,
    message: string,
    options: { cause?: unknown; summary?: string } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BackendUnavailableError';
    this.summary = options.summary ?? message;
  }
}
