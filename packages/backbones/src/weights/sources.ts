/** Where weights come from: a local path, an http(s) or file URL, or the bytes themselves. */
export type WeightsSource = string | URL | Uint8Array | ArrayBuffer;

export function isHttpUrl(source: string | URL): boolean {
  return /^https?:\/\//i.test(source instanceof URL ? source.href : source);
}

/** How messages name a source: the path or URL, or the size of the bytes. */
export function describeSource(source: WeightsSource): string {
  if (source instanceof URL) return source.href;
  if (typeof source === 'string') return source;
  return `the given bytes (${source.byteLength} bytes)`;
}

/**
 * An error's message as one sentence, with the reason Node keeps in its
 * `cause` (fetch says only "fetch failed"; why is in `cause`). Duck-typed:
 * errors from another realm (a vm context, a worker) are not `instanceof Error` here.
 */
export function errorMessage(error: unknown): string {
  let text = messageOf(error) ?? String(error);
  const cause = messageOf(causeOf(error)) || codeOf(causeOf(error));
  if (cause !== undefined && !text.includes(cause)) text += ` (${cause})`;
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

/** `error.cause`, for anything that has one. */
export function causeOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null && 'cause' in error ? error.cause : undefined;
}

function codeOf(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error
    ? String(error.code)
    : undefined;
}

function messageOf(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'message' in error
    ? String(error.message)
    : undefined;
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
    const url = source instanceof URL ? source.href : source;
    let response: Response;
    try {
      response = await fetch(url);
    } catch (error) {
      throw new Error(`Could not fetch ${url}: ${errorMessage(error)}`, { cause: error });
    }
    if (!response.ok) {
      throw new Error(
        `Could not fetch ${url}: the server answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}.`,
      );
    }
    return new Uint8Array(await response.arrayBuffer());
  }
  // Imported on demand so that browsers never load node:fs.
  const { readFile } = await import('node:fs/promises');
  const buffer = await readFile(await localPath(source));
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}
