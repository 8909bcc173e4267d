// Small seeded models and data for the trainer's tests.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { GlobalSpatialAttention, PixelWeightMap } from '@gsa/attention';
import type { AttentionSetup, LabelledImages } from './train-two-phase.js';

export const SIZE = 8;

/** conv 3x3 (4) -> ReLU -> global average pooling -> dense: a position-blind head, as DESIGN.md advises. */
export function tinyBackbone(
  seed: number,
  channels = 1,
  classes = 2,
  batchNorm = false,
): tfl.LayersModel {
  const model = tfl.sequential();
  model.add(
    tfl.layers.conv2d({
      inputShape: [SIZE, SIZE, channels],
      filters: 4,
      kernelSize: 3,
      padding: 'same',
      activation: batchNorm ? 'linear' : 'relu',
      kernelInitializer: tfl.initializers.glorotUniform({ seed }),
    }),
  );
  if (batchNorm) {
    model.add(tfl.layers.batchNormalization({ epsilon: 1e-5, momentum: 0.9 }));
    model.add(tfl.layers.activation({ activation: 'relu' }));
  }
  model.add(tfl.layers.globalAveragePooling2d({}));
  model.add(
    tfl.layers.dense({
      units: classes,
      kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 1 }),
    }),
  );
  return model;
}

/** Random images whose class is the brightness of a 3x3 corner patch. */
export function tinyData(count: number, seed: number): LabelledImages {
  return tf.tidy(() => {
    const noise = tf.randomUniform([count, SIZE, SIZE, 1], 0, 1, 'float32', seed);
    const labels = Array.from({ length: count }, (_, i) => (i * 7 + seed) % 2);
    const patch = tf.pad(tf.ones([count, 3, 3, 1]), [
      [0, 0],
      [0, SIZE - 3],
      [0, SIZE - 3],
      [0, 0],
    ]);
    const signal = tf.mul(patch, tf.reshape(tf.tensor1d(labels), [count, 1, 1, 1]));
    return { images: tf.add(tf.mul(noise, 0.5), signal) as tf.Tensor4D, labels };
  });
}

export function attentionSetup(
  mode: 'global' | 'l1' | 'none',
  data: LabelledImages,
  seed: number,
): AttentionSetup {
  if (mode === 'none') return { mode };
  if (mode === 'l1') return { mode, layer: new PixelWeightMap(), lambda: 0.01, learningRate: 0.01 };
  return globalAttentionSetup(data, seed);
}

/** Global attention over `data`: its images as P, a seeded 4-channel pixel CNN, lambda 0.01. */
export function globalAttentionSetup(
  data: LabelledImages,
  seed: number,
): Extract<AttentionSetup, { mode: 'global' }> {
  const [count] = data.images.shape;
  const pixelRepresentation = tf.tidy(
    () =>
      tf.reshape(tf.transpose(data.images, [3, 1, 2, 0]), [1, SIZE, SIZE, count]) as tf.Tensor4D,
  );
  return {
    mode: 'global',
    layer: new GlobalSpatialAttention({ channels: 4, seed }),
    pixelRepresentation,
    lambda: 0.01,
  };
}
