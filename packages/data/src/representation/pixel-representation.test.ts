import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@gsa/backends';
import { describeWithBackends } from '@gsa/backends/testing';
import { DataError } from '../errors.js';
import { isLazyImages } from '../images/image-set.js';
import { lazyImages } from '../images/lazy-images.js';
import { Random } from '../random.js';
import { stratifiedHoldout } from '../splits/splits.js';
import { generateSyntheticDataset } from '../synthetic/synthetic.js';
import type { ImageSet, SplitName } from '../types.js';
import { orthonormalizeColumns, symmetricEigen } from './linalg.js';
import { lowRankPixelRepresentation, pixelRepresentation } from './pixel-representation.js';

/** A set from pixels [n][H*W*C], as a tensor or lazy. */
function setFrom(
  pixels: Float32Array[],
  shape: [number, number, number],
  lazy = false,
  labels?: Int32Array,
): ImageSet {
  const n = pixels.length;
  const images = lazy
    ? lazyImages(n, shape, (i) => Promise.resolve(pixels[i]!), { cacheSize: 0 })
    : tf.tensor4d(Float32Array.from(pixels.flatMap((p) => Array.from(p))), [n, ...shape]);
  return {
    images,
    labels: labels ?? Int32Array.from({ length: n }, (_, i) => i % 2),
    classNames: ['a', 'b'],
    ids: Array.from({ length: n }, (_, i) => `img${i}`),
    metadata: { source: 'tensor', height: shape[0], width: shape[1], channels: shape[2] },
  };
}

function dispose(set: ImageSet): void {
  if (!isLazyImages(set.images)) set.images.dispose();
}

const { imul } = Math; // a module-scope alias: global lookups are slow in jest's vm context

/**
 * `count` grey 64x64 images made when read, with a small cache: 16 synthetic
 * images, each copy given its own gain, offset and hashed pixel noise so that
 * no two are alike. The full generator costs ~10 ms an image under jest, too
 * much for the thousands of reads a memory test makes.
 */
function manySyntheticImages(count: number, cacheSize: number): ImageSet {
  const size = 64;
  const length = size * size;
  const base = generateSyntheticDataset({ count: 16, size, seed: 5 });
  const pixels = (base.images as tf.Tensor4D).dataSync();
  (base.images as tf.Tensor4D).dispose();
  const images = lazyImages(
    count,
    [size, size, 1],
    (i) => {
      const from = (i % 16) * length;
      const gain = 0.8 + 0.4 * ((i * 0.6180339887) % 1);
      const offset = 0.05 * ((i * 0.7548776662) % 1);
      const out = new Float32Array(length);
      for (let p = 0; p < length; p++) {
        const noise = (imul(i * length + p, 0x9e3779b1) >>> 0) / 4294967296 - 0.5;
        out[p] = pixels[from + p]! * gain + offset + 0.02 * noise;
      }
      return Promise.resolve(out);
    },
    { cacheSize },
  );
  return {
    images,
    labels: Int32Array.from({ length: count }, (_, i) => i % 2),
    classNames: ['a', 'b'],
    ids: Array.from({ length: count }, (_, i) => `img${i}`),
    metadata: { source: 'synthetic', height: size, width: size, channels: 1 },
  };
}

/** Exact singular values squared of P (pixels x N*C) through its Gram matrix, descending. */
function exactSpectrum(pixels: Float32Array[], channels: number): Float64Array {
  const columns: Float64Array[] = [];
  for (const image of pixels) {
    for (let c = 0; c < channels; c++) {
      columns.push(
        Float64Array.from({ length: image.length / channels }, (_, p) => image[p * channels + c]!),
      );
    }
  }
  const m = columns.length;
  const gram = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      let sum = 0;
      for (let p = 0; p < columns[i]!.length; p++) sum += columns[i]![p]! * columns[j]![p]!;
      gram[i * m + j] = sum;
    }
  }
  return symmetricEigen(gram, m).values;
}

/** Relative error ||P - U U^T P|| / ||P|| with U the low-rank result's orthonormal eigen-images. */
function relativeError(basis: tf.Tensor4D, pixels: Float32Array[], channels: number): number {
  return tf.tidy(() => {
    const [, h, w, r] = basis.shape;
    const u = tf.reshape(basis, [h * w, r]);
    const columns = tf.transpose(
      tf.reshape(
        tf.tensor(Float32Array.from(pixels.flatMap((p) => Array.from(p))), [
          pixels.length,
          h * w,
          channels,
        ]),
        [pixels.length * 1, h * w, channels],
      ),
      [1, 0, 2],
    );
    const p = tf.reshape(columns, [h * w, pixels.length * channels]);
    const residual = tf.sub(p, tf.matMul(u, tf.matMul(u, p, true, false)));
    return Math.sqrt(
      tf.sum(tf.square(residual)).dataSync()[0]! / tf.sum(tf.square(p)).dataSync()[0]!,
    );
  });
}

