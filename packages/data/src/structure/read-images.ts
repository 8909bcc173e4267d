// Reading a set's images one by one as plain arrays, for the structure check
// and alignment (which work on typed arrays, not tensors).
import type { ImageSet } from '../types.js';
import { checkIndices, imageCount, isLazyImages, readImages } from '../images/image-set.js';
import { resizeArea } from '../preprocess/resize-area.js';

const CHUNK = 64;

/**
 * Calls `visit(position, values, offset)` for each of `indices` in order:
 * the image's HWC values start at `offset` of `values`. Images in memory are
 * read once as a whole (a gather per chunk costs more than the work on
 * them); lazy ones are decoded a chunk at a time.
 */
export async function forEachImage(
  set: ImageSet,
  indices: readonly number[],
  visit: (position: number, values: ArrayLike<number>, offset: number) => void,
): Promise<void> {
  checkIndices(indices, imageCount(set));
  const { height, width, channels } = set.metadata;
  const size = height * width * channels;
  if (!isLazyImages(set.images)) {
    const values = await set.images.data();
    indices.forEach((index, position) => visit(position, values, index * size));
    return;
  }
  for (let start = 0; start < indices.length; start += CHUNK) {
    const chunk = indices.slice(start, start + CHUNK);
    const tensor = await readImages(set, chunk);
    const values = await tensor.data();
    tensor.dispose();
    chunk.forEach((_, k) => visit(start + k, values, k * size));
  }
}

/** One image's channels averaged: `grey[p]` for each of its height x width pixels. */
export function greyOf(
  values: ArrayLike<number>,
  offset: number,
  pixels: number,
  channels: number,
  grey: Float32Array,
): Float32Array {
  for (let p = 0; p < pixels; p++) {
    let value = 0;
    for (let c = 0; c < channels; c++) value += values[offset + p * channels + c]!;
    grey[p] = value / channels;
  }
  return grey;
}

/**
 * The images at `indices`, grey and area-resized onto grid x grid, one after
 * another; `visitGrey(grey)` sees each full-size grey image on the way (the
 * structure check sums them).
 */
export async function gridImages(
  set: ImageSet,
  indices: readonly number[],
  grid: number,
  visitGrey?: (grey: Float32Array) => void,
): Promise<Float32Array> {
  const { height, width, channels } = set.metadata;
  const pixels = height * width;
  const grey = new Float32Array(pixels);
  const small = new Float32Array(indices.length * grid * grid);
  await forEachImage(set, indices, (position, values, offset) => {
    greyOf(values, offset, pixels, channels, grey);
    visitGrey?.(grey);
    small.set(
      resizeArea(grey, { height, width, channels: 1 }, { height: grid, width: grid }),
      position * grid * grid,
    );
  });
  return small;
}
