// The one place that turns image files into pixels: sharp (libvips) for PNG,
// JPEG, TIFF, WebP and GIF, our own reader for PGM/PPM. Grey stays one
// channel, alpha is dropped, 16-bit stays 16-bit (maxValue 65535), EXIF
// orientation is applied as cv2.imread does.
import { readFile } from 'node:fs/promises';
import sharp, { type Metadata, type OutputInfo } from 'sharp';
import { DataError } from '../errors.js';
import type { RawImage } from '../types.js';
import { decodePnm, looksLikePnm } from './pnm.js';

/** File name extensions the folder loaders pick up as images. */
export const IMAGE_EXTENSIONS: readonly string[] = [
  '.png',
  '.jpg',
  '.jpeg',
  '.tif',
  '.tiff',
  '.pgm',
  '.ppm',
  '.pbm',
  '.pnm',
  '.webp',
];

/** True for a file name with one of IMAGE_EXTENSIONS (case-insensitive). */
export function isImageFile(name: string): boolean {
  const dot = name.lastIndexOf('.');
  return dot > 0 && IMAGE_EXTENSIONS.includes(name.slice(dot).toLowerCase());
}

async function readBytes(file: string): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : String(error);
    throw new DataError(`cannot read image ${file}: ${why}`, file, { cause: error });
  }
  if (bytes.length === 0) throw new DataError(`image ${file} is empty (0 bytes)`, file);
  return bytes;
}

/**
 * Decodes an image file (or its bytes; `name` then labels errors) to
 * interleaved pixels. A corrupt, truncated or unsupported file throws a
 * DataError naming it.
 */
export async function decodeImage(source: string | Uint8Array, name?: string): Promise<RawImage> {
  const label = name ?? (typeof source === 'string' ? source : 'image');
  const bytes = typeof source === 'string' ? await readBytes(source) : source;
  if (looksLikePnm(bytes)) return decodePnm(bytes, label);
  let metadata: Metadata;
  try {
    metadata = await sharp(bytes).metadata();
  } catch (error) {
    const why = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new DataError(`cannot decode image ${label}: ${why}`, label, {
      cause: error,
      problem: 'undecodable',
    });
  }
  const sixteenBit = metadata.depth === 'ushort';
  if (metadata.depth !== undefined && metadata.depth !== 'uchar' && !sixteenBit) {
    throw new DataError(
      `image ${label} has ${metadata.depth} samples; only 8- and 16-bit images are supported`,
      label,
    );
  }
  const grey =
    metadata.space === 'b-w' ||
    metadata.space === 'grey16' ||
    ((metadata.channels ?? 3) <= 2 && metadata.space !== 'cmyk');
  const pipeline = sharp(bytes, { failOn: 'warning' }).autoOrient().removeAlpha();
  pipeline.toColourspace(grey ? (sixteenBit ? 'grey16' : 'b-w') : sixteenBit ? 'rgb16' : 'srgb');
  let decoded: { data: Buffer; info: OutputInfo };
  try {
    decoded = await pipeline
      .raw({ depth: sixteenBit ? 'ushort' : 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw new DataError(`cannot decode image ${label}: ${pixelFailureReason(error)}`, label, {
      cause: error,
      problem: 'undecodable',
    });
  }
  const { width, height, channels } = decoded.info;
  if (channels !== 1 && channels !== 3) {
    throw new DataError(`image ${label} decoded to ${channels} channels; expected 1 or 3`, label);
  }
  const { data } = decoded;
  if (sixteenBit) {
    // Copy: a Buffer may sit at an odd offset of a shared pool.
    const words = new Uint16Array(data.length / 2);
    new Uint8Array(words.buffer).set(data);
    return { data: words, width, height, channels, maxValue: 65535 };
  }
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    width,
    height,
    channels,
    maxValue: 255,
  };
}

// What sharp says when libvips only warned (failOn: 'warning') and its error
// buffer is empty; the warnings, if any, follow on the next lines. libvips'
// error and warning buffers are process-wide, so under concurrent decodes the
// lines may be gone or come from another file: the file name is what counts.
const FAIL_ON_WARNING = 'Warning treated as error due to failOn setting';

/**
 * Why the pixels of a file whose header was readable could not be decoded, in
 * words a user can act on: "corrupt or truncated image (libvips: <its message>)".
 */
export function pixelFailureReason(error: unknown): string {
  const lines = (error instanceof Error ? error.message : String(error))
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  const original =
    (lines[0] === FAIL_ON_WARNING ? lines[1] : undefined) ?? lines[0] ?? 'unknown error';
  return `corrupt or truncated image (libvips: ${original})`;
}

/** Width, height and channel count from the file header, without decoding the pixels. */
export async function readImageHeader(
  file: string,
): Promise<{ width: number; height: number; channels: number }> {
  const bytes = await readBytes(file);
  if (looksLikePnm(bytes)) {
    const image = decodePnm(bytes, file);
    return { width: image.width, height: image.height, channels: image.channels };
  }
  try {
    const metadata = await sharp(bytes).metadata();
    const swapped = (metadata.orientation ?? 1) >= 5;
    const width = metadata.width ?? 0;
    const height = metadata.height ?? 0;
    const grey =
      metadata.space === 'b-w' ||
      metadata.space === 'grey16' ||
      ((metadata.channels ?? 3) <= 2 && metadata.space !== 'cmyk');
    return {
      width: swapped ? height : width,
      height: swapped ? width : height,
      channels: grey ? 1 : 3,
    };
  } catch (error) {
    const why = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new DataError(`cannot decode image ${file}: ${why}`, file, {
      cause: error,
      problem: 'undecodable',
    });
  }
}
