import * as tf from '@tensorflow/tfjs-core';
import { readImages, type ImageSet, type StructureCheck } from '@gsa/data';
import { createRgbaImage, type RgbaImage } from '@gsa/viz';
import { writePng } from '@gsa/viz/node';
import { writeError } from './files.js';

export interface ContactSheetOptions {
  /** Images shown per class (the first ones of each class). Default 8. */
  perClass?: number;
  /** Tile height in pixels; the width keeps the images' aspect. Default 64. */
  tile?: number;
  /** Adds a last row with the structure check's mean and standard-deviation images. */
  structure?: StructureCheck;
}

/**
 * A contact sheet: one row per class (in the set's class order), its first
 * images side by side, each scaled to the tile height and stretched to its
 * own min..max so that dark and normalised images are visible alike.
 */
export async function renderContactSheet(
  set: ImageSet,
  options: ContactSheetOptions = {},
): Promise<RgbaImage> {
  const perClass = options.perClass ?? 8;
  const tileHeight = options.tile ?? 64;
  const { height, width, channels } = set.metadata;
  const tileWidth = Math.max(1, Math.round((tileHeight * width) / height));
  const gap = 2;
  const rows = set.classNames.map((_, label) =>
    [...set.labels.keys()].filter((index) => set.labels[index] === label).slice(0, perClass),
  );
  const extraRows = options.structure ? 1 : 0;
  const sheet = createRgbaImage(
    gap + perClass * (tileWidth + gap),
    gap + (rows.length + extraRows) * (tileHeight + gap),
    [32, 32, 32, 255],
  );
  if (options.structure) {
    // The layout at a glance: where the images agree (mean) and where they vary (std).
    const { meanImage, stdImage } = options.structure;
    const both = new Float32Array(2 * height * width);
    both.set(meanImage);
    both.set(stdImage, height * width);
    const pair = tf.tensor4d(both, [2, height, width, 1]);
    drawTiles(sheet, pair, 1, rows.length, { tileHeight, tileWidth, gap });
    pair.dispose();
  }
  for (const [row, indices] of rows.entries()) {
    if (indices.length === 0) continue;
    const images = await readImages(set, indices);
    drawTiles(sheet, images, channels, row, { tileHeight, tileWidth, gap });
    images.dispose();
  }
  return sheet;
}

export async function writeContactSheet(
  set: ImageSet,
  path: string,
  options: ContactSheetOptions = {},
): Promise<void> {
  const sheet = await renderContactSheet(set, options);
  try {
    await writePng(path, sheet);
  } catch (error) {
    throw writeError(path, error);
  }
}

/**
 * Draws `images` ([n, H, W, channels]) side by side as row `row` of the sheet,
 * each scaled to the tile and stretched to its own min..max.
 */
function drawTiles(
  sheet: RgbaImage,
  images: tf.Tensor4D,
  channels: number,
  row: number,
  layout: { tileHeight: number; tileWidth: number; gap: number },
): void {
  const { tileHeight, tileWidth, gap } = layout;
  const tiles = tf.tidy(() => {
    const resized = tf.image.resizeBilinear(images, [tileHeight, tileWidth], true);
    const low = tf.min(resized, [1, 2, 3], true);
    const high = tf.max(resized, [1, 2, 3], true);
    return tf.div(tf.sub(resized, low), tf.maximum(tf.sub(high, low), 1e-8)).dataSync();
  });
  const pixels = tileHeight * tileWidth;
  for (let column = 0; column < images.shape[0]; column++) {
    const left = gap + column * (tileWidth + gap);
    const top = gap + row * (tileHeight + gap);
    for (let pixel = 0; pixel < pixels; pixel++) {
      const y = Math.floor(pixel / tileWidth);
      const x = pixel % tileWidth;
      const source = (column * pixels + pixel) * channels;
      const offset = ((top + y) * sheet.width + left + x) * 4;
      for (let c = 0; c < 3; c++) {
        const value = tiles[source + (channels >= 3 ? c : 0)]!;
        sheet.data[offset + c] = Math.round(value * 255);
      }
      sheet.data[offset + 3] = 255;
    }
  }
}
