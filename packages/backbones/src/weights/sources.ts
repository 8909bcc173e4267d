/** Where weights come from: a local path, an http(s) or file URL, or the bytes themselves. */
export type WeightsSource = string | URL | Uint8Array | ArrayBuffer;

export function isHttpUrl(source: string | URL): boolean {
  return /^https?:\/\//i.test(source instanceof URL ? source.href : source);
}

/** A local path for a path or `file://` URL (Node only). */
export async function localPath(source: string | URL): Promise<string> {
  const text = source instanceof URL ? source.href : source;
  if (!text.startsWith('file:')) return text;
  const { fileURLToPath } = await import('node:url');
  return fileURLToPath(text);
}

/** The bytes of a source: fetched for http(s) URLs, read with node:fs for paths. */
export async function readSourceBytes(source: WeightsSource): Promise<Uint8Array> {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (isHttpUrl(source)) {
    const response = await fetch(source);
    if (!response.ok) {
      throw new Error(
        `Could not fetch ${String(source)}: HTTP ${response.status} ${response.statusText}.`,
      );
    }
    return new Uint8Array(await response.arrayBuffer());
  }
  // Imported on demand so that browsers never load node:fs.
  const { readFile } = await import('node:fs/promises');
  const buffer = await readFile(await localPath(source));
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}
