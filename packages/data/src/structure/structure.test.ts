import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@gsa/backends';
import { Random } from '../random.js';
import type { ImageSet } from '../types.js';
import { Fft2d } from './fft.js';
import { PhaseCorrelator } from './phase-correlation.js';
import { registerTranslations, shiftImage } from './register.js';
import { checkStructure, STRUCTURE_THRESHOLDS } from './structure.js';
import { alignImage, alignImageSet, alignmentReference } from './align.js';
import { readImages } from '../images/image-set.js';
import { moveImages } from '../testing/move-images.js';

const SIZE = 64;

/** A face-like layout (an oval, two eyes, a mouth) at (y - dy, x - dx), plus texture of its own. */
function structuredImage(dy: number, dx: number, random: Random, noise = 0.05): Float32Array {
  const blobs: [number, number, number, number, number][] = [
    // centre y, centre x, radius y, radius x, height
    [32, 32, 20, 15, 1],
    [25, 25, 3, 4, -0.6],
    [25, 39, 3, 4, -0.6],
    [43, 32, 2.5, 7, -0.5],
  ];
  const image = new Float32Array(SIZE * SIZE);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      let value = 0;
      for (const [cy, cx, ry, rx, h] of blobs)
        value += h * Math.exp(-(((y - dy - cy) / ry) ** 2 + ((x - dx - cx) / rx) ** 2) / 2);
      image[y * SIZE + x] = value + noise * (random.next() - 0.5);
    }
  }
  return image;
}

function setOf(images: Float32Array[], labels?: number[]): ImageSet {
  const data = new Float32Array(images.length * SIZE * SIZE);
  images.forEach((image, i) => data.set(image, i * SIZE * SIZE));
  return {
    images: tf.tensor4d(data, [images.length, SIZE, SIZE, 1]),
    labels: Int32Array.from(labels ?? images.map((_, i) => i % 2)),
    classNames: ['a', 'b'],
    ids: images.map((_, i) => `img-${i}`),
    metadata: { source: 'test', height: SIZE, width: SIZE, channels: 1 },
  };
}

describe('Fft2d', () => {
  it('matches the discrete Fourier transform and inverts it', () => {
    const [height, width] = [4, 8];
    const re = Float64Array.from({ length: height * width }, (_, i) => Math.sin(i * 0.7) + (i % 3));
    const original = Float64Array.from(re);
    const im = new Float64Array(height * width);
    const fft = new Fft2d(height, width);
    fft.transform(re, im);
    for (let u = 0; u < height; u++) {
      for (let v = 0; v < width; v++) {
        let [a, b] = [0, 0];
        for (let y = 0; y < height; y++) {
          for (let x = 0; x < width; x++) {
            const t = -2 * Math.PI * ((u * y) / height + (v * x) / width);
            a += original[y * width + x]! * Math.cos(t);
            b += original[y * width + x]! * Math.sin(t);
          }
        }
        expect(re[u * width + v]).toBeCloseTo(a, 10);
        expect(im[u * width + v]).toBeCloseTo(b, 10);
      }
    }
    fft.transform(re, im, true);
    for (let i = 0; i < re.length; i++) expect(re[i]).toBeCloseTo(original[i]!, 12);
    expect(() => new Fft2d(6, 8)).toThrow(/powers of two/);
  });
});

describe('registerTranslations', () => {
  it('registers images to their mean: known shifts of up to 8 px come back within 0.5 px', () => {
    const random = new Random(11);
    const count = 30;
    const truth = Array.from({ length: count }, () => [
      (random.next() - 0.5) * 16,
      (random.next() - 0.5) * 16,
    ]);
    const images = new Float32Array(count * SIZE * SIZE);
    truth.forEach(([dy, dx], i) => images.set(structuredImage(dy!, dx!, random), i * SIZE * SIZE));
    const { shifts } = registerTranslations(images, count, SIZE, 3);
    // Shifts are relative to the mean, which sits at the average shift.
    const average = (axis: number) => truth.reduce((sum, t) => sum + t[axis]!, 0) / count;
    truth.forEach(([dy, dx], i) => {
      expect(Math.abs(shifts[2 * i]! - (dy! - average(0)))).toBeLessThan(0.5);
      expect(Math.abs(shifts[2 * i + 1]! - (dx! - average(1)))).toBeLessThan(0.5);
    });
  });

  it('shifts an image by a subpixel amount, repeating its edges', () => {
    const image = Float32Array.from({ length: 16 }, (_, i) => i); // 4 x 4, value = 4y + x
    const moved = shiftImage(image, 4, 4, 0.5, 1);
    expect(moved[1 * 4 + 2]).toBeCloseTo(4 * 0.5 + 1, 6); // from (0.5, 1)
    expect(moved[0]).toBe(0); // edge repeated
  });
});

