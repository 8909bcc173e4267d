/** Where the CLI talks: results to stdout, progress and notes to stderr (silenced by --quiet). */
export interface Output {
  result(text: string): void;
  note(text: string): void;
  readonly quiet: boolean;
  readonly verbose: boolean;
}

export function createOutput(options: { quiet?: boolean; verbose?: boolean } = {}): Output {
  const quiet = options.quiet ?? false;
  return {
    quiet,
    verbose: options.verbose ?? false,
    result: (text) => void process.stdout.write(`${text}\n`),
    note: (text) => {
      if (!quiet) process.stderr.write(`${text}\n`);
    },
  };
}
