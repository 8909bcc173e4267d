// Every operation the backbones of gsa train through (VGG, ResNet, DenseNet,
// GoogLeNet, MobileNet and the attention layer) has its gradient on wasm, and
// that gradient equals cpu's.
import '@tensorflow/tfjs-layers'; // registers the gradients in Node
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../index.js';

type Operation = (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor;

// x: [2, 12, 12, 4]; w: [3, 3, 4, 4] (a filter, reshaped where an op needs other weights).
const operations: Record<string, Operation> = {
  'conv2d stride 1 same': (x, w) => tf.conv2d(x, w, 1, 'same'),
  'conv2d stride 2 valid': (x, w) => tf.conv2d(x, w, 2, 'valid'),
  'conv2d 1x1 stride 2': (x, w) => tf.conv2d(x, tf.slice(w, [1, 1, 0, 0], [1, 1, 4, 4]), 2, 'same'),
  'fused conv2d + bias + relu': (x, w) =>
    tf.fused.conv2d({
      x,
      filter: w,
      strides: 1,
      pad: 'same',
      bias: tf.sum(w, [0, 1, 2]),
      activation: 'relu',
    }),
  'depthwise conv2d stride 2': (x, w) =>
    tf.depthwiseConv2d(x, tf.slice(w, [0, 0, 0, 0], [3, 3, 4, 1]), 2, 'same'),
  'separable conv2d': (x, w) =>
    tf.separableConv2d(
      x,
      tf.slice(w, [0, 0, 0, 0], [3, 3, 4, 1]),
      tf.reshape(tf.slice(w, [0, 0, 0, 0], [1, 1, 4, 4]), [1, 1, 4, 4]),
      1,
      'same',
    ),
  'max pool 3x3 stride 2 (ResNet stem)': (x, w) =>
    tf.maxPool(tf.conv2d(x, w, 1, 'same'), 3, 2, 'same'),
  'max pool 2x2 (VGG)': (x, w) => tf.maxPool(tf.conv2d(x, w, 1, 'same'), 2, 2, 'valid'),
  'avg pool 2x2 (DenseNet transition)': (x, w) =>
    tf.avgPool(tf.conv2d(x, w, 1, 'same'), 2, 2, 'valid'),
  'global average pool': (x, w) => tf.mean(tf.conv2d(x, w, 1, 'same'), [1, 2]),
  'batch norm (training statistics)': (x, w) => {
    const y = tf.conv2d(x, w, 1, 'same');
    const { mean, variance } = tf.moments(y, [0, 1, 2]);
    return tf.batchNorm(y, mean, variance, tf.sum(w, [0, 1, 3]), tf.mean(w, [0, 1, 2]), 1e-5);
  },
  'concat (DenseNet, Inception)': (x, w) => tf.concat([x, tf.conv2d(x, w, 1, 'same')], 3),
  'residual add + relu': (x, w) => tf.relu(tf.add(x, tf.conv2d(x, w, 1, 'same'))),
  'relu6, elu, leaky relu': (x, w) => {
    const y = tf.conv2d(x, w, 1, 'same');
    return tf.add(tf.add(tf.relu6(y), tf.elu(y)), tf.leakyRelu(y, 0.1));
  },
  'sigmoid map times image (attention)': (x, w) =>
    tf.mul(x, tf.sigmoid(tf.conv2d(x, tf.slice(w, [0, 0, 0, 0], [3, 3, 4, 1]), 1, 'same'))),
  'dense + softmax cross-entropy': (x, w) => {
    const dense = tf.slice(tf.reshape(tf.tile(w, [4, 4, 1, 1]), [576, 4]), [0, 0], [576, 3]);
    const logits = tf.matMul(tf.reshape(x, [2, -1]), dense);
    return tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d([0, 2], 'int32'), 3), logits);
  },
  'bilinear resize (upsampling)': (x, w) =>
    tf.image.resizeBilinear(tf.conv2d(x, w, 2, 'same'), [12, 12]),
  'nearest resize': (x, w) => tf.image.resizeNearestNeighbor(tf.conv2d(x, w, 2, 'same'), [12, 12]),
  'zero padding': (x, w) =>
    tf.conv2d(
      tf.pad(x, [
        [0, 0],
        [1, 1],
        [1, 1],
        [0, 0],
      ]),
      w,
      2,
      'valid',
    ),
  'dropout-style mask': (x, w) =>
    tf.mul(
      tf.conv2d(x, w, 1, 'same'),
      tf.step(tf.sub(tf.randomUniform([2, 12, 12, 4], 0, 1, 'float32', 3), 0.3)),
    ),
  'L1 penalty |map|': (x, w) => tf.mean(tf.abs(tf.conv2d(x, w, 1, 'same'))),
};

