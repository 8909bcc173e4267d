import * as tfl from '@tensorflow/tfjs-layers'; // also registers the gradients in Node
import * as tf from '@tensorflow/tfjs-core';
import { describeWithBackends } from '@gsa/backends/testing';
import {
  GlobalSpatialAttention,
  PixelWeightMap,
  applySpatialMap,
  attentionPenalty,
  boundaryPenalty,
  entropyPenalty,
  trainableVariables,
  type PixelCnnActivation,
} from './index.js';
import { checkGradients, labelledImages, stackAsPixels } from './testing.fixture.js';

const LAMBDA = 0.1;

/** A position-aware linear classifier, so that every map pixel gets a gradient. */
function linearClassifier(size: number, classes: number, seed: number): tfl.Sequential {
  return tfl.sequential({
    layers: [
      tfl.layers.flatten({ inputShape: [size, size, 1] }),
      tfl.layers.dense({
        units: classes,
        kernelInitializer: tfl.initializers.randomNormal({ stddev: 1, seed }),
        biasInitializer: tfl.initializers.randomNormal({ stddev: 0.1, seed: seed + 1 }),
      }),
    ],
  });
}

describeWithBackends('gradients of CE + penalty', () => {
  // Two 4x4 images: P is [1, 4, 4, 2].
  let images: tf.Tensor4D;
  let labels: tf.Tensor2D;
  let pixels: tf.Tensor4D;

  beforeAll(() => {
    ({ images, labels } = labelledImages(2, 4, 1, 2, 21));
    pixels = stackAsPixels(images);
  });

  afterAll(() => tf.dispose([images, labels, pixels]));

  // tanh is smooth; relu's kinks can sit inside a finite-difference step, so
  // its step is smaller and the float32 noise larger.
  it.each([
    ['tanh', 1e-2],
    ['relu', 2e-3],
  ] as [PixelCnnActivation, number][])(
    'match central finite differences for every parameter (%s)',
    (activation, step) => {
      const attention = new GlobalSpatialAttention({ channels: 3, activation, seed: 5 });
      const classifier = linearClassifier(4, 2, 7);
      const loss = (): tf.Scalar =>
        tf.tidy(() => {
          const map = attention.apply(pixels) as tf.Tensor4D;
          const logits = classifier.apply(applySpatialMap(images, map)) as tf.Tensor2D;
          const crossEntropy = tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
          return tf.add(crossEntropy, attentionPenalty(map, LAMBDA));
        });
      tf.dispose(loss()); // builds both
      const variables = trainableVariables(attention, classifier);
      // Pixel CNN: 3*(9*2+1) + 4 = 61; classifier: 16*2 + 2 = 34.
      expect(variables.reduce((total, v) => total + v.size, 0)).toBe(95);
      const result = checkGradients(loss, variables, { step, absolute: 2e-3, relative: 2e-2 });
      expect(result.checked).toBe(95);
      expect(result.worstToleranceRatio).toBeLessThanOrEqual(1);
      // Measured: about 1e-5 (tanh) and 4e-4 (relu) on cpu and wasm.
      expect(result.maxAbsoluteError).toBeLessThan(activation === 'tanh' ? 1e-4 : 2e-3);
      attention.dispose();
      classifier.dispose();
    },
  );

  it('match central finite differences for the L1 baseline map and the classifier', () => {
    const weightMap = new PixelWeightMap({});
    const classifier = linearClassifier(4, 2, 9);
    const loss = (): tf.Scalar =>
      tf.tidy(() => {
        const logits = classifier.apply(weightMap.apply(images)) as tf.Tensor2D;
        const crossEntropy = tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
        return tf.add(crossEntropy, attentionPenalty(weightMap.computeMap(), LAMBDA));
      });
    tf.dispose(loss());
    // Move the map off 1 so that it is not a special point.
    weightMap.setWeights([tf.randomUniform([4, 4], 0.2, 1.5, 'float32', 3)]);
    const variables = trainableVariables(weightMap, classifier);
    const result = checkGradients(loss, variables, { step: 1e-2, absolute: 2e-3, relative: 2e-2 });
    expect(result.checked).toBe(16 + 34);
    expect(result.worstToleranceRatio).toBeLessThanOrEqual(1);
    weightMap.dispose();
    classifier.dispose();
  });

  it('match central finite differences for the decision term (entropyPenalty)', () => {
    // Values kept away from 0.5 (where a pixel changes side) and from the clip.
    const values = [0.05, 0.2, 0.35, 0.42, 0.6, 0.7, 0.85, 0.97, 0.15, 0.3, 0.25, 0.1];
    const map = tf.variable(tf.tensor4d(values, [1, 3, 4, 1]));
    const loss = (): tf.Scalar => entropyPenalty(map, 0.3);
    const result = checkGradients(loss, [map], { step: 1e-3, absolute: 1e-3, relative: 1e-2 });
    expect(result.checked).toBe(12);
    expect(result.worstToleranceRatio).toBeLessThanOrEqual(1);
    // Each side's mean weighs 1/2: d/dm of 0.3/2 * H(m)/count = 0.15 * log((1-m)/m) / count.
    const { grads } = tf.variableGrads(loss, [map]);
    const gradient = grads[map.name]!.dataSync();
    const above = values.filter((v) => v > 0.5).length;
    const expected = (v: number) =>
      (0.15 * Math.log((1 - v) / v)) / (v > 0.5 ? above : values.length - above);
    values.forEach((v, i) => expect(gradient[i]).toBeCloseTo(expected(v), 5));
    tf.dispose([map, ...Object.values(grads)]);
  });

  it('match central finite differences for the boundary term (boundaryPenalty)', () => {
    // The set at the level is a constant of the map's ranking: values kept apart.
    const values = [0.05, 0.2, 0.35, 0.42, 0.6, 0.7, 0.85, 0.97, 0.15, 0.3, 0.25, 0.1];
    const gradient = tf.tensor4d(
      values.map((v) => (v > 0.65 ? -1 : 0.5)),
      [1, 3, 4, 1],
    );
    const map = tf.variable(tf.tensor4d(values, [1, 3, 4, 1]));
    const loss = (): tf.Scalar => boundaryPenalty(map, gradient, 0.01, 0.3);
    const result = checkGradients(loss, [map], { step: 1e-3, absolute: 1e-3, relative: 1e-2 });
    expect(result.checked).toBe(12);
    expect(result.worstToleranceRatio).toBeLessThanOrEqual(1);
    // The set is {0.7, 0.85, 0.97}: -0.15 / (3m) inside, 0.15 / (9(1 - m)) outside.
    const { grads } = tf.variableGrads(loss, [map]);
    const computed = grads[map.name]!.dataSync();
    values.forEach((v, i) =>
      expect(computed[i]).toBeCloseTo(v > 0.65 ? -0.15 / (3 * v) : 0.15 / (9 * (1 - v)), 5),
    );
    tf.dispose([map, gradient, ...Object.values(grads)]);
  });
});
