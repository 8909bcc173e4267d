/**
 * Every problem with the input data: a missing or malformed file, an unknown
 * label, mixed image sizes, an impossible split. `subject` names the file or
 * value at fault so that callers (the CLI) can point at it.
 */
export class DataError extends Error {
  /** What kind of problem it is, where a caller can say what to do about it (see DataProblem). */
  readonly problem?: DataProblem;

  constructor(
    message: string,
    /** The file, id or value the message is about. */
    readonly subject?: string,
    options: { cause?: unknown; problem?: DataProblem } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DataError';
    if (options.problem !== undefined) this.problem = options.problem;
  }
}

/**
 * The kinds of data problem a user fixes in different ways: images of mixed
 * sizes, a file that does not decode, files a labels file lists but that do
 * not exist, a malformed labels file, a class without images, pixels that are
 * NaN or infinite.
 */
export type DataProblem =
  'mixed-sizes' | 'undecodable' | 'missing-files' | 'labels-file' | 'empty-class' | 'non-finite';

/** Lists at most `limit` items and says how many more there are. */
export function listSome(items: readonly string[], limit = 10): string {
  const shown = items.slice(0, limit).join(', ');
  return items.length > limit ? `${shown} and ${items.length - limit} more` : shown;
}