async function gradients(backend: 'cpu' | 'wasm', operation: Operation): Promise<Float32Array[]> {
  await useBackend(backend, { threads: 1 });
  const x = tf.randomNormal([2, 12, 12, 4], 0, 1, 'float32', 1) as tf.Tensor4D;
  const w = tf.randomNormal([3, 3, 4, 4], 0, 0.3, 'float32', 2) as tf.Tensor4D;
  const weights = tf.randomNormal([2, 12, 12, 4], 0, 1, 'float32', 5);
  // A weighted sum makes the incoming gradient non-uniform.
  const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) => {
    const y = operation(a as tf.Tensor4D, b as tf.Tensor4D);
    const reference = y.size === weights.size ? tf.reshape(weights, y.shape) : tf.ones(y.shape);
    return tf.sum(tf.mul(y, reference));
  })([x, w]);
  const data = grads.map((g) => g.dataSync() as Float32Array);
  tf.dispose([x, w, weights, ...grads]);
  return data;
}

describe('training on wasm', () => {
  it.each(Object.entries(operations))(
    '%s: gradients exist and equal cpu',
    async (_name, operation) => {
      const expected = await gradients('cpu', operation);
      const actual = await gradients('wasm', operation);
      for (let i = 0; i < expected.length; i++) {
        const e = expected[i]!;
        const a = actual[i]!;
        let scale = 1e-6;
        let difference = 0;
        for (let k = 0; k < e.length; k++) {
          scale = Math.max(scale, Math.abs(e[k]!));
          difference = Math.max(difference, Math.abs(a[k]! - e[k]!));
        }
        expect(difference / scale).toBeLessThan(1e-4);
      }
    },
  );
});

describe('gradients with known answers, on every backend', () => {
  it.each(['cpu', 'wasm'] as const)(
    "max pool sends each window's gradient to its first maximum (%s)",
    async (backend) => {
      await useBackend(backend, { threads: 1 });
      // Windows of negative values, and a tie (first maximum wins).
      const x = tf.tensor4d(
        [-1.6, -1.5, -0.8, 0.0, -0.5, -0.5, -0.9, 0.3, 1.4, 1.8, -0.5, -0.3, 0.0, 0.5, -1.3, -1.0],
        [1, 4, 4, 1],
      );
      const weights = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
      const dx = tf.grad((a: tf.Tensor) =>
        tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid'), weights)),
      )(x);
      expect(Array.from(dx.dataSync())).toEqual([0, 0, 0, 0, 1, 0, 0, 2, 0, 3, 0, 4, 0, 0, 0, 0]);
      tf.dispose([x, weights, dx]);
    },
  );

  it.each(['cpu', 'wasm'] as const)(
    'nearest resize adds each output pixel back to its source, per image (%s)',
    async (backend) => {
      await useBackend(backend, { threads: 1 });
      const images = tf.zeros([2, 2, 2, 1]) as tf.Tensor4D;
      const weights = tf.reshape(tf.range(1, 33), [2, 4, 4, 1]);
      const dx = tf.grad((a: tf.Tensor) =>
        tf.sum(tf.mul(tf.image.resizeNearestNeighbor(a as tf.Tensor4D, [4, 4]), weights)),
      )(images);
      // Source pixel (r, c) of image b collects the 2x2 block of weights it was copied to.
      const block = (b: number, r: number, c: number) => {
        let sum = 0;
        for (let i = 0; i < 2; i++)
          for (let j = 0; j < 2; j++) sum += b * 16 + (2 * r + i) * 4 + (2 * c + j) + 1;
        return sum;
      };
      expect(Array.from(dx.dataSync())).toEqual([
        block(0, 0, 0),
        block(0, 0, 1),
        block(0, 1, 0),
        block(0, 1, 1),
        block(1, 0, 0),
        block(1, 0, 1),
        block(1, 1, 0),
        block(1, 1, 1),
      ]);
      tf.dispose([images, weights, dx]);
    },
  );
});
