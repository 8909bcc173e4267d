// Saved weights replace the previous file whole, through write-file-atomic
// (the one atomic writer of the repo): a temp file beside the target, unique
// per call, fsynced, then renamed over it (atomic within one file system), so
// a failed or interrupted save never leaves a truncated file where a good one
// was, nor a temp file behind.

/** What a file is written from: bytes, text, or chunks of bytes. */
export type FileData = Uint8Array | string | Iterable<Uint8Array>;

export interface FileToWrite {
  path: string;
  data: FileData;
}

/** write-file-atomic takes a string or a Buffer; views share the bytes, chunks are joined. */
function contents(data: FileData): string | Buffer {
  if (typeof data === 'string') return data;
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.concat([...data]);
}

/**
 * Replaces each file whole, one after the other in the order given (so a file
 * that refers to another goes last: it is never renamed into place before
 * what it refers to). All chunked data is gathered before anything is
 * written, so a source that fails leaves every target as it was. On a write
 * failure the error is rethrown with no temp file left; the failed target and
 * those after it keep their old contents.
 * Node only (write-file-atomic is imported on demand, so that browsers never load it).
 */
export async function writeFilesAtomically(files: FileToWrite[]): Promise<void> {
  const { default: writeFileAtomic } = await import('write-file-atomic');
  const prepared = files.map((file) => ({ path: file.path, data: contents(file.data) }));
  for (const file of prepared) await writeFileAtomic(file.path, file.data);
}

/** Writes one file atomically (see `writeFilesAtomically`). */
export async function writeFileAtomically(path: string, data: FileData): Promise<void> {
  await writeFilesAtomically([{ path, data }]);
}
