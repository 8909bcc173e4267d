// Nothing is written half-way: files and whole folders are written under a
// temporary name next to their destination and renamed into place at the end.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DataError } from './errors.js';

function temporarySibling(path: string): string {
  return join(
    dirname(path),
    `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`,
  );
}

/** Writes a file atomically (temporary file, then rename). */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = temporarySibling(path);
  try {
    await writeFile(temporary, data);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/**
 * Fills a folder atomically: `fill` writes into a temporary folder beside
 * `path`, which then replaces `path`. If `fill` throws, nothing is left. An
 * existing non-empty `path` is an error unless `overwrite` is set.
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
