// The paper's pixel representation P: the training images stacked as
// channels, [1, H, W, N*C]. Exact, or (ours) its top-r principal
// "eigen-images" from a streaming randomized SVD whose memory does not grow
// with N. Only training images may enter it: a validation or test image
// inside is an error.
import * as tf from '@tensorflow/tfjs-core';
import { DataError } from '../errors.js';
import { imageCount, imageShape, isLazyImages, readImages } from '../images/image-set.js';
import { Random, hashSeed } from '../random.js';
import type { ImageSet } from '../types.js';
import { orthonormalizeColumns, symmetricEigen } from './linalg.js';

/** The images a representation may use (train) and those it must not (validation, test). */
export interface TrainingSplit {
  readonly train: readonly number[];
  readonly validation?: readonly number[];
  readonly test?: readonly number[];
}

export interface PixelRepresentation {
  /** 'exact': P itself; 'low-rank': its top-r principal eigen-images. */
  readonly kind: 'exact' | 'low-rank';
  /** [1, H, W, N*C] (exact, channel n*C + c = image n's channel c) or [1, H, W, r] (low-rank). The caller disposes it. */
  readonly pixels: tf.Tensor4D;
  /** Ids of the training images it was built from, in channel order. */
  readonly ids: readonly string[];
  /** Channels per image (C). */
  readonly channelsPerImage: number;
  /** Fraction of P's energy (sum of squares) it keeps: 1 for exact. */
  readonly explainedVariance: number;
  /** Whether each image channel was standardised over its pixels before stacking (see `standardize`). */
  readonly standardized: boolean;
}

/** Options both representations share. */
export interface RepresentationOptions {
  /**
   * Standardise each training image's channels over their pixels (zero mean,
   * unit standard deviation) before they enter P. Default true. Raw
   * intensities are all positive and move together, so the pixel CNN's first
   * update shifts every pixel's pre-activation alike and can switch its ReLUs
   * off everywhere (a constant map that never learns again) or push the whole
   * map into saturation; standardised images leave it the layout alone. A
   * constant channel becomes zeros. See @gsa/trainer's map study.
   */
  readonly standardize?: boolean;
}

/** Per-channel zero mean and unit std over the pixel axes (a constant channel becomes 0). */
function standardizeOverPixels<T extends tf.Tensor>(values: T, pixelAxes: number[]): T {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(values, pixelAxes, true);
    return tf.div(tf.sub(values, mean), tf.maximum(tf.sqrt(variance), 1e-6)) as T;
  });
}

export interface LowRankPixelRepresentation extends PixelRepresentation {
  readonly kind: 'low-rank';
  /** r, the number of eigen-images kept. */
  readonly rank: number;
  /** Estimated singular values of P (as a pixels x N*C matrix), all k computed, descending. */
  readonly singularValues: Float64Array;
  /** Cumulative explained-variance fraction after 1, 2, ..., k components. */
  readonly cumulativeVariance: Float64Array;
  readonly stats: {
    /** Passes over the training images. */
    readonly passes: number;
    readonly imagesRead: number;
    /** Largest tfjs memory in use during the computation, above what was in use before it. */
    readonly peakTensorBytes: number;
    /** float64 work arrays held in JavaScript (sketch and basis), bytes. */
    readonly workingBytes: number;
  };
}

export interface ExactOptions extends RepresentationOptions {
  /** Images read at once from a lazy set. Default 64. */
  readonly batchSize?: number;
  /** Refuse to build a P larger than this (bytes). Default 2 GiB: use lowRankPixelRepresentation beyond. */
  readonly maxBytes?: number;
}

export interface LowRankOptions extends RepresentationOptions {
  /** Keep exactly this many eigen-images. Default: chosen by varianceTarget. */
  readonly rank?: number;
  /** Without rank: the smallest r whose explained variance reaches this. Default 0.99. */
  readonly varianceTarget?: number;
  /** Without rank: the most eigen-images to consider. Default 64. */
  readonly maxRank?: number;
  /** Extra random directions for accuracy (Halko et al.). Default 10. */
  readonly oversampling?: number;
  /** Power iterations (one pass each) for slowly decaying spectra. Default 2. */
  readonly powerIterations?: number;
  /** Images per batch. Default 64. */
  readonly batchSize?: number;
  readonly seed?: number;
  /**
   * 'singular-values' (default): eigen-image i is scaled by sigma_i, i.e. P
   * projected on its top-r right singular vectors, so a convolution over it
   * behaves like one over P. 'orthonormal': unit-norm eigen-images.
   */
  readonly scaling?: 'singular-values' | 'orthonormal';
}

