// Shared by the tests: scratch folders, small images written in every format,
// and where the shared real data lives.
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { missingSharedData, sharedDataDirectory, sharedDataPath } from '@gsa/tooling/shared-data';

/** The shared real data (@gsa/tooling/shared-data). */
export const DATA_DIR = sharedDataDirectory();

/** True when `relative` exists under DATA_DIR; otherwise says which tests skip and why. */
export function hasSharedData(relative: string, what: string): boolean {
  const found = sharedDataPath(relative) !== undefined;
  if (!found) console.log(`skipping ${what}: ${missingSharedData(relative)}`);
  return found;
}

/** A fresh scratch folder, removed by cleanupScratch(). */
const made: string[] = [];
export function scratchDir(prefix = 'gsa-data-'): string {
  const directory = mkdtempSync(join(tmpdir(), prefix));
  made.push(directory);
  return directory;
}
export function cleanupScratch(): void {
  for (const directory of made.splice(0)) rmSync(directory, { recursive: true, force: true });
}

/** Seeded pixel values 0..255, [height, width, channels]. */
export function testPixels(height: number, width: number, channels: number, seed = 1): Uint8Array {
  const out = new Uint8Array(height * width * channels);
  let state = seed * 2654435761;
  for (let i = 0; i < out.length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    out[i] = (state >>> 16) & 0xff;
  }
  return out;
}

export type Format = 'png' | 'jpeg' | 'tiff' | 'pgm';

/** Writes pixels as an image file (lossless except JPEG), creating folders. */
export async function writeImage(
  file: string,
  pixels: Uint8Array,
  width: number,
  height: number,
  channels: 1 | 3,
  format: Format = 'png',
): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  if (format === 'pgm') {
    const magic = channels === 1 ? 'P5' : 'P6';
    const header = new TextEncoder().encode(`${magic}\n# test\n${width} ${height}\n255\n`);
    const bytes = new Uint8Array(header.length + pixels.length);
    bytes.set(header);
    bytes.set(pixels, header.length);
    await writeFile(file, bytes);
    return;
  }
  let image = sharp(pixels, { raw: { width, height, channels } });
  if (channels === 1) image = image.toColourspace('b-w');
  const encoded =
    format === 'png'
      ? image.png()
      : format === 'jpeg'
        ? image.jpeg({ quality: 95 })
        : image.tiff({ compression: 'lzw' });
  await writeFile(file, await encoded.toBuffer());
}
