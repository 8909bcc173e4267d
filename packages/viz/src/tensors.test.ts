import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@gsa/backends';
import { imageArrayFromTensor, scalarMapFromTensor } from './tensors.js';

beforeAll(async () => {
  await useBackend('cpu');
});

describe('from tensors', () => {
  it('reads maps of shape [h, w], [h, w, 1] and [1, h, w, 1]', async () => {
    for (const shape of [
      [2, 3],
      [2, 3, 1],
      [1, 2, 3, 1],
    ]) {
      const tensor = tf.tidy(() => tf.reshape(tf.range(0, 6), shape));
      const map = await scalarMapFromTensor(tensor);
      expect(map).toEqual({ height: 2, width: 3, values: Float32Array.from([0, 1, 2, 3, 4, 5]) });
      tensor.dispose();
    }
    const wrong = tf.zeros([2, 2, 2]);
    await expect(scalarMapFromTensor(wrong)).rejects.toThrow(/expected a map/);
    wrong.dispose();
  });

  it('reads images of shape [h, w, c] and [1, h, w, c]', async () => {
    const batch = tf.ones([1, 2, 2, 3]);
    expect(await imageArrayFromTensor(batch)).toMatchObject({ height: 2, width: 2, channels: 3 });
    const wrong = tf.ones([2, 2, 2]);
    await expect(imageArrayFromTensor(wrong)).rejects.toThrow(/expected an image/);
    tf.dispose([batch, wrong]);
  });
});
