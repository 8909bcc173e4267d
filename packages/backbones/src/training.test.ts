// Every backbone trains under an attention-like multiplicative map (a
// learnable H x W map, sigmoid, broadcast over channels, as gsa's global
// spatial attention applies it), on every backend, without leaking tensors.
import '@tensorflow/tfjs-layers'; // registers the gradients in Node
import * as tf from '@tensorflow/tfjs-core';
import { describeWithBackends } from '@gsa/backends/testing';
import { createBackbone } from './index.js';
import { SMALL_CONFIGS } from './test-support/small-configs.fixture.js';

const SIZE = 32;
const BATCH = 4;
const CLASSES = 3;
const STEPS = 4;

describeWithBackends('training under a multiplicative map', () => {
  it.each(SMALL_CONFIGS.map((config) => [config.label, config] as const))(
    '%s: the loss falls, the map learns, no tensor leaks',
    async (_label, config) => {
      const model = createBackbone(config.name, {
        ...config.options,
        inputShape: [SIZE, SIZE, 3],
        numClasses: CLASSES,
        seed: 7,
      });
      const images = tf.randomUniform([BATCH, SIZE, SIZE, 3], 0, 1, 'float32', 3);
      const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 1], 'int32'), CLASSES);
      const mapLogits = tf.variable(
        tf.zeros([1, SIZE, SIZE, 1]),
        true,
        `map_${config.name}_${tf.getBackend()}`,
      );
      const variables = [
        mapLogits,
        ...model.trainableWeights.map((weight) => weight.read() as tf.Variable),
      ];
      const optimizer = tf.train.adam(1e-2);
      const loss = () =>
        tf.tidy(() => {
          const attended = tf.mul(images, tf.sigmoid(mapLogits));
          const predicted = model.apply(attended, { training: true }) as tf.Tensor | tf.Tensor[];
          const [logits, ...auxiliary] = Array.isArray(predicted) ? predicted : [predicted];
          let total = tf.losses.softmaxCrossEntropy(labels, logits!);
          for (const aux of auxiliary)
            total = tf.add(total, tf.mul(0.3, tf.losses.softmaxCrossEntropy(labels, aux)));
          return total as tf.Scalar;
        });
      const losses: number[] = [];
      const tensorCounts: number[] = [];
      for (let step = 0; step < STEPS; step++) {
        const value = optimizer.minimize(loss, true, variables)!;
        losses.push((await value.data())[0]!);
        value.dispose();
        tensorCounts.push(tf.memory().numTensors);
      }
      const finalLoss = tf.tidy(() => loss().dataSync()[0]!);
      expect(Number.isFinite(losses[0]!)).toBe(true);
      expect(finalLoss).toBeLessThan(losses[0]!);
      // The map received gradients: it moved away from its start (all zeros).
      expect(tf.tidy(() => tf.max(tf.abs(mapLogits)).dataSync()[0]!)).toBeGreaterThan(0);
      // Adam creates its moments on the first step; the count is flat from then on.
      expect(new Set(tensorCounts.slice(1)).size).toBe(1);
      optimizer.dispose();
      model.dispose();
      tf.dispose([images, labels, mapLogits]);
    },
  );
});
