// Does one map fit this data? Global attention assumes the images share one
// layout. This measures how far each image sits from the layout of the set:
// the per-pixel mean and standard deviation, each image's translation from
// the mean by phase correlation, and each image's correlation with the mean.
import type { ImageSet } from '../types.js';
import { imageCount } from '../images/image-set.js';
import { gridImages } from './read-images.js';
import { DataError } from '../errors.js';
import { pearsonCorrelation, quantile } from '../statistics.js';
import { registerTranslations } from './register.js';

export type StructureVerdict = 'aligned' | 'roughly aligned' | 'not aligned';

/**
 * Where the verdicts change, as fractions of the image's side (the mean of
 * height and width): the median and the 90th percentile of the images'
 * displacements from the mean. Chosen from measurements (the data README's
 * "Does one map fit this data?"): the synthetic set is aligned, ORL faces and
 * PneumoniaMNIST are roughly aligned, and the same images moved by a few
 * pixels and degrees are not.
 */
export const STRUCTURE_THRESHOLDS = {
  aligned: { median: 0.025, p90: 0.06 },
  roughlyAligned: { median: 0.05, p90: 0.125 },
} as const;

export interface StructureOptions {
  /** The images to measure: the training split, so nothing leaks from test images. Default: all. */
  indices?: readonly number[];
  /**
   * Side of the square grid displacements are measured on (a power of two).
   * Default 32: the layout, not the detail, and fast (see the README).
   */
  analysisSize?: number;
}

export interface StructureCheck {
  images: number;
  height: number;
  width: number;
  /** Per-pixel mean of the images (channels averaged), row-major height x width. */
  meanImage: Float32Array;
  /** Per-pixel standard deviation, like `meanImage`. */
  stdImage: Float32Array;
  /** Each image's displacement from the mean in pixels, `[dy, dx]` per image, in `indices` order. */
  displacements: Float32Array;
  /** Length of the displacements in pixels, and as a fraction of the image's side. */
  shift: { median: number; p90: number; medianFraction: number; p90Fraction: number };
  /** Pearson correlation of each image with the mean: median, 10th and 90th percentile, medians per class. */
  correlation: { median: number; p10: number; p90: number; byClass: Record<string, number> };
  verdict: StructureVerdict;
  /** What the verdict means for global attention, and what to do. */
  advice: string;
}

/** Measures how well the images of `set` share one layout (see StructureCheck). */
export async function checkStructure(
  set: ImageSet,
  options: StructureOptions = {},
): Promise<StructureCheck> {
  const indices = options.indices ?? Array.from({ length: imageCount(set) }, (_, i) => i);
  if (indices.length < 2)
    throw new DataError(`a structure check needs at least 2 images, got ${indices.length}`);
  const { height, width } = set.metadata;
  const pixels = height * width;
  const grid = analysisGrid(height, width, options.analysisSize ?? 32);
  const cells = grid * grid;
  const sum = new Float64Array(pixels);
  const sumOfSquares = new Float64Array(pixels);
  const small = await gridImages(set, indices, grid, (grey) => {
    for (let p = 0; p < pixels; p++) {
      const value = grey[p]!;
      sum[p] = sum[p]! + value;
      sumOfSquares[p] = sumOfSquares[p]! + value * value;
    }
  });
  const count = indices.length;
  const meanImage = new Float32Array(pixels);
  const stdImage = new Float32Array(pixels);
  for (let p = 0; p < pixels; p++) {
    const mean = sum[p]! / count;
    meanImage[p] = mean;
    stdImage[p] = Math.sqrt(Math.max(0, sumOfSquares[p]! / count - mean * mean));
  }
  // One pass against the mean: how far each image sits from the set's layout.
  // (--align iterates to register them exactly; one pass understates large
  // shifts, which the thresholds were measured with.)
  const { shifts, mean: reference } = registerTranslations(small, count, grid, 1);
  const displacements = new Float32Array(count * 2);
  const lengths = new Float64Array(count);
  const correlations = new Float64Array(count);
  const [scaleY, scaleX] = [height / grid, width / grid];
  for (let i = 0; i < count; i++) {
    const [dy, dx] = [shifts[2 * i]! * scaleY, shifts[2 * i + 1]! * scaleX];
    displacements[2 * i] = dy;
    displacements[2 * i + 1] = dx;
    lengths[i] = Math.hypot(dy, dx);
    correlations[i] = pearsonCorrelation(small.subarray(i * cells, (i + 1) * cells), reference);
  }
  const side = (height + width) / 2;
  const shift = {
    median: quantile(lengths, 0.5),
    p90: quantile(lengths, 0.9),
    medianFraction: 0,
    p90Fraction: 0,
  };
  shift.medianFraction = shift.median / side;
  shift.p90Fraction = shift.p90 / side;
  const byClass: Record<string, number> = {};
  if (set.classNames.length > 1) {
    set.classNames.forEach((name, label) => {
      const mine = correlations.filter((_, i) => set.labels[indices[i]!] === label);
      if (mine.length > 0) byClass[name] = quantile(mine, 0.5);
    });
  }
  const verdict = verdictOf(shift.medianFraction, shift.p90Fraction);
  return {
    images: count,
    height,
    width,
    meanImage,
    stdImage,
    displacements,
    shift,
    correlation: {
      median: quantile(correlations, 0.5),
      p10: quantile(correlations, 0.1),
      p90: quantile(correlations, 0.9),
      byClass,
    },
    verdict,
    advice: ADVICE[verdict],
  };
}

function verdictOf(median: number, p90: number): StructureVerdict {
  const { aligned, roughlyAligned } = STRUCTURE_THRESHOLDS;
  if (median <= aligned.median && p90 <= aligned.p90) return 'aligned';
  if (median <= roughlyAligned.median && p90 <= roughlyAligned.p90) return 'roughly aligned';
  return 'not aligned';
}

const ADVICE: Record<StructureVerdict, string> = {
  aligned: 'the images share one layout: one global map can serve them all.',
  'roughly aligned':
    'the images mostly share one layout; a global map will be blurred by the spread of positions. Registering them first (--align translate) sharpens it.',
  'not aligned':
    'the images do not share one layout: a global map can only weight the region every image covers, and may learn little. Register them first (--align translate, or your own registration), or use a local-attention backbone.',
};

/** The largest power of two <= `size` that does not upsample by more than 2x (at least 8). */
export function analysisGrid(height: number, width: number, size: number): number {
  if (!Number.isInteger(Math.log2(size)) || size < 8)
    throw new DataError(`analysisSize must be a power of two >= 8, got ${size}`);
  let grid = size;
  while (grid > 8 && grid > 2 * Math.max(height, width)) grid /= 2;
  return grid;
}