describe('PhaseCorrelator', () => {
  it('recovers subpixel translations of a structured image within 0.3 px (large ones: registerTranslations)', () => {
    const random = new Random(1);
    const correlator = new PhaseCorrelator(structuredImage(0, 0, random), SIZE, SIZE);
    for (const [dy, dx] of [
      [0, 0],
      [1, 0],
      [2.5, -1.25],
      [-3.3, 4.7],
    ] as const) {
      const found = correlator.displacement(structuredImage(dy, dx, random));
      expect(Math.abs(found.dy - dy)).toBeLessThan(0.3);
      expect(Math.abs(found.dx - dx)).toBeLessThan(0.3);
    }
  });
});

beforeAll(async () => {
  await useBackend('cpu');
});

describe('checkStructure', () => {
  it('gives the per-pixel mean and standard deviation and the correlation per class', async () => {
    const random = new Random(7);
    const images = Array.from({ length: 12 }, () =>
      structuredImage((random.next() - 0.5) * 4, (random.next() - 0.5) * 4, random),
    );
    const set = setOf(images);
    const check = await checkStructure(set);
    for (const pixel of [0, 1234, SIZE * SIZE - 1]) {
      const values = images.map((image) => image[pixel]!);
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
      expect(check.meanImage[pixel]).toBeCloseTo(mean, 5);
      expect(check.stdImage[pixel]).toBeCloseTo(std, 4);
    }
    expect(check.displacements).toHaveLength(24);
    expect(Object.keys(check.correlation.byClass)).toEqual(['a', 'b']);
    tf.dispose(set.images as tf.Tensor);
  });

  it('calls registered images aligned and the same images moved by up to 16 px not aligned', async () => {
    const random = new Random(3);
    const aligned = setOf(Array.from({ length: 40 }, () => structuredImage(0, 0, random, 0.3)));
    const moved = setOf(
      Array.from({ length: 40 }, () =>
        structuredImage((random.next() - 0.5) * 32, (random.next() - 0.5) * 32, random, 0.3),
      ),
    );
    const first = await checkStructure(aligned);
    expect(first.verdict).toBe('aligned');
    expect(first.shift.p90Fraction).toBeLessThanOrEqual(STRUCTURE_THRESHOLDS.aligned.p90);
    expect(first.correlation.median).toBeGreaterThan(0.9);
    const second = await checkStructure(moved);
    expect(second.verdict).toBe('not aligned');
    expect(second.advice).toMatch(/--align translate/);
    expect(second.correlation.median).toBeLessThan(first.correlation.median);
    tf.dispose([aligned.images as tf.Tensor, moved.images as tf.Tensor]);
  });

  it('measures only the images it is given (the training split)', async () => {
    const random = new Random(5);
    const images = [
      ...Array.from({ length: 10 }, () => structuredImage(0, 0, random)),
      ...Array.from({ length: 30 }, () =>
        structuredImage((random.next() - 0.5) * 32, (random.next() - 0.5) * 32, random),
      ),
    ];
    const set = setOf(images);
    const train = Array.from({ length: 10 }, (_, i) => i);
    const check = await checkStructure(set, { indices: train });
    expect(check.images).toBe(10);
    expect(check.verdict).toBe('aligned');
    expect((await checkStructure(set)).verdict).not.toBe('aligned');
    await expect(checkStructure(set, { indices: [0] })).rejects.toThrow(/at least 2 images/);
    await expect(checkStructure(set, { analysisSize: 48 })).rejects.toThrow(/power of two/);
    tf.dispose(set.images as tf.Tensor);
  });
});

