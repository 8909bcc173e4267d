import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import writeFileAtomicBase from 'write-file-atomic';
import { PipelineError, UsageError } from '../errors.js';
import { RUN_LOCK_FILE } from './run-lock.js';

/**
 * Writes a file atomically through write-file-atomic: a temp file beside it
 * (unique per call), fsynced, then renamed over it. A failed write leaves the
 * old file and no temp file, and is reported as a PipelineError naming `path`.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  try {
    writeFileAtomicBase.sync(
      path,
      typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength),
    );
  } catch (error) {
    throw writeError(path, error);
  }
}

export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

export function writeError(path: string, error: unknown): PipelineError {
  const code = errorCodes(error)[0];
  const hints: Record<string, string> = {
    ENOSPC: 'The disk is full: free some space or choose another --out.',
    EACCES: 'Choose an --out directory you can write to.',
    EROFS: 'The file system is read-only: choose another --out.',
    ENOTDIR: 'A file stands where a directory is needed: choose another --out.',
    EEXIST: 'A file stands where the directory should be: choose another --out, or move the file.',
  };
  return new PipelineError(
    `Cannot write ${path}: ${(error as Error).message}`,
    hints[code ?? ''] ?? 'Check the path and permissions.',
    1,
    { cause: error },
  );
}

/** The system error codes (ENOSPC, EACCES, ...) of an error and its causes, outermost first. */
export function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (typeof code === 'string') codes.push(code);
  }
  return codes;
}

/**
 * Makes the run directory. An existing non-empty directory is refused unless
 * `force` (it is emptied) or `resume` (it is continued).
 */
export function prepareRunDirectory(
  path: string,
  options: { force?: boolean; resume?: boolean } = {},
): void {
  if (existsSync(path)) {
    // The run's lock (taken before this, by the caller) is not content.
    const entries = readdirSync(path).filter((entry) => entry !== RUN_LOCK_FILE);
    if (entries.length > 0 && !options.resume) {
      if (!options.force) {
        throw new UsageError(
          `The run directory ${path} already exists and is not empty.`,
          'Pass --force to overwrite it, --resume to continue its run, or choose another --out.',
        );
      }
      for (const entry of entries) rmSync(join(path, entry), { recursive: true, force: true });
    }
  }
  try {
    mkdirSync(path, { recursive: true });
    // Fail now, not after an hour of training, if nothing can be written there.
    writeFileAtomic(join(path, '.write-check'), '');
    rmSync(join(path, '.write-check'), { force: true });
  } catch (error) {
    throw error instanceof PipelineError ? error : writeError(path, error);
  }
}

/** A JSON file of a run, naming the file when it is missing or broken. */
export function readJson<T>(path: string, what: string, hint: string): T {
  if (!existsSync(path)) throw new PipelineError(`${what} is missing: ${path}`, hint);
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (error) {
    throw new PipelineError(`${path} is not valid JSON: ${(error as Error).message}`, hint);
  }
}

let temporaries = 0;

/**
 * Replaces `directory` as a whole: `fill` writes into a fresh temporary
 * folder beside it (unique per call: pid, counter, random), which is then
 * renamed into place. A failed or interrupted fill (a second Ctrl-C) leaves
 * `directory` as it was and no temporary folder behind.
 */
export async function replaceDirectoryAtomically(
  directory: string,
  fill: (temporary: string) => Promise<void> | void,
): Promise<void> {
  const temporary = join(
    dirname(directory),
    `.${basename(directory)}.tmp-${process.pid}-${++temporaries}-${randomBytes(4).toString('hex')}`,
  );
  const cleanUp = (): void => rmSync(temporary, { recursive: true, force: true });
  process.once('exit', cleanUp);
  try {
    mkdirSync(dirname(temporary), { recursive: true });
    // Not recursive: an existing folder of that name is an error, never shared.
    mkdirSync(temporary);
    await fill(temporary);
    rmSync(directory, { recursive: true, force: true });
    renameSync(temporary, directory);
  } catch (error) {
    cleanUp();
    throw error instanceof PipelineError ? error : writeError(directory, error);
  } finally {
    process.removeListener('exit', cleanUp);
  }
}
