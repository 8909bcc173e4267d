// A set's images each moved by a random shift and rotation: unaligned copies
// of aligned data, for the structure check's tests and benchmarks and for
// measuring what misalignment costs global attention.
import * as tf from '@tensorflow/tfjs-core';
import { Random } from '../random.js';
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
  const moves: [number, number, number][] = [];
  for (let i = 0; i < count; i++) {
    const [dy, dx] = [uniform() * options.maxShift, uniform() * options.maxShift];
    const degrees = uniform() * (options.maxDegrees ?? 0);
    moves.push([dy, dx, degrees]);
    const [cos, sin] = [Math.cos((degrees * Math.PI) / 180), Math.sin((degrees * Math.PI) / 180)];
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const [yc, xc] = [y - height / 2 - dy, x - width / 2 - dx];
        const sy = Math.min(height - 1, Math.max(0, cos * yc - sin * xc + height / 2));
        const sx = Math.min(width - 1, Math.max(0, sin * yc + cos * xc + width / 2));
        const y0 = Math.min(height - 2, Math.floor(sy));
        const x0 = Math.min(width - 2, Math.floor(sx));
        const [fy, fx] = [sy - y0, sx - x0];
        for (let c = 0; c < channels; c++) {
          const at = (yy: number, xx: number) =>
            source[((i * height + yy) * width + xx) * channels + c]!;
          out[((i * height + y) * width + x) * channels + c] =
            (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x0 + 1)) +
            fy * ((1 - fx) * at(y0 + 1, x0) + fx * at(y0 + 1, x0 + 1));
        }
      }
    }
  }
  return { set: { ...set, images: tf.tensor4d(out, [count, height, width, channels]) }, moves };
}
