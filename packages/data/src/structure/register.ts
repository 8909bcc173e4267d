// Translation registration of a set of images to their common mean: each
// image's shift is estimated against the mean, the images are moved back, the
// mean (now sharper) is taken again, and the residual shifts are added, a few
// times over. Iterating removes the estimator's pull towards zero (the window
// and a blurred first mean both shrink large shifts).
import { PhaseCorrelator } from './phase-correlation.js';

/**
 * Shifts that register `images` (row-major `count` x grid x grid) to their
 * mean: `[dy, dx]` per image, with `image(y, x) ~ mean(y - dy, x - dx)`, in
 * grid pixels, centred so that they average to zero. Returns the mean the
 * last iteration correlated against with them (with one iteration: the
 * images' plain mean).
 */
export function registerTranslations(
  images: Float32Array,
  count: number,
  grid: number,
  iterations = 3,
): { shifts: Float64Array; mean: Float32Array } {
  const cells = grid * grid;
  const shifts = new Float64Array(count * 2);
  // The images moved by the current shifts (the images themselves at first).
  let moved = images;
  const mean = new Float32Array(cells);
  for (let iteration = 0; iteration < iterations; iteration++) {
    if (iteration > 0) {
      if (moved === images) moved = new Float32Array(images.length);
      for (let i = 0; i < count; i++)
        shiftImage(
          images.subarray(i * cells, (i + 1) * cells),
          grid,
          grid,
          -shifts[2 * i]!,
          -shifts[2 * i + 1]!,
          moved.subarray(i * cells, (i + 1) * cells),
        );
    }
    mean.fill(0);
    for (let i = 0; i < count; i++)
      for (let p = 0; p < cells; p++) mean[p] = mean[p]! + moved[i * cells + p]! / count;
    const correlator = new PhaseCorrelator(mean, grid, grid);
    for (let i = 0; i < count; i++) {
      const residual = correlator.displacement(moved.subarray(i * cells, (i + 1) * cells));
      shifts[2 * i] = shifts[2 * i]! + residual.dy;
      shifts[2 * i + 1] = shifts[2 * i + 1]! + residual.dx;
    }
    centre(shifts, count);
  }
  return { shifts, mean };
}

/**
 * `out(y, x) = image(y - dy, x - dx)` for every channel of an interleaved
 * (HWC) image, bilinear, edges repeated.
 */
export function shiftImage(
  image: ArrayLike<number>,
  height: number,
  width: number,
  dy: number,
  dx: number,
  out: Float32Array = new Float32Array(height * width),
  channels = 1,
): Float32Array {
  return moveImage(image, height, width, { dy, dx }, out, channels);
}

/**
 * An interleaved (HWC) image shifted by (dy, dx) and rotated by `degrees`
 * about its centre, bilinear, edges repeated: `out(p) = image(R^-1 (p - c - d) + c)`.
 */
export function moveImage(
  image: ArrayLike<number>,
  height: number,
  width: number,
  move: { dy: number; dx: number; degrees?: number },
  out: Float32Array = new Float32Array(height * width),
  channels = 1,
): Float32Array {
  const radians = ((move.degrees ?? 0) * Math.PI) / 180;
  const [cos, sin] = [Math.cos(radians), Math.sin(radians)];
  const rotated = radians !== 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let [sy, sx] = [y - move.dy, x - move.dx];
      if (rotated) {
        const [yc, xc] = [sy - height / 2, sx - width / 2];
        [sy, sx] = [cos * yc - sin * xc + height / 2, sin * yc + cos * xc + width / 2];
      }
      sy = Math.min(height - 1, Math.max(0, sy));
      sx = Math.min(width - 1, Math.max(0, sx));
      const y0 = Math.max(0, Math.min(height - 2, Math.floor(sy)));
      const y1 = Math.min(height - 1, y0 + 1);
      const x0 = Math.max(0, Math.min(width - 2, Math.floor(sx)));
      const x1 = Math.min(width - 1, x0 + 1);
      const [fy, fx] = [sy - y0, sx - x0];
      for (let c = 0; c < channels; c++) {
        const at = (yy: number, xx: number) => image[(yy * width + xx) * channels + c]!;
        const top = at(y0, x0) * (1 - fx) + at(y0, x1) * fx;
        const bottom = at(y1, x0) * (1 - fx) + at(y1, x1) * fx;
        out[(y * width + x) * channels + c] = top * (1 - fy) + bottom * fy;
      }
    }
  }
  return out;
}

function centre(shifts: Float64Array, count: number): void {
  for (const axis of [0, 1]) {
    let sum = 0;
    for (let i = 0; i < count; i++) sum += shifts[2 * i + axis]!;
    for (let i = 0; i < count; i++) shifts[2 * i + axis] = shifts[2 * i + axis]! - sum / count;
  }
}
