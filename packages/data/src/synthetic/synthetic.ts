// A seeded synthetic structured dataset where global spatial attention
// matters: every image shares one layout (a smooth "organ"), with per-image
// noise, +-2 px shifts and brightness jitter; the class shows only as a subtle
// oriented texture inside a fixed disk (~10% of the image), while strong
// distracting textures, centred outside the disk, appear elsewhere.
import * as tf from '@tensorflow/tfjs-core';
import { DataError } from '../errors.js';
import { makeImageSet } from '../images/image-set.js';
import { lazyImages } from '../images/lazy-images.js';
import { Random, hashSeed } from '../random.js';
import type { ImageSet } from '../types.js';

export interface SyntheticOptions {
  /** Number of images. Default 200. */
  readonly count?: number;
  /** Side in pixels (square images). Default 64. */
  readonly size?: number;
  /** Number of classes (texture orientations spread over 180 degrees). Default 2. */
  readonly classes?: number;
  /** 1 (grey, default) or 3 (a fixed tint, same information in each channel). */
  readonly channels?: 1 | 3;
  /**
   * 0 (easy) to 1 (hard): lowers the class texture's contrast (0.10 -> 0.025)
   * and raises the noise (sigma 0.02 -> 0.10) and distractor strength. Default 0.5.
   */
  readonly difficulty?: number;
  /** Area of the evidence disk as a fraction of the image. Default 0.1. */
  readonly regionFraction?: number;
  /** Distracting texture patches per image. Default 3. */
  readonly distractors?: number;
  readonly seed?: number;
  /** Generate images when read (bounded cache) instead of holding them all. */
  readonly lazy?: boolean | { readonly cacheSize?: number };
}

/** The disk that holds the class evidence, in pixels. */
export interface SyntheticRegion {
  readonly centerX: number;
  readonly centerY: number;
  readonly radius: number;
}

/** An ImageSet whose images are generated, with the true evidence region. */
export interface SyntheticImageSet extends ImageSet {
  /** [H * W], 1 inside the evidence disk, 0 outside (row-major). */
  readonly mask: Float32Array;
  readonly region: SyntheticRegion;
}

export interface ResolvedSyntheticOptions {
  count: number;
  size: number;
  classes: number;
  channels: 1 | 3;
  difficulty: number;
  regionFraction: number;
  distractors: number;
  seed: number;
}

const SHIFT = 2;
const DISTRACTOR_SIGMA = 0.07;
const TINT = [
  [1, 0],
  [0.85, 0.05],
  [0.7, 0.1],
] as const;

/** Options with their defaults, checked. */
export function resolveSyntheticOptions(options: SyntheticOptions): ResolvedSyntheticOptions {
  const resolved: ResolvedSyntheticOptions = {
    count: options.count ?? 200,
    size: options.size ?? 64,
    classes: options.classes ?? 2,
    channels: options.channels ?? 1,
    difficulty: options.difficulty ?? 0.5,
    regionFraction: options.regionFraction ?? 0.1,
    distractors: options.distractors ?? 3,
    seed: options.seed ?? 0,
  };
  const { count, size, classes, channels, difficulty, regionFraction, distractors } = resolved;
  const bad = (name: string, value: unknown, rule: string): never => {
    throw new DataError(
      `synthetic dataset: ${name} must be ${rule}, got ${String(value)}`,
      String(value),
    );
  };
  if (!Number.isInteger(count) || count < 1) bad('count', count, 'a positive integer');
  if (!Number.isInteger(size) || size < 16) bad('size', size, 'an integer >= 16');
  if (!Number.isInteger(classes) || classes < 2) bad('classes', classes, 'an integer >= 2');
  if (count < classes) bad('count', count, `at least the number of classes (${classes})`);
  if (channels !== 1 && channels !== 3) bad('channels', channels, '1 or 3');
  if (!(difficulty >= 0 && difficulty <= 1)) bad('difficulty', difficulty, 'in [0, 1]');
  if (!(regionFraction > 0 && regionFraction <= 0.3))
    bad('regionFraction', regionFraction, 'in (0, 0.3]');
  if (!Number.isInteger(distractors) || distractors < 0)
    bad('distractors', distractors, 'a non-negative integer');
  return resolved;
}

/** The evidence disk for an image side and area fraction. */
export function syntheticRegion(size: number, regionFraction = 0.1): SyntheticRegion {
  return {
    centerX: 0.62 * size,
    centerY: 0.58 * size,
    radius: Math.sqrt(regionFraction / Math.PI) * size,
  };
}

