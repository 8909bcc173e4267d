// Saved weights replace the previous file whole: each file is written to a
// temp file in the target's folder, then renamed over the target (atomic
// within one file system), so a failed or interrupted save never leaves a
// truncated file where a good one was, nor a temp file behind.

/** What a file is written from: bytes, text, or chunks of bytes. */
export type FileData = Uint8Array | string | Iterable<Uint8Array>;

export interface FileToWrite {
  path: string;
  data: FileData;
}

/**
 * Writes every file to a temp file beside it first, and only when all are
 * written renames them over their targets, in the order given (so a file
 * that refers to another goes last). On failure the temp files are removed
 * and the error rethrown; targets not yet renamed keep their old contents.
 * Node only (node:fs is imported on demand, so that browsers never load it).
 */
export async function writeFilesAtomically(files: FileToWrite[]): Promise<void> {
  const [fs, path] = await Promise.all([import('node:fs/promises'), import('node:path')]);
  const pending = files.map((file) => ({
    ...file,
    temp: path.join(
      path.dirname(file.path),
      `.${path.basename(file.path)}.${process.pid}-${Math.random().toString(36).slice(2, 10)}.tmp`,
    ),
  }));
  const leftOver = new Set<string>();
  try {
    for (const file of pending) {
      leftOver.add(file.temp);
      await fs.writeFile(file.temp, file.data);
    }
    for (const file of pending) {
      await fs.rename(file.temp, file.path);
      leftOver.delete(file.temp);
    }
  } catch (error) {
    await Promise.all([...leftOver].map((temp) => fs.rm(temp, { force: true })));
    throw error;
  }
}

/** Writes one file atomically (see `writeFilesAtomically`). */
export async function writeFileAtomically(path: string, data: FileData): Promise<void> {
  await writeFilesAtomically([{ path, data }]);
}
