// Images decoded only when read, with a bounded least-recently-used cache, so
// that sets larger than memory can be trained on and streamed through.
import * as tf from '@tensorflow/tfjs-core';
import { mapLimit } from '../concurrency.js';
import { DataError } from '../errors.js';
import type { LazyImages } from '../types.js';

/** Default cache budget: 512 MiB of preprocessed pixels. */
export const DEFAULT_CACHE_BYTES = 512 * 1024 * 1024;

export interface LazyImagesOptions {
  /** Images kept in the cache. Default: as many as fit in 512 MiB. 0 disables caching. */
  readonly cacheSize?: number;
  /** Images decoded at once by `read`. Default 4. */
  readonly concurrency?: number;
  /** Names images in errors (e.g. their file). */
  readonly nameOf?: (index: number) => string;
}

class LazyImageSource implements LazyImages {
  readonly lazy = true as const;
  private readonly entries = new Map<number, Float32Array>();
  private readonly pending = new Map<number, Promise<Float32Array>>();
  private readonly capacity: number;
  private readonly concurrency: number;
  private hits = 0;
  private misses = 0;

  constructor(
    readonly count: number,
    readonly shape: readonly [number, number, number],
    private readonly load: (index: number) => Promise<Float32Array>,
    private readonly options: LazyImagesOptions,
  ) {
    const bytes = shape[0] * shape[1] * shape[2] * 4;
    this.capacity = options.cacheSize ?? Math.max(1, Math.floor(DEFAULT_CACHE_BYTES / bytes));
    if (!Number.isInteger(this.capacity) || this.capacity < 0) {
      throw new DataError(
        `cacheSize must be a non-negative integer, got ${String(options.cacheSize)}`,
      );
    }
    this.concurrency = options.concurrency ?? 4;
  }

  get cache(): LazyImages['cache'] {
    return {
      capacity: this.capacity,
      size: this.entries.size,
      hits: this.hits,
      misses: this.misses,
    };
  }

  async readPixels(index: number): Promise<Float32Array> {
    if (!Number.isInteger(index) || index < 0 || index >= this.count) {
      throw new DataError(`image index ${index} is outside [0, ${this.count})`, String(index));
    }
    const cached = this.entries.get(index);
    if (cached !== undefined) {
      this.hits++;
      // Re-insert: a Map iterates in insertion order, so the first key is the least recent.
      this.entries.delete(index);
      this.entries.set(index, cached);
      return cached;
    }
    const inFlight = this.pending.get(index);
    if (inFlight !== undefined) return inFlight;
    this.misses++;
    const promise = this.load(index).then((pixels) => {
      const expected = this.shape[0] * this.shape[1] * this.shape[2];
      if (pixels.length !== expected) {
        const name = this.options.nameOf?.(index) ?? `image ${index}`;
        throw new DataError(
          `${name} now has ${pixels.length} values after preprocessing, expected ${this.shape.join('x')} (was the file changed?)`,
          name,
        );
      }
      if (this.capacity > 0) {
        this.entries.set(index, pixels);
        while (this.entries.size > this.capacity)
          this.entries.delete(this.entries.keys().next().value!);
      }
      return pixels;
    });
    this.pending.set(index, promise);
    try {
      return await promise;
    } finally {
      this.pending.delete(index);
    }
  }

  async read(indices: readonly number[]): Promise<tf.Tensor4D> {
    const [height, width, channels] = this.shape;
    const length = height * width * channels;
    const out = new Float32Array(indices.length * length);
    await mapLimit(indices, this.concurrency, async (index, position) => {
      out.set(await this.readPixels(index), position * length);
    });
    return tf.tensor4d(out, [indices.length, height, width, channels], 'float32');
  }
}

/**
 * Wraps a loader of preprocessed pixels (HWC float32 of `shape`) as
 * `LazyImages` with a bounded LRU cache.
 */
export function lazyImages(
  count: number,
  shape: readonly [number, number, number],
  load: (index: number) => Promise<Float32Array>,
  options: LazyImagesOptions = {},
): LazyImages {
  return new LazyImageSource(count, shape, load, options);
}
