// A seeded, shuffled mini-batch iterator. Lazy sets are decoded as batches
// are read (through their bounded cache), one batch ahead of the consumer.
import * as tf from '@tensorflow/tfjs-core';
import { DataError } from '../errors.js';
import { checkIndices, imageCount, readImages } from '../images/image-set.js';
import { Random, hashSeed } from '../random.js';
import type { ImageSet } from '../types.js';

export interface BatchOptions {
  /** Images per batch. Default 32. */
  readonly batchSize?: number;
  /** Shuffle the order (seeded by seed and epoch). Default true. */
  readonly shuffle?: boolean;
  readonly seed?: number;
  /** Epoch number: each epoch has its own order, the same for the same seed. Default 0. */
  readonly epoch?: number;
  /** Iterate over these images only (e.g. a training fold). Default all. */
  readonly indices?: readonly number[];
  /** Skip a last, smaller batch. Default false. */
  readonly dropRemainder?: boolean;
  /** Labels as one-hot float32 [b, classes] instead of int32 [b]. Default false. */
  readonly oneHot?: boolean;
  /** Read the next batch while the consumer works on this one. Default true. */
  readonly prefetch?: boolean;
}

/** One mini-batch. Its tensors belong to the consumer: dispose them (see disposeBatch). */
export interface Batch {
  /** float32 [b, H, W, C]. */
  readonly images: tf.Tensor4D;
  /** int32 [b], or float32 [b, classes] with oneHot. */
  readonly labels: tf.Tensor1D | tf.Tensor2D;
  /** Indices into the set of the images in this batch. */
  readonly indices: readonly number[];
}

/** Disposes a batch's tensors. */
export function disposeBatch(batch: Batch): void {
  batch.images.dispose();
  batch.labels.dispose();
}

/** The order in which an epoch visits `indices`: a seeded permutation (or as given). */
export function epochOrder(
  indices: readonly number[],
  options: { shuffle?: boolean; seed?: number; epoch?: number } = {},
): number[] {
  const order = [...indices];
  if (options.shuffle ?? true)
    new Random(hashSeed(options.seed ?? 0, options.epoch ?? 0, 0xba7c)).shuffle(order);
  return order;
}

/**
 * Yields the set's images in seeded shuffled mini-batches, one epoch per
 * call. Break out early freely: a prefetched batch is disposed.
 */
export async function* batches(
  set: ImageSet,
  options: BatchOptions = {},
): AsyncGenerator<Batch, void, undefined> {
  const batchSize = options.batchSize ?? 32;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new DataError(
      `batchSize must be a positive integer, got ${batchSize}`,
      String(batchSize),
    );
  }
  const count = imageCount(set);
  const indices = options.indices ?? Array.from({ length: count }, (_, i) => i);
  checkIndices(indices, count);
  const order = epochOrder(indices, options);
  const groups: number[][] = [];
  for (let start = 0; start < order.length; start += batchSize) {
    const group = order.slice(start, start + batchSize);
    if (group.length < batchSize && options.dropRemainder) break;
    groups.push(group);
  }
  const classes = set.classNames.length;
  const load = async (group: number[]): Promise<Batch> => {
    const images = await readImages(set, group);
    const labels = tf.tidy(() => {
      const ints = tf.tensor1d(
        Int32Array.from(group, (i) => set.labels[i]!),
        'int32',
      );
      return options.oneHot ? (tf.cast(tf.oneHot(ints, classes), 'float32') as tf.Tensor2D) : ints;
    });
    return { images, labels, indices: group };
  };
  const prefetch = options.prefetch ?? true;
  let pending: Promise<Batch> | undefined;
  try {
    for (let g = 0; g < groups.length; g++) {
      const current = pending ?? load(groups[g]!);
      pending = undefined;
      const batch = await current;
      if (prefetch && g + 1 < groups.length) {
        pending = load(groups[g + 1]!);
        // Keep an early error for the consumer's next step, not as an unhandled rejection.
        pending.catch(() => undefined);
      }
      yield batch;
    }
  } finally {
    if (pending !== undefined) {
      const unused = await pending.catch(() => undefined);
      if (unused !== undefined) disposeBatch(unused);
    }
  }
}
