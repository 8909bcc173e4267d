// Shapes, configs and the errors a user meets first; no numerics, so no backend loop.
import * as tfl from '@tensorflow/tfjs-layers';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@gsa/backends';
import {
  FixedSpatialMap,
  GlobalSpatialAttention,
  GlobalSpatialAttentionGate,
  PixelWeightMap,
} from './index.js';

beforeAll(async () => {
  await useBackend('cpu');
});

describe('GlobalSpatialAttention', () => {
  it('maps a symbolic [1, H, W, D] to [1, H, W, 1] and reports its config', () => {
    const attention = new GlobalSpatialAttention({ channels: 16, name: 'attention' });
    const output = attention.apply(
      tfl.input({ batchShape: [1, 12, 10, 40] }),
    ) as tfl.SymbolicTensor;
    expect(output.shape).toEqual([1, 12, 10, 1]);
    expect(attention.countParams()).toBe(16 * (9 * 40 + 1) + 17);
    expect(attention.getConfig()).toMatchObject({
      name: 'attention',
      channels: 16,
      kernelSize: 3,
      hiddenLayers: 1,
      activation: 'relu',
      initialization: 'pytorch',
      trainable: true,
    });
    expect(attention.getConfig()).not.toHaveProperty('seed');
    expect(attention.weights.map((weight) => weight.originalName)).toEqual([
      'attention/conv1/kernel',
      'attention/conv1/bias',
      'attention/output/kernel',
      'attention/output/bias',
    ]);
  });

  it('refuses a pixel representation with another channel count once built', () => {
    const attention = new GlobalSpatialAttention({ channels: 2 });
    tf.tidy(() => {
      attention.apply(tf.zeros([1, 4, 4, 3]));
    });
    expect(() => attention.apply(tf.zeros([1, 4, 4, 5]))).toThrow();
    expect(() => new GlobalSpatialAttention().pixelCnnWeights()).toThrow('before it is built');
  });
});

describe('GlobalSpatialAttentionGate', () => {
  it('needs P or its channel count, and P of the images size', () => {
    expect(() => new GlobalSpatialAttentionGate({})).toThrow(
      'needs pixels (P) or pixelChannels (D)',
    );
    expect(
      () => new GlobalSpatialAttentionGate({ pixels: tf.zeros([2, 4, 4, 3]) as tf.Tensor4D }),
    ).toThrow('must be [1, H, W, D]');
    expect(() => new GlobalSpatialAttentionGate({ pixelChannels: 3, penalty: -1 })).toThrow(
      'penalty must be a non-negative number',
    );
    const gate = new GlobalSpatialAttentionGate({ pixels: tf.zeros([1, 4, 4, 3]) as tf.Tensor4D });
    expect(() => gate.apply(tfl.input({ shape: [8, 8, 1] }))).toThrow(
      'The pixel representation is 4x4 but the images are 8x8.',
    );
    const output = gate.apply(tfl.input({ shape: [4, 4, 2] })) as tfl.SymbolicTensor;
    expect(output.shape).toEqual([null, 4, 4, 2]);
    // The gate references P but does not own it.
    const pixels = tf.ones([1, 4, 4, 3]) as tf.Tensor4D;
    const owner = new GlobalSpatialAttentionGate({ pixels, channels: 2 });
    tf.dispose(owner.apply(tf.ones([2, 4, 4, 1])) as tf.Tensor);
    owner.dispose();
    expect(pixels.isDisposed).toBe(false);
    pixels.dispose();
  });
});

describe('PixelWeightMap and FixedSpatialMap', () => {
  it('need images of a fixed size that matches the map', () => {
    expect(() => new PixelWeightMap().apply(tfl.input({ shape: [null, null, 3] }))).toThrow(
      'PixelWeightMap needs images of a fixed height and width.',
    );
    const fixed = new FixedSpatialMap({ map: tf.ones([4, 5]) });
    expect([fixed.height, fixed.width]).toEqual([4, 5]);
    expect(() => fixed.apply(tfl.input({ shape: [5, 4, 1] }))).toThrow(
      'FixedSpatialMap holds a 4x5 map but its input is 5x4.',
    );
    expect(() => new FixedSpatialMap({})).toThrow('needs a map, or its height and width');
    expect(() => new FixedSpatialMap({ map: tf.ones([2, 4, 5, 1]) })).toThrow(
      'A spatial map is [H, W], [H, W, 1] or [1, H, W, 1]',
    );
    expect(new FixedSpatialMap({ map: tf.ones([4, 5]) }).getConfig()).toMatchObject({
      height: 4,
      width: 5,
      trainable: false,
    });
  });
});