/** Class names: the texture orientation of each class. */
export function syntheticClassNames(classes: number): string[] {
  return Array.from({ length: classes }, (_, c) => `texture-${Math.round((180 * c) / classes)}deg`);
}

/** The random choices behind one synthetic image. */
export interface SyntheticPlan {
  readonly shiftX: number;
  readonly shiftY: number;
  readonly gain: number;
  readonly offset: number;
  readonly phase: number;
  readonly distractors: readonly {
    x: number;
    y: number;
    angle: number;
    phase: number;
    strength: number;
  }[];
}

/** Renders the synthetic images; exported for tests, not part of the public API. */
export class SyntheticGenerator {
  private readonly background: Float32Array; // (size + 2*SHIFT)^2, shared layout
  private readonly padded: number;
  readonly region: SyntheticRegion;
  readonly labels: Int32Array;

  private readonly o: ResolvedSyntheticOptions;

  constructor(options: SyntheticOptions) {
    const o = resolveSyntheticOptions(options);
    this.o = o;
    const { size, count, classes, seed } = o;
    this.region = syntheticRegion(size, o.regionFraction);
    this.padded = size + 2 * SHIFT;
    this.background = new Float32Array(this.padded * this.padded);
    for (let y = 0; y < this.padded; y++) {
      for (let x = 0; x < this.padded; x++) {
        const u = (x - SHIFT + 0.5) / size;
        const v = (y - SHIFT + 0.5) / size;
        const organ = 0.42 * Math.exp(-(((u - 0.5) / 0.34) ** 2 + ((v - 0.52) / 0.4) ** 2));
        const chamber = -0.12 * Math.exp(-(((u - 0.36) / 0.1) ** 2 + ((v - 0.44) / 0.16) ** 2));
        const ripple = 0.05 * Math.sin(2 * Math.PI * (1.3 * u + 0.7 * v));
        this.background[y * this.padded + x] = 0.18 + organ + chamber + ripple;
      }
    }
    // Balanced classes in a seeded order.
    const order = new Random(hashSeed(seed, 0x1abe1)).shuffle(
      Array.from({ length: count }, (_, i) => i),
    );
    this.labels = new Int32Array(count);
    order.forEach((slot, i) => (this.labels[slot] = i % classes));
  }

  /** The random choices for image `index`, and the generator that then draws its noise. */
  plan(index: number): { plan: SyntheticPlan; random: Random } {
    const { size, classes, distractors } = this.o;
    const random = new Random(hashSeed(this.o.seed, index, 0x5eed));
    const shiftX = random.int(2 * SHIFT + 1) - SHIFT;
    const shiftY = random.int(2 * SHIFT + 1) - SHIFT;
    const gain = 1 + random.uniform(-0.15, 0.15);
    const offset = random.uniform(-0.05, 0.05);
    const phase = random.uniform(0, 2 * Math.PI);
    const { centerX, centerY, radius } = this.region;
    const sigma = DISTRACTOR_SIGMA * size;
    const patches: SyntheticPlan['distractors'][number][] = [];
    for (let d = 0; d < distractors; d++) {
      let x = 0;
      let y = 0;
      do {
        x = random.uniform(0.1, 0.9) * size;
        y = random.uniform(0.1, 0.9) * size;
      } while (Math.hypot(x - centerX, y - centerY) <= radius + 0.5 * sigma);
      patches.push({
        x,
        y,
        angle: (Math.PI * random.int(classes)) / classes + random.uniform(-0.1, 0.1),
        phase: random.uniform(0, 2 * Math.PI),
        strength: random.uniform(0.8, 1.2),
      });
    }
    return { plan: { shiftX, shiftY, gain, offset, phase, distractors: patches }, random };
  }