/** Checks that `split.train` holds valid, distinct training images only, and returns it. */
export function checkTrainingImages(set: ImageSet, split: TrainingSplit): readonly number[] {
  const count = imageCount(set);
  const { train } = split;
  if (train.length === 0)
    throw new DataError('the pixel representation needs at least one training image');
  const seen = new Set<number>();
  for (const index of train) {
    if (!Number.isInteger(index) || index < 0 || index >= count) {
      throw new DataError(
        `training index ${index} is outside the set's ${count} images`,
        String(index),
      );
    }
    if (seen.has(index))
      throw new DataError(`training image ${set.ids[index]} is listed twice`, set.ids[index]);
    seen.add(index);
  }
  const forbidden: [string, readonly number[] | undefined][] = [
    ['validation', split.validation],
    ['test', split.test],
  ];
  for (const [name, indices] of forbidden) {
    for (const index of indices ?? []) {
      if (seen.has(index)) {
        throw new DataError(
          `${name} image '${set.ids[index]}' (index ${index}) is among the training images of the pixel representation; it may only be built from training images`,
          set.ids[index],
        );
      }
    }
  }
  if (set.splits !== undefined) {
    for (const index of train) {
      if (set.splits[index] === 'test') {
        throw new DataError(
          `test image '${set.ids[index]}' (index ${index}, split column 'test') is among the training images of the pixel representation`,
          set.ids[index],
        );
      }
    }
  }
  return train;
}

/** Bytes of the exact P for `n` training images of this set. */
export function exactPixelRepresentationBytes(set: ImageSet, n: number): number {
  const [height, width, channels] = imageShape(set);
  return height * width * channels * n * 4;
}

/**
 * The exact pixel representation P = [1, H, W, N*C] of the training images
 * (`split.train`, in that order). Validation and test images named in
 * `split`, or marked 'test' by the set's split column, must not be among them.
 */
export async function pixelRepresentation(
  set: ImageSet,
  split: TrainingSplit,
  options: ExactOptions = {},
): Promise<PixelRepresentation> {
  const train = checkTrainingImages(set, split);
  const [height, width, channels] = imageShape(set);
  const bytes = exactPixelRepresentationBytes(set, train.length);
  const maxBytes = options.maxBytes ?? 2 ** 31;
  if (bytes > maxBytes) {
    throw new DataError(
      `the exact pixel representation of ${train.length} images of ${height}x${width}x${channels} takes ${(bytes / 2 ** 30).toFixed(2)} GiB (limit ${(maxBytes / 2 ** 30).toFixed(2)} GiB); use lowRankPixelRepresentation, whose memory does not grow with N`,
      String(bytes),
    );
  }
  const channelsOut = train.length * channels;
  const ids = train.map((index) => set.ids[index]!);
  const standardize = options.standardize ?? true;
  const result = (pixels: tf.Tensor4D): PixelRepresentation => ({
    kind: 'exact',
    pixels,
    ids,
    channelsPerImage: channels,
    explainedVariance: 1,
    standardized: standardize,
  });
  if (!isLazyImages(set.images)) {
    const images = set.images;
    return result(
      tf.tidy(() => {
        const gathered = tf.gather(images, tf.tensor1d(Int32Array.from(train), 'int32'));
        const chosen = standardize ? standardizeOverPixels(gathered, [1, 2]) : gathered;
        // [N, H, W, C] -> [H, W, N, C] -> [1, H, W, N*C]: image-major channels.
        return tf.reshape(tf.transpose(chosen, [1, 2, 0, 3]), [1, height, width, channelsOut]);
      }),
    );
  }
  const out = new Float32Array(height * width * channelsOut);
  const batchSize = options.batchSize ?? 64;
  for (let start = 0; start < train.length; start += batchSize) {
    const batch = train.slice(start, start + batchSize);
    for (let b = 0; b < batch.length; b++) {
      const read = await set.images.readPixels(batch[b]!);
      const pixels = standardize
        ? tf.tidy(() =>
            standardizeOverPixels(tf.tensor2d(read, [height * width, channels]), [0]).dataSync(),
          )
        : read;
      const n = start + b;
      for (let p = 0; p < height * width; p++) {
        for (let c = 0; c < channels; c++)
          out[p * channelsOut + n * channels + c] = pixels[p * channels + c]!;
      }
    }
  }
  return result(tf.tensor4d(out, [1, height, width, channelsOut], 'float32'));
}