describe('translation alignment', () => {
  it('aligns every image to the registered training mean: known shifts within 0.5 px, the set then aligned', async () => {
    const random = new Random(21);
    const count = 36;
    const truth = Array.from({ length: count }, () => [
      (random.next() - 0.5) * 24,
      (random.next() - 0.5) * 24,
    ]);
    const set = setOf(truth.map(([dy, dx]) => structuredImage(dy!, dx!, random)));
    const train = Array.from({ length: 28 }, (_, i) => i);
    const test = Array.from({ length: 8 }, (_, i) => 28 + i);
    const reference = await alignmentReference(set, train);
    expect(reference).toMatchObject({ method: 'translate', height: SIZE, width: SIZE, grid: 64 });
    // The reference sits at the training images' average shift.
    const average = (axis: number) =>
      train.reduce((sum, i) => sum + truth[i]![axis]!, 0) / train.length;
    const { set: aligned, shifts } = await alignImageSet(set, reference, [...train, ...test]);
    [...train, ...test].forEach((image, i) => {
      expect(Math.abs(shifts[2 * i]! - (truth[image]![0]! - average(0)))).toBeLessThan(0.5);
      expect(Math.abs(shifts[2 * i + 1]! - (truth[image]![1]! - average(1)))).toBeLessThan(0.5);
    });
    expect((await checkStructure(set, { indices: train })).verdict).toBe('not aligned');
    expect((await checkStructure(aligned, { indices: train })).verdict).toBe('aligned');
    // One image at a time (a deployed model's input) moves as it did in the set.
    const first = (await readImages(set, [test[0]!])).dataSync() as Float32Array;
    const single = alignImage(first, reference, 1);
    expect(single.dy).toBeCloseTo(shifts[2 * train.length]!, 4);
    expect(single.dx).toBeCloseTo(shifts[2 * train.length + 1]!, 4);
    const alignedFirst = (await readImages(aligned, [test[0]!])).dataSync();
    expect(Math.max(...single.values.map((v, p) => Math.abs(v - alignedFirst[p]!)))).toBeLessThan(
      1e-5,
    );
    expect(() => alignImage(new Float32Array(10), reference, 1)).toThrow(
      /does not fit the alignment reference/,
    );
    tf.dispose([set.images as tf.Tensor, aligned.images as tf.Tensor]);
  });
});

describe('moveImages (the unaligned copies of @gsa/data/testing)', () => {
  it('moves each image by the move it records; alignment finds the moves again', async () => {
    const random = new Random(9);
    const set = setOf(Array.from({ length: 24 }, () => structuredImage(0, 0, random, 0.02)));
    const unchanged = moveImages(set, { maxShift: 0 });
    expect(Array.from((unchanged.set.images as tf.Tensor).dataSync())).toEqual(
      Array.from((set.images as tf.Tensor).dataSync()),
    );
    const { set: moved, moves } = moveImages(set, { maxShift: 8, seed: 3 });
    expect(moves).toHaveLength(24);
    expect(
      moves.every(([dy, dx, degrees]) => Math.abs(dy) <= 8 && Math.abs(dx) <= 8 && degrees === 0),
    ).toBe(true);
    const all = Array.from({ length: 24 }, (_, i) => i);
    const reference = await alignmentReference(moved, all);
    const { shifts } = await alignImageSet(moved, reference, all);
    const average = (axis: number) =>
      moves.reduce((sum, move) => sum + move[axis]!, 0) / moves.length;
    moves.forEach(([dy, dx], i) => {
      expect(Math.abs(shifts[2 * i]! - (dy - average(0)))).toBeLessThan(0.5);
      expect(Math.abs(shifts[2 * i + 1]! - (dx - average(1)))).toBeLessThan(0.5);
    });
    tf.dispose([
      set.images as tf.Tensor,
      unchanged.set.images as tf.Tensor,
      moved.images as tf.Tensor,
    ]);
  });
});
