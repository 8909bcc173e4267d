// Every backbone trains under gsa's global spatial attention (the real
// GlobalSpatialAttention layer of @gsa/attention on the batch's pixel
// representation, eq. 1 as the loss), on every backend, without leaking tensors.
import '@tensorflow/tfjs-layers'; // registers the gradients in Node
import * as tf from '@tensorflow/tfjs-core';
import {
  GlobalSpatialAttention,
  applySpatialMap,
  attentionPenalty,
  trainableVariables,
} from '@gsa/attention';
import { describeWithBackends } from '@gsa/backends/testing';
import { createBackbone } from './index.js';
import { SMALL_CONFIGS } from './test-support/small-configs.fixture.js';

const SIZE = 32;
const BATCH = 4;
const CLASSES = 3;
const STEPS = 3;
const LAMBDA = 0.01;

/** The paper's pixel representation P: the images `[N, H, W, C]` stacked as channels, `[1, H, W, N*C]`. */
function pixelRepresentation(images: tf.Tensor4D): tf.Tensor4D {
  const [count, height, width, channels] = images.shape;
  return tf.tidy(() =>
    tf.reshape(tf.transpose(images, [1, 2, 0, 3]), [1, height, width, count * channels]),
  );
}

describeWithBackends('training under GlobalSpatialAttention', () => {
  it.each(SMALL_CONFIGS.map((config) => [config.label, config] as const))(
    '%s: the loss falls, the attention learns, no tensor leaks',
    async (_label, config) => {
      const model = createBackbone(config.name, {
        ...config.options,
        inputShape: [SIZE, SIZE, 3],
        numClasses: CLASSES,
        seed: 7,
      });
      const attention = new GlobalSpatialAttention({ channels: 4, seed: 11 });
      const images = tf.randomUniform([BATCH, SIZE, SIZE, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
      const pixels = pixelRepresentation(images);
      const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 1], 'int32'), CLASSES);
      // Layers create their weights when first applied; the pixel CNN alone is cheap to apply.
      tf.tidy(() => attention.apply(pixels) as tf.Tensor);
      const variables = trainableVariables(model, attention);
      const attentionBefore = attention.getWeights().map((weight) => tf.clone(weight));
      const optimizer = tf.train.adam(1e-2);
      const loss = (): tf.Scalar => {
        const map = attention.apply(pixels) as tf.Tensor4D;
        const predicted = model.apply(applySpatialMap(images, map), { training: true }) as
          tf.Tensor | tf.Tensor[];
        const [logits, ...auxiliary] = Array.isArray(predicted) ? predicted : [predicted];
        let total = tf.add(
          tf.losses.softmaxCrossEntropy(labels, logits!),
          attentionPenalty(map, LAMBDA),
        );
        // GoogLeNet's auxiliary heads, weighted as torchvision's training script weights them.
        for (const aux of auxiliary)
          total = tf.add(total, tf.mul(0.3, tf.losses.softmaxCrossEntropy(labels, aux)));
        return total as tf.Scalar;
      };
      const losses: number[] = [];
      const tensorCounts: number[] = [];
      for (let step = 0; step < STEPS; step++) {
        const value = optimizer.minimize(loss, true, variables)!;
        losses.push((await value.data())[0]!);
        value.dispose();
        tensorCounts.push(tf.memory().numTensors);
      }
      expect(Number.isFinite(losses[0]!)).toBe(true);
      // losses[i] is the loss before step i + 1: the last one follows two updates.
      expect(losses[STEPS - 1]!).toBeLessThan(losses[0]!);
      // Every weight of the pixel CNN received gradients through the backbone and moved.
      const attentionAfter = attention.getWeights();
      expect(attentionAfter).toHaveLength(attentionBefore.length);
      attentionAfter.forEach((weight, index) => {
        const moved = tf.tidy(
          () => tf.max(tf.abs(tf.sub(weight, attentionBefore[index]!))).dataSync()[0]!,
        );
        expect(moved).toBeGreaterThan(0);
      });
      // Adam creates its moments on the first step; the count is flat from then on.
      expect(new Set(tensorCounts).size).toBe(1);
      optimizer.dispose();
      model.dispose();
      attention.dispose();
      tf.dispose([images, pixels, labels, ...attentionBefore]);
    },
  );
});