describe('pixelRepresentation (exact)', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  const random = new Random(3);
  const pixels = Array.from({ length: 10 }, () =>
    Float32Array.from({ length: 6 * 5 * 2 }, () => random.next()),
  );

  it.each([false, true])(
    'stacks the training images as channels, image-major (lazy: %s)',
    async (lazy) => {
      const set = setFrom(pixels, [6, 5, 2], lazy);
      const split = stratifiedHoldout(set.labels, { seed: 1, testFraction: 0.3 });
      const p = await pixelRepresentation(set, split, { standardize: false });
      expect(p.kind).toBe('exact');
      expect(p.standardized).toBe(false);
      expect(p.pixels.shape).toEqual([1, 6, 5, split.train.length * 2]);
      expect(p.ids).toEqual(split.train.map((i) => `img${i}`));
      const values = p.pixels.dataSync();
      const channelsOut = split.train.length * 2;
      const channel = (k: number): number[] =>
        Array.from({ length: 30 }, (_, q) => values[q * channelsOut + k]!);
      split.train.forEach((image, n) => {
        for (let c = 0; c < 2; c++) {
          expect(channel(n * 2 + c)).toEqual(
            Array.from({ length: 30 }, (_, q) => pixels[image]![q * 2 + c]!),
          );
        }
      });
      // No test image is in any channel.
      const test = split.test.flatMap((image) =>
        [0, 1].map((c) => Array.from({ length: 30 }, (_, q) => pixels[image]![q * 2 + c]!).join()),
      );
      for (let k = 0; k < channelsOut; k++) expect(test).not.toContain(channel(k).join());
      p.pixels.dispose();
      dispose(set);
    },
  );

  it.each([false, true])(
    'standardises each image channel over its pixels by default (lazy: %s)',
    async (lazy) => {
      // Image 3's second channel is constant: it becomes zeros, not NaN.
      const withConstant = pixels.map((image, i) =>
        i === 3 ? image.map((value, q) => (q % 2 === 1 ? 0.7 : value)) : image,
      );
      const set = setFrom(withConstant, [6, 5, 2], lazy);
      const train = [1, 3, 4, 8];
      const p = await pixelRepresentation(set, { train });
      expect(p.standardized).toBe(true);
      const values = p.pixels.dataSync();
      train.forEach((image, n) => {
        for (let c = 0; c < 2; c++) {
          const raw = Array.from({ length: 30 }, (_, q) => withConstant[image]![q * 2 + c]!);
          const mean = raw.reduce((sum, value) => sum + value, 0) / 30;
          const std = Math.sqrt(raw.reduce((sum, value) => sum + (value - mean) ** 2, 0) / 30);
          const got = Array.from({ length: 30 }, (_, q) => values[q * 8 + n * 2 + c]!);
          got.forEach((value, q) =>
            expect(value).toBeCloseTo(std > 0 ? (raw[q]! - mean) / std : 0, 4),
          );
          if (image === 3 && c === 1) expect(got.every((value) => value === 0)).toBe(true);
        }
      });
      p.pixels.dispose();
      dispose(set);
    },
  );

  it('refuses validation or test images among the training images, naming them', async () => {
    const set = setFrom(pixels, [6, 5, 2]);
    const error = await pixelRepresentation(set, { train: [0, 1, 2, 7], test: [7, 8] }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(DataError);
    expect((error as DataError).message).toMatch(
      /test image 'img7' \(index 7\) is among the training images/,
    );
    expect((error as DataError).subject).toBe('img7');
    await expect(pixelRepresentation(set, { train: [0, 3], validation: [3] })).rejects.toThrow(
      /validation image 'img3'/,
    );
    const withColumn = {
      ...set,
      splits: pixels.map((_, i): SplitName => (i === 4 ? 'test' : 'train')),
    };
    await expect(pixelRepresentation(withColumn, { train: [0, 4] })).rejects.toThrow(
      /test image 'img4' \(index 4, split column 'test'\)/,
    );
    await expect(
      lowRankPixelRepresentation(withColumn, { train: [0, 4] }, { rank: 1 }),
    ).rejects.toThrow(/test image 'img4'/);
    await expect(pixelRepresentation(set, { train: [] })).rejects.toThrow(
      /at least one training image/,
    );
    await expect(pixelRepresentation(set, { train: [1, 1] })).rejects.toThrow(
      /img1 is listed twice/,
    );
    await expect(pixelRepresentation(set, { train: [0, 1] }, { maxBytes: 100 })).rejects.toThrow(
      /use lowRankPixelRepresentation/,
    );
    dispose(set);
  });
});