/**
 * The top-r principal eigen-images of P (P as a pixels x N*C matrix of the
 * images, standardised per channel unless `standardize: false`, and not
 * centred across images, so that a convolution over P is approximated), from a streaming
 * randomized SVD (Halko, Martinsson & Tropp 2011, with power iterations and a
 * Rayleigh-Ritz step). It reads the training images in batches, 2 +
 * powerIterations times; memory is O(k*H*W) for k = r + oversampling,
 * whatever the number of images. Returns [1, H, W, r] and the fraction of P's
 * energy the r components keep.
 */
export async function lowRankPixelRepresentation(
  set: ImageSet,
  split: TrainingSplit,
  options: LowRankOptions = {},
): Promise<LowRankPixelRepresentation> {
  const train = checkTrainingImages(set, split);
  const [height, width, channels] = imageShape(set);
  const pixelsPerImage = height * width;
  const columns = train.length * channels;
  const oversampling = options.oversampling ?? 10;
  const powerIterations = options.powerIterations ?? 2;
  const batchSize = options.batchSize ?? 64;
  const seed = options.seed ?? 0;
  const varianceTarget = options.varianceTarget ?? 0.99;
  const standardize = options.standardize ?? true;
  if (options.rank !== undefined && !(Number.isInteger(options.rank) && options.rank >= 1)) {
    throw new DataError(
      `rank must be a positive integer, got ${options.rank}`,
      String(options.rank),
    );
  }
  if (!(varianceTarget > 0 && varianceTarget <= 1)) {
    throw new DataError(
      `varianceTarget must be in (0, 1], got ${varianceTarget}`,
      String(varianceTarget),
    );
  }
  for (const [name, value, min] of [
    ['oversampling', oversampling, 0],
    ['powerIterations', powerIterations, 0],
    ['batchSize', batchSize, 1],
    ['maxRank', options.maxRank ?? 64, 1],
  ] as const) {
    if (!Number.isInteger(value) || value < min) {
      throw new DataError(`${name} must be an integer >= ${min}, got ${value}`, String(value));
    }
  }
  const wanted = options.rank ?? options.maxRank ?? 64;
  const maxComponents = Math.min(pixelsPerImage, columns);
  const k = Math.min(wanted + oversampling, maxComponents);

  const baseline = tf.memory().numBytes;
  let peak = 0;
  const sample = (): void => {
    peak = Math.max(peak, tf.memory().numBytes - baseline);
  };
  let imagesRead = 0;
  let energy = 0;

  // One pass: for each batch A_b (its image-channels as rows, [b*C, H*W]),
  // `visit` adds its contribution to the accumulator [H*W, k].
  const pass = async (
    visit: (rows: tf.Tensor2D, firstColumn: number) => tf.Tensor2D,
    countEnergy: boolean,
  ): Promise<tf.Tensor2D> => {
    let accumulator: tf.Tensor2D = tf.zeros([pixelsPerImage, k]);
    for (let start = 0; start < train.length; start += batchSize) {
      const indices = train.slice(start, start + batchSize);
      const batch = await readImages(set, indices);
      imagesRead += indices.length;
      sample();
      // Grey images are already rows: a reshape, not a transpose (which the cpu
      // backend does element by element through generic index arithmetic).
      const rows = tf.tidy(() => {
        const stacked = tf.reshape(channels === 1 ? batch : tf.transpose(batch, [0, 3, 1, 2]), [
          indices.length * channels,
          pixelsPerImage,
        ]) as tf.Tensor2D;
        return standardize ? standardizeOverPixels(stacked, [1]) : stacked;
      });
      batch.dispose();
      if (countEnergy) {
        const sumSquares = tf.tidy(() => tf.sum(tf.square(rows)));
        energy += (await sumSquares.data())[0]!;
        sumSquares.dispose();
      }
      const contribution = visit(rows, start * channels);
      sample();
      const next = tf.add(accumulator, contribution) as tf.Tensor2D;
      sample();
      accumulator.dispose();
      contribution.dispose();
      rows.dispose();
      accumulator = next;
    }
    return accumulator;
  };

  // Row j of the Gaussian test matrix depends only on (seed, j): the sketch does
  // not depend on the batch size and is never stored whole.
  const gaussianRows = (first: number, count: number): tf.Tensor2D => {
    const values = new Float32Array(count * k);
    for (let row = 0; row < count; row++) {
      const random = new Random(hashSeed(seed, first + row));
      for (let j = 0; j < k; j++) values[row * k + j] = random.normal();
    }
    return tf.tensor2d(values, [count, k]);
  };

  const orthonormalize = async (y: tf.Tensor2D): Promise<tf.Tensor2D> => {
    const rowMajor = await y.data();
    const columnMajor = new Float64Array(pixelsPerImage * k);
    for (let i = 0; i < pixelsPerImage; i++) {
      for (let j = 0; j < k; j++) columnMajor[j * pixelsPerImage + i] = rowMajor[i * k + j]!;
    }
    orthonormalizeColumns(columnMajor, pixelsPerImage, k);
    const q = new Float32Array(pixelsPerImage * k);
    for (let i = 0; i < pixelsPerImage; i++) {
      for (let j = 0; j < k; j++) q[i * k + j] = columnMajor[j * pixelsPerImage + i]!;
    }
    return tf.tensor2d(q, [pixelsPerImage, k]);
  };

  // Sketch: Y = A * Omega.
  let y = await pass((rows, first) => {
    return tf.tidy(() => tf.matMul(rows, gaussianRows(first, rows.shape[0]), true, false));
  }, true);
  let passes = 1;
  let q = await orthonormalize(y);
  y.dispose();
  // Power iterations, then one more pass for the Rayleigh-Ritz step: Y = A A^T Q.
  for (let iteration = 0; iteration <= powerIterations; iteration++) {
    const basis = q;
    y = await pass(
      (rows) => tf.tidy(() => tf.matMul(rows, tf.matMul(rows, basis), true, false)),
      false,
    );
    passes++;
    sample();
    if (iteration < powerIterations) {
      q.dispose();
      q = await orthonormalize(y);
      y.dispose();
    }
  }
  // G = Q^T A A^T Q (k x k); its eigenpairs give sigma^2 and U = Q W.
  const gram = tf.tidy(() => tf.matMul(q, y, true, false));
  const gramValues = await gram.data();
  gram.dispose();
  y.dispose();
  const symmetric = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++)
      symmetric[i * k + j] = 0.5 * (gramValues[i * k + j]! + gramValues[j * k + i]!);
  }
  const { values, vectors } = symmetricEigen(symmetric, k);
  const singularValues = Float64Array.from(values, (value) => Math.sqrt(Math.max(0, value)));
  const cumulativeVariance = new Float64Array(k);
  let running = 0;
  for (let i = 0; i < k; i++) {
    running += Math.max(0, values[i]!);
    cumulativeVariance[i] = energy > 0 ? Math.min(1, running / energy) : 1;
  }
  let rank: number;
  if (options.rank !== undefined) {
    rank = Math.min(options.rank, k);
  } else {
    const limit = Math.min(wanted, k);
    rank = limit;
    for (let i = 0; i < limit; i++) {
      if (cumulativeVariance[i]! >= varianceTarget) {
        rank = i + 1;
        break;
      }
    }
  }
  // Deterministic signs: each eigen-image sums to a non-negative value.
  const qValues = await q.data();
  const mixing = new Float32Array(k * rank);
  for (let c = 0; c < rank; c++) {
    let total = 0;
    for (let i = 0; i < pixelsPerImage; i++) {
      let dot = 0;
      for (let j = 0; j < k; j++) dot += qValues[i * k + j]! * vectors[j * k + c]!;
      total += dot;
    }
    const sign = total < 0 ? -1 : 1;
    const scale = options.scaling === 'orthonormal' ? 1 : singularValues[c]!;
    for (let j = 0; j < k; j++) mixing[j * rank + c] = sign * scale * vectors[j * k + c]!;
  }
  const pixels = tf.tidy(() =>
    tf.reshape(tf.matMul(q, tf.tensor2d(mixing, [k, rank])), [1, height, width, rank]),
  ) as tf.Tensor4D;
  sample();
  q.dispose();
  return {
    kind: 'low-rank',
    pixels,
    ids: train.map((index) => set.ids[index]!),
    channelsPerImage: channels,
    explainedVariance: cumulativeVariance[rank - 1]!,
    standardized: standardize,
    rank,
    singularValues,
    cumulativeVariance,
    stats: {
      passes,
      imagesRead,
      peakTensorBytes: peak,
      workingBytes: 2 * pixelsPerImage * k * 8,
    },
  };
}
