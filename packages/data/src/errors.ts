/**
 * Every problem with the input data: a missing or malformed file, an unknown
 * label, mixed image sizes, an impossible split. `subject` names the file or
 * value at fault so that callers (the CLI) can point at it.
 */
export class DataError extends Error {
  constructor(
    message: string,
    /** The file, id or value the message is about. */
    readonly subject?: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DataError';
  }
}

/** Lists at most `limit` items and says how many more there are. */
export function listSome(items: readonly string[], limit = 10): string {
  const shown = items.slice(0, limit).join(', ');
  return items.length > limit ? `${shown} and ${items.length - limit} more` : shown;
}