describeWithBackends('lowRankPixelRepresentation', () => {
  it('recovers a known spectrum: singular values, explained variance, reconstruction error', async () => {
    // P = U diag(s) V^T for random orthonormal U (64 pixels) and V (40 images).
    const d = 64;
    const m = 40;
    const random = new Random(11);
    const u = Float64Array.from({ length: d * m }, () => random.normal());
    const v = Float64Array.from({ length: m * m }, () => random.normal());
    orthonormalizeColumns(u, d, m);
    orthonormalizeColumns(v, m, m);
    const s = Array.from({ length: m }, (_, i) => 10 * 0.7 ** i);
    const pixels = Array.from({ length: m }, (_, image) =>
      Float32Array.from({ length: d }, (_, p) =>
        s.reduce((sum, value, i) => sum + u[i * d + p]! * value * v[i * m + image]!, 0),
      ),
    );
    const set = setFrom(pixels, [8, 8, 1]);
    const train = Array.from({ length: m }, (_, i) => i);
    const result = await lowRankPixelRepresentation(
      set,
      { train },
      { rank: 5, batchSize: 7, scaling: 'orthonormal', standardize: false },
    );
    const total = s.reduce((sum, value) => sum + value ** 2, 0);
    const kept = s.slice(0, 5).reduce((sum, value) => sum + value ** 2, 0);
    expect(result.rank).toBe(5);
    expect(result.pixels.shape).toEqual([1, 8, 8, 5]);
    expect(result.explainedVariance).toBeCloseTo(kept / total, 4);
    for (let i = 0; i < 5; i++) expect(result.singularValues[i]! / s[i]!).toBeCloseTo(1, 3);
    expect(relativeError(result.pixels, pixels, 1)).toBeCloseTo(
      Math.sqrt((total - kept) / total),
      3,
    );
    const target = await lowRankPixelRepresentation(
      set,
      { train },
      { varianceTarget: 0.95, maxRank: 20, standardize: false },
    );
    let r = 0;
    let cumulative = 0;
    while (cumulative / total < 0.95) cumulative += s[r++]! ** 2;
    expect(target.rank).toBe(r);
    tf.dispose([result.pixels, target.pixels]);
    dispose(set);
  });

  it('matches an exact SVD on synthetic images, and keeps test images out', async () => {
    const synthetic = generateSyntheticDataset({ count: 48, size: 16, seed: 4 });
    const all = await (synthetic.images as tf.Tensor4D).data();
    const split = stratifiedHoldout(synthetic.labels, { seed: 1 });
    const trainPixels = split.train.map((i) =>
      Float32Array.from(all.subarray(i * 256, (i + 1) * 256)),
    );
    const spectrum = exactSpectrum(trainPixels, 1);
    const total = spectrum.reduce((sum, value) => sum + value, 0);
    const lines: string[] = [];
    for (const rank of [2, 8]) {
      const result = await lowRankPixelRepresentation(synthetic, split, {
        rank,
        scaling: 'orthonormal',
        batchSize: 10,
        standardize: false,
      });
      const exact = Math.sqrt(
        spectrum.slice(rank).reduce((sum, value) => sum + Math.max(0, value), 0) / total,
      );
      const measured = relativeError(result.pixels, trainPixels, 1);
      lines.push(
        `r=${rank}: relative error ${measured.toFixed(6)} (exact SVD ${exact.toFixed(6)}), explained ${result.explainedVariance.toFixed(5)}`,
      );
      expect(measured).toBeGreaterThanOrEqual(exact - 1e-5);
      // Randomized (k = r + 10, 2 power iterations) on a flat noise tail: within 1% of optimal.
      expect(measured).toBeLessThanOrEqual(exact * 1.01);
      expect(result.explainedVariance).toBeCloseTo(1 - measured ** 2, 4);
      expect(result.ids).toEqual(split.train.map((i) => synthetic.ids[i]));
      result.pixels.dispose();
    }
    // With as many random directions as columns the sketch spans P: exact.
    const full = await lowRankPixelRepresentation(synthetic, split, {
      rank: 8,
      oversampling: 30,
      scaling: 'orthonormal',
      standardize: false,
    });
    const exact8 = Math.sqrt(
      spectrum.slice(8).reduce((sum, value) => sum + Math.max(0, value), 0) / total,
    );
    const measuredFull = relativeError(full.pixels, trainPixels, 1);
    lines.push(
      `r=8, k=38 (all columns): relative error ${measuredFull.toFixed(6)} (exact SVD ${exact8.toFixed(6)})`,
    );
    expect(measuredFull).toBeCloseTo(exact8, 4);
    full.pixels.dispose();
    console.log(
      `low-rank vs exact SVD (${tf.getBackend()}, ${split.train.length} images of 16x16):\n  ${lines.join('\n  ')}`,
    );
    (synthetic.images as tf.Tensor4D).dispose();
  });
});

