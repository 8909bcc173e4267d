import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PNG } from 'pngjs';
import writeFileAtomicBase from 'write-file-atomic';
import { encodeNpy } from '@gsa/data';
import type { RgbaImage } from '../image.js';

/** The image as PNG bytes (8-bit RGBA, pngjs). */
export function encodePng(image: RgbaImage): Uint8Array {
  const png = new PNG({ width: image.width, height: image.height });
  png.data = Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  return new Uint8Array(PNG.sync.write(png, { colorType: 6, inputHasAlpha: true }));
}

/** PNG bytes back to RGBA (any PNG colour type is expanded to RGBA). */
export function decodePng(bytes: Uint8Array): RgbaImage {
  const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  return { width: png.width, height: png.height, data: new Uint8ClampedArray(png.data) };
}

/** `data:image/png;base64,...`: the encoder `renderReportHtml` wants in Node. */
export function pngDataUri(image: RgbaImage): string {
  return `data:image/png;base64,${Buffer.from(encodePng(image)).toString('base64')}`;
}

/**
 * Writes through write-file-atomic (a temp file beside the target, unique per
 * call, fsynced, then renamed over it): a reader never sees half a file, a
 * failed write or a crash leaves the old one and no temp file, and concurrent
 * writes to one path in one process are queued, not interleaved.
 * Creates missing parent directories.
 */
export async function writeFileAtomic(path: string, contents: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomicBase(
    path,
    typeof contents === 'string'
      ? contents
      : Buffer.from(contents.buffer, contents.byteOffset, contents.byteLength),
  );
}

export async function writePng(path: string, image: RgbaImage): Promise<void> {
  await writeFileAtomic(path, encodePng(image));
}

/** Raw float32 values as a `.npy` that `numpy.load(path)` reads with the given shape. */
export async function writeNpy(
  path: string,
  values: ArrayLike<number>,
  shape: readonly number[],
): Promise<void> {
  await writeFileAtomic(path, encodeNpy(values, shape));
}
