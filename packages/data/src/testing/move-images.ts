// A set's images each moved by a random shift and rotation: unaligned copies
// of aligned data, for the structure check's tests and benchmarks and for
// measuring what misalignment costs global attention.
import * as tf from '@tensorflow/tfjs-core';
import { Random } from '../random.js';
import { moveImage } from '../structure/register.js';
import type { ImageSet } from '../types.js';

export interface MoveOptions {
  /** Largest shift along each axis, in pixels (uniform in [-maxShift, maxShift]). */
  maxShift: number;
  /** Largest rotation about the centre, in degrees. Default 0. */
  maxDegrees?: number;
  seed?: number;
}

/**
 * A copy of `set` (images in memory) with every image moved (bilinear, edges
 * repeated), and each image's move `[dy, dx, degrees]`.
 */
export function moveImages(
  set: ImageSet,
  options: MoveOptions,
): { set: ImageSet; moves: [number, number, number][] } {
  const images = set.images as tf.Tensor4D;
  const [count, height, width, channels] = images.shape;
  const source = images.dataSync();
  const random = new Random(options.seed ?? 1);
  const uniform = () => random.next() * 2 - 1;
  const out = new Float32Array(source.length);
  const size = height * width * channels;
  const moves: [number, number, number][] = [];
  for (let i = 0; i < count; i++) {
    const [dy, dx] = [uniform() * options.maxShift, uniform() * options.maxShift];
    const degrees = uniform() * (options.maxDegrees ?? 0);
    moves.push([dy, dx, degrees]);
    moveImage(
      source.subarray(i * size, (i + 1) * size),
      height,
      width,
      { dy, dx, degrees },
      out.subarray(i * size, (i + 1) * size),
      channels,
    );
  }
  return { set: { ...set, images: tf.tensor4d(out, [count, height, width, channels]) }, moves };
}
