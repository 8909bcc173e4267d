import '@tensorflow/tfjs-layers'; // registers tfjs-core's own gradients first, as in an app
import * as tf from '@tensorflow/tfjs-core';
import { describeWithBackends } from '../testing/index.js';

/** batchNorm written in elementwise ops, whose gradients are tfjs-core's own. */
function elementwiseBatchNorm(
  x: tf.Tensor,
  mean: tf.Tensor,
  variance: tf.Tensor,
  offset: tf.Tensor,
  scale: tf.Tensor,
  epsilon: number,
): tf.Tensor {
  return tf.add(
    tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, epsilon))), scale),
    offset,
  );
}

function maxRelativeError(actual: tf.Tensor, expected: tf.Tensor): number {
  return tf.tidy(
    () =>
      tf.max(tf.abs(tf.sub(actual, expected))).dataSync()[0]! /
      Math.max(1e-6, tf.max(tf.abs(expected)).dataSync()[0]!),
  );
}

describeWithBackends('the batch-norm gradient', () => {
  it.each([
    ['NHWC, per-channel parameters', [4, 5, 6, 3], [3]],
    ['rank 2, per-feature parameters', [7, 10], [10]],
    [
      'rank 3, parameters broadcast over axis 1 (tfjs BatchNormalization, axis 1)',
      [2, 6, 4],
      [1, 6, 1],
    ],
  ])(
    '%s: every input gradient equals the elementwise formula',
    (_label, xShape, parameterShape) => {
      const x = tf.randomNormal(xShape, 0.3, 1.2, 'float32', 1);
      const mean = tf.randomNormal(parameterShape, 0, 0.5, 'float32', 2);
      const variance = tf.randomUniform(parameterShape, 0.5, 2, 'float32', 3);
      const offset = tf.randomNormal(parameterShape, 0, 1, 'float32', 4);
      const scale = tf.randomUniform(parameterShape, 0.5, 1.5, 'float32', 5);
      const dy = tf.randomNormal(xShape, 0, 1, 'float32', 6);
      const weighted =
        (f: typeof elementwiseBatchNorm) =>
        (...inputs: tf.Tensor[]) =>
          tf.sum(tf.mul(f(inputs[0]!, inputs[1]!, inputs[2]!, inputs[3]!, inputs[4]!, 1e-5), dy));
      const fused = (
        xs: tf.Tensor,
        m: tf.Tensor,
        v: tf.Tensor,
        o: tf.Tensor,
        s: tf.Tensor,
        e: number,
      ) => tf.batchNorm(xs, m, v, o, s, e);
      const inputs = [x, mean, variance, offset, scale];
      const actual = tf.grads(weighted(fused))(inputs);
      const expected = tf.grads(weighted(elementwiseBatchNorm))(inputs);
      actual.forEach((gradient, index) => {
        expect(gradient.shape).toEqual(inputs[index]!.shape);
        expect(maxRelativeError(gradient, expected[index]!)).toBeLessThan(1e-5);
      });
      tf.dispose([...inputs, dy, ...actual, ...expected]);
    },
  );

  it('runs no Tile', () => {
    const x = tf.randomNormal([8, 16, 16, 32], 0, 1, 'float32', 1);
    const [mean, variance, offset, scale] = [0, 1, 0, 1].map((value) => tf.fill([32], value));
    const kernels: string[] = [];
    const profile = tf.profile(() =>
      tf.grads((xs: tf.Tensor, s: tf.Tensor) =>
        tf.sum(tf.batchNorm(xs, mean!, variance!, offset!, s)),
      )([x, scale!]),
    );
    return profile.then((info) => {
      kernels.push(...info.kernels.map((kernel) => kernel.name));
      expect(kernels).toContain('FusedBatchNorm');
      expect(kernels).not.toContain('Tile');
      tf.dispose([x, mean!, variance!, offset!, scale!]);
    });
  });
});