describe('lowRankPixelRepresentation of standardised images', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('is the low-rank basis of the images standardised per channel (the exact P it approximates)', async () => {
    const synthetic = generateSyntheticDataset({ count: 30, size: 16, seed: 6 });
    const all = await (synthetic.images as tf.Tensor4D).data();
    const train = Array.from({ length: 24 }, (_, i) => i);
    const standardized = train.map((i) => {
      const image = Float32Array.from(all.subarray(i * 256, (i + 1) * 256));
      const mean = image.reduce((sum, value) => sum + value, 0) / 256;
      const std = Math.sqrt(image.reduce((sum, value) => sum + (value - mean) ** 2, 0) / 256);
      return Float32Array.from(image, (value) => (value - mean) / std);
    });
    const spectrum = exactSpectrum(standardized, 1);
    const total = spectrum.reduce((sum, value) => sum + value, 0);
    const result = await lowRankPixelRepresentation(
      synthetic,
      { train },
      { rank: 6, oversampling: 18, scaling: 'orthonormal' },
    );
    expect(result.standardized).toBe(true);
    const optimal = Math.sqrt(
      spectrum.slice(6).reduce((sum, value) => sum + Math.max(0, value), 0) / total,
    );
    // All 24 columns sketched: the optimal error of the standardised P, not of the raw one.
    expect(relativeError(result.pixels, standardized, 1)).toBeCloseTo(optimal, 4);
    expect(result.explainedVariance).toBeCloseTo(1 - optimal ** 2, 4);
    result.pixels.dispose();
    (synthetic.images as tf.Tensor4D).dispose();
  });
});

describe('lowRankPixelRepresentation memory', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('stays flat as the number of images grows (lazy images, bounded cache)', async () => {
    const peaks: number[] = [];
    for (const count of [100, 1000]) {
      const set = generateSyntheticDataset({ count, size: 16, seed: 2, lazy: { cacheSize: 16 } });
      const train = Array.from({ length: count }, (_, i) => i);
      const before = tf.memory().numTensors;
      const result = await lowRankPixelRepresentation(
        set,
        { train },
        { rank: 4, powerIterations: 1, batchSize: 25 },
      );
      expect(result.stats.passes).toBe(3);
      expect(result.stats.imagesRead).toBe(3 * count);
      expect(result.stats.workingBytes).toBe(2 * 256 * 14 * 8);
      expect(isLazyImages(set.images) && set.images.cache.size).toBeLessThanOrEqual(16);
      peaks.push(result.stats.peakTensorBytes);
      result.pixels.dispose();
      expect(tf.memory().numTensors).toBe(before);
    }
    console.log(
      `low-rank peak tfjs memory: ${peaks.map((bytes) => `${bytes} B`).join(' (N=100), ')} (N=1000)`,
    );
    expect(peaks[1]).toBe(peaks[0]);
  });

  it('keeps peak tfjs memory flat from 1,000 to 4,000 images of 64x64', async () => {
    // Small r, no power iteration and a tiny cache keep this a few seconds on
    // cpu; GSA_SLOW_TESTS=1 runs the issue's full 1,000 vs 20,000 below.
    const runs: { count: number; peak: number; shape: number[] }[] = [];
    for (const count of [1000, 4000]) {
      const set = manySyntheticImages(count, 8);
      const before = tf.memory().numTensors;
      const result = await lowRankPixelRepresentation(
        set,
        { train: Array.from({ length: count }, (_, i) => i) },
        { rank: 2, oversampling: 2, powerIterations: 0, batchSize: 50 },
      );
      expect(result.stats.passes).toBe(2);
      expect(result.stats.imagesRead).toBe(2 * count);
      expect(result.stats.workingBytes).toBe(2 * 64 * 64 * 4 * 8);
      expect(isLazyImages(set.images) && set.images.cache.size).toBeLessThanOrEqual(8);
      runs.push({ count, peak: result.stats.peakTensorBytes, shape: result.pixels.shape });
      result.pixels.dispose();
      expect(tf.memory().numTensors).toBe(before);
    }
    console.log(
      `low-rank peak tfjs memory at 64x64 (r = 2): ${runs.map((run) => `${run.peak} B (N=${run.count})`).join(', ')}`,
    );
    expect(runs[1]!.peak).toBe(runs[0]!.peak);
    expect(runs[1]!.shape).toEqual([1, 64, 64, 2]);
    expect(runs[0]!.shape).toEqual([1, 64, 64, 2]);
    // O(batch * H * W + k * H * W): far below the exact P of even the smaller set.
    expect(runs[0]!.peak).toBeLessThan((1000 * 64 * 64 * 4) / 10);
  });

  it('is seeded and does not depend on the batch size or on lazy loading', async () => {
    const set = generateSyntheticDataset({ count: 30, size: 16, seed: 8 });
    const lazy = generateSyntheticDataset({ count: 30, size: 16, seed: 8, lazy: true });
    const train = Array.from({ length: 30 }, (_, i) => i);
    const a = await lowRankPixelRepresentation(set, { train }, { rank: 3, batchSize: 4, seed: 1 });
    const b = await lowRankPixelRepresentation(
      lazy,
      { train },
      { rank: 3, batchSize: 30, seed: 1 },
    );
    const difference = tf.tidy(() => tf.max(tf.abs(tf.sub(a.pixels, b.pixels))).dataSync()[0]!);
    expect(difference).toBeLessThan(1e-3 * a.singularValues[0]!);
    tf.dispose([a.pixels, b.pixels]);
    (set.images as tf.Tensor4D).dispose();
  });
});