  /**
   * Image `index` as [size, size, channels] values in [0, 1], quantised to
   * 1/255 as a PNG holds them. `label` overrides its class (tests use it to
   * show that the class changes pixels inside the disk only).
   */
  image(index: number, label = this.labels[index]!): Float32Array {
    const { size, classes, channels, difficulty } = this.o;
    const { plan, random } = this.plan(index);
    const { shiftX: dx, shiftY: dy } = plan;
    const evidence = 0.1 * (1 - 0.75 * difficulty);
    const noise = 0.02 + 0.08 * difficulty;
    const distraction = 0.16 + 0.08 * difficulty;
    const wavelength = Math.max(4, size / 10);
    const grey = new Float32Array(size * size);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        grey[y * size + x] = this.background[(y + SHIFT - dy) * this.padded + (x + SHIFT - dx)]!;
      }
    }
    const grating = (x: number, y: number, angle: number, phase: number): number =>
      Math.sin((2 * Math.PI * (x * Math.cos(angle) + y * Math.sin(angle))) / wavelength + phase);

    // Class evidence: strictly inside the disk wherever the shift moves it.
    const { centerX, centerY, radius } = this.region;
    const angle = (Math.PI * label) / classes;
    const inner = radius - Math.SQRT2 * SHIFT;
    for (let y = Math.floor(centerY - radius); y <= Math.ceil(centerY + radius); y++) {
      for (let x = Math.floor(centerX - radius); x <= Math.ceil(centerX + radius); x++) {
        const sx = x + dx;
        const sy = y + dy;
        if (sx < 0 || sy < 0 || sx >= size || sy >= size) continue;
        const r = Math.hypot(x + 0.5 - centerX, y + 0.5 - centerY);
        const window = r >= inner ? 0 : r <= inner - 2 ? 1 : (inner - r) / 2;
        if (window > 0)
          grey[sy * size + sx]! += evidence * window * grating(sx, sy, angle, plan.phase);
      }
    }
    // Distractors: strong textures of any class's orientation, centred outside the disk.
    const sigma = DISTRACTOR_SIGMA * size;
    const reach = Math.ceil(3 * sigma);
    for (const patch of plan.distractors) {
      const strength = distraction * patch.strength;
      for (
        let y = Math.max(0, Math.floor(patch.y - reach));
        y < Math.min(size, Math.ceil(patch.y + reach));
        y++
      ) {
        for (
          let x = Math.max(0, Math.floor(patch.x - reach));
          x < Math.min(size, Math.ceil(patch.x + reach));
          x++
        ) {
          const envelope = Math.exp(
            -((x + 0.5 - patch.x) ** 2 + (y + 0.5 - patch.y) ** 2) / (2 * sigma * sigma),
          );
          grey[y * size + x]! += strength * envelope * grating(x, y, patch.angle, patch.phase);
        }
      }
    }
    const out = new Float32Array(size * size * channels);
    for (let p = 0; p < size * size; p++) {
      const value = (grey[p]! + noise * random.normal()) * plan.gain + plan.offset;
      for (let c = 0; c < channels; c++) {
        const [scale, shift] = channels === 1 ? TINT[0] : TINT[c]!;
        const tinted = Math.min(1, Math.max(0, value * scale + shift));
        out[p * channels + c] = Math.round(tinted * 255) / 255;
      }
    }
    return out;
  }

  mask(): Float32Array {
    const { size } = this.o;
    const { centerX, centerY, radius } = this.region;
    const mask = new Float32Array(size * size);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        mask[y * size + x] = Math.hypot(x + 0.5 - centerX, y + 0.5 - centerY) <= radius ? 1 : 0;
      }
    }
    return mask;
  }
}

/** The id (and file name) of image `index` of `count`. */
export const syntheticImageId = (index: number, count: number): string =>
  `img-${String(index).padStart(Math.max(4, String(count - 1).length), '0')}.png`;

/**
 * Generates the synthetic set: images (a tensor, or lazy), balanced labels,
 * ids `img-0000.png` ..., the evidence `mask` and `region`. The same options
 * give the same pixels, and the same pixels as `writeSyntheticDataset` writes.
 */
export function generateSyntheticDataset(options: SyntheticOptions = {}): SyntheticImageSet {
  const o = resolveSyntheticOptions(options);
  const generator = new SyntheticGenerator(options);
  const { count, size, channels } = o;
  const ids = Array.from({ length: count }, (_, i) => syntheticImageId(i, count));
  let images: ImageSet['images'];
  if (options.lazy) {
    const cacheSize = typeof options.lazy === 'object' ? options.lazy.cacheSize : undefined;
    images = lazyImages(count, [size, size, channels], (i) => Promise.resolve(generator.image(i)), {
      ...(cacheSize === undefined ? {} : { cacheSize }),
      nameOf: (i) => ids[i]!,
    });
  } else {
    const length = size * size * channels;
    const buffer = new Float32Array(count * length);
    for (let i = 0; i < count; i++) buffer.set(generator.image(i), i * length);
    images = tf.tensor4d(buffer, [count, size, size, channels], 'float32');
  }
  const set = makeImageSet({
    images,
    labels: generator.labels,
    classNames: syntheticClassNames(o.classes),
    ids,
    metadata: {
      source: 'synthetic',
      height: size,
      width: size,
      channels,
      details: { ...o, region: generator.region },
    },
  });
  return { ...set, mask: generator.mask(), region: generator.region };
}
