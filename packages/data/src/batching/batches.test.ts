import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@gsa/backends';
import { isLazyImages } from '../images/image-set.js';
import { generateSyntheticDataset, type SyntheticImageSet } from '../synthetic/synthetic.js';
import { batches, disposeBatch, epochOrder, type Batch } from './batches.js';

let set: SyntheticImageSet;
beforeAll(async () => {
  await useBackend('cpu');
  set = generateSyntheticDataset({ count: 23, size: 16, seed: 1 });
});
afterAll(() => (set.images as tf.Tensor4D).dispose());

async function collect(iterator: AsyncIterable<Batch>): Promise<number[][]> {
  const seen: number[][] = [];
  for await (const batch of iterator) {
    seen.push([...batch.indices]);
    disposeBatch(batch);
  }
  return seen;
}

describe('batches', () => {
  it('visits every image once per epoch in a seeded shuffled order', async () => {
    const first = await collect(batches(set, { batchSize: 5, seed: 3 }));
    expect(first.map((batch) => batch.length)).toEqual([5, 5, 5, 5, 3]);
    expect(first.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 23 }, (_, i) => i));
    expect(first.flat()).not.toEqual(Array.from({ length: 23 }, (_, i) => i));
    expect(await collect(batches(set, { batchSize: 5, seed: 3 }))).toEqual(first);
    expect((await collect(batches(set, { batchSize: 5, seed: 3, epoch: 1 }))).flat()).not.toEqual(
      first.flat(),
    );
    expect((await collect(batches(set, { batchSize: 5, shuffle: false }))).flat()).toEqual(
      Array.from({ length: 23 }, (_, i) => i),
    );
    expect(epochOrder([4, 5, 6], { shuffle: false })).toEqual([4, 5, 6]);
  });

  it('gives the right images and labels, one-hot if asked, and drops a short batch', async () => {
    const indices = [2, 4, 6, 8, 10, 12, 14];
    for await (const batch of batches(set, {
      batchSize: 3,
      indices,
      oneHot: true,
      dropRemainder: true,
      seed: 1,
    })) {
      expect(batch.images.shape).toEqual([3, 16, 16, 1]);
      expect(batch.labels.shape).toEqual([3, 2]);
      const expected = tf.tidy(() =>
        tf.gather(set.images as tf.Tensor4D, tf.tensor1d(Int32Array.from(batch.indices), 'int32')),
      );
      expect(Array.from(batch.images.dataSync())).toEqual(Array.from(expected.dataSync()));
      const labels = batch.labels.arraySync() as number[][];
      batch.indices.forEach((index, row) => expect(labels[row]![set.labels[index]!]).toBe(1));
      expect(indices).toEqual(expect.arrayContaining([...batch.indices]));
      tf.dispose([expected]);
      disposeBatch(batch);
    }
  });

  it('leaks no tensor, even when the consumer stops early', async () => {
    const before = tf.memory().numTensors;
    await collect(batches(set, { batchSize: 4 }));
    for await (const batch of batches(set, { batchSize: 4 })) {
      disposeBatch(batch);
      break; // a prefetched batch is waiting: it must be disposed
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('decodes lazy sets through a bounded cache', async () => {
    const lazy = generateSyntheticDataset({ count: 40, size: 16, seed: 1, lazy: { cacheSize: 8 } });
    const eager = generateSyntheticDataset({ count: 40, size: 16, seed: 1 });
    for await (const batch of batches(lazy, { batchSize: 16, seed: 2 })) {
      const expected = tf.tidy(() =>
        tf.gather(
          eager.images as tf.Tensor4D,
          tf.tensor1d(Int32Array.from(batch.indices), 'int32'),
        ),
      );
      expect(Array.from(batch.images.dataSync())).toEqual(Array.from(expected.dataSync()));
      expected.dispose();
      disposeBatch(batch);
      if (isLazyImages(lazy.images)) expect(lazy.images.cache.size).toBeLessThanOrEqual(8);
    }
    (eager.images as tf.Tensor4D).dispose();
  });

  it('rejects a bad batch size or index', async () => {
    await expect(collect(batches(set, { batchSize: 0 }))).rejects.toThrow(
      /batchSize must be a positive integer/,
    );
    await expect(collect(batches(set, { indices: [99] }))).rejects.toThrow(
      /index 99 is outside the set's 23 images/,
    );
  });
});