// The issue's claim at full scale: 1,000 vs 20,000 synthetic 64x64 images.
// About a minute on 2 cores, so it runs only with GSA_SLOW_TESTS=1.
const runSlow = process.env.GSA_SLOW_TESTS === '1';
if (!runSlow) {
  console.log(
    'skipping the low-rank memory test at N = 1,000 vs 20,000 (64x64): set GSA_SLOW_TESTS=1 to run it (about a minute)',
  );
}
(runSlow ? describe : describe.skip)(
  'lowRankPixelRepresentation memory at scale (GSA_SLOW_TESTS=1)',
  () => {
    beforeAll(async () => {
      await useBackend('cpu');
    });

    it('keeps peak tfjs memory equal and RSS flat from 1,000 to 20,000 images of 64x64', async () => {
      const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);
      // Peak resident memory of the process so far (ru_maxrss, KiB on Linux): it only grows.
      const peakRss = (): number => process.resourceUsage().maxRSS * 1024;
      const runs: {
        count: number;
        peak: number;
        rss: number;
        seconds: number;
        explained: number;
      }[] = [];
      for (const count of [1000, 20000]) {
        const started = performance.now();
        const set = manySyntheticImages(count, 64);
        const result = await lowRankPixelRepresentation(
          set,
          { train: Array.from({ length: count }, (_, i) => i) },
          { rank: 16, batchSize: 64 },
        );
        expect(result.stats.passes).toBe(4);
        expect(result.stats.imagesRead).toBe(4 * count);
        expect(result.pixels.shape).toEqual([1, 64, 64, 16]);
        runs.push({
          count,
          peak: result.stats.peakTensorBytes,
          rss: peakRss(),
          seconds: (performance.now() - started) / 1000,
          explained: result.explainedVariance,
        });
        result.pixels.dispose();
      }
      const [small, large] = runs as [(typeof runs)[0], (typeof runs)[0]];
      console.log(
        `low-rank at 64x64, r = 16 (cpu):\n  ${runs
          .map(
            (run) =>
              `N=${run.count}: peak tfjs ${run.peak} B, peak RSS ${mib(run.rss)} MiB, ${run.seconds.toFixed(1)} s, explained ${run.explained.toFixed(4)}`,
          )
          .join('\n  ')}\n  exact P at N=20,000 would be ${mib(20000 * 64 * 64 * 4)} MiB`,
      );
      expect(large.peak).toBe(small.peak);
      // Measured: +2 to +11 MiB (167 -> 177, 209 -> 211). The exact P at
      // N = 20,000 alone is 312.5 MiB, and keeping even a quarter of each of the
      // 19,000 extra images (4 KiB each) would add 74 MiB: 64 MiB leaves room
      // for the garbage collector's timing and still catches memory that grows with N.
      expect(large.rss - small.rss).toBeLessThanOrEqual(64 * 2 ** 20);
    });
  },
);
