// Nothing is written half-way: files go through write-file-atomic (the one
// atomic writer of the repo: a temp file unique per call, fsynced, renamed
// over the target), and whole folders are filled under a temporary name next
// to their destination and renamed into place at the end.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import writeFileAtomicBase from 'write-file-atomic';
import { DataError } from './errors.js';

let siblings = 0;

/**
 * A fresh name beside `path`, unique per call: the pid keeps processes apart,
 * the counter calls within one process, the random part reused pids.
 */
function temporarySibling(path: string): string {
  return join(
    dirname(path),
    `.${basename(path)}.tmp-${process.pid}-${++siblings}-${randomBytes(4).toString('hex')}`,
  );
}

/**
 * Writes a file atomically (write-file-atomic), creating missing parent
 * folders. A failed write leaves the old file as it was and no temp file.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomicBase(
    path,
    typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength),
  );
}

/**
 * Fills a folder atomically: `fill` writes into a temporary folder beside
 * `path` (unique per call, so concurrent calls never share one), which then
 * replaces `path`. If `fill` throws, nothing is left. An existing non-empty
 * `path` is an error unless `overwrite` is set. The files are `fill`'s own:
 * use `writeFileAtomic` there for ones that must be on disk before the rename.
 */
export async function writeDirectoryAtomic(
  path: string,
  fill: (directory: string) => Promise<void>,
  options: { overwrite?: boolean } = {},
): Promise<void> {
  const exists = existsSync(path);
  if (exists && !options.overwrite && (await readdir(path)).length > 0) {
    throw new DataError(
      `${path} already exists and is not empty; choose another folder or pass overwrite: true`,
      path,
    );
  }
  await mkdir(dirname(path), { recursive: true });
  const temporary = temporarySibling(path);
  // Not recursive: an existing folder of that name is an error, never shared.
  await mkdir(temporary);
  try {
    await fill(temporary);
  } catch (error) {
    await rm(temporary, { recursive: true, force: true });
    throw error;
  }
  if (exists) {
    // Move the old folder aside first so that a failed rename can restore it.
    const old = temporarySibling(path);
    await rename(path, old);
    try {
      await rename(temporary, path);
    } catch (error) {
      await rename(old, path);
      await rm(temporary, { recursive: true, force: true });
      throw error;
    }
    await rm(old, { recursive: true, force: true });
  } else {
    await rename(temporary, path);
  }
}
