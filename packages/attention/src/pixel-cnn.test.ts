import '@tensorflow/tfjs-layers'; // registers the gradients in Node
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@gsa/backends';
import { describeWithBackends } from '@gsa/backends/testing';
import {
  GlobalSpatialAttention,
  GlobalSpatialAttentionGate,
  PIXEL_CNN_ACTIVATIONS,
  applySpatialMap,
  attentionPenalty,
  createPixelCnnVariables,
  kernelForLowRank,
  pixelCnnMap,
  pixelCnnParameterCount,
  resolvePixelCnnOptions,
  type PixelCnnWeights,
} from './index.js';
import { maxAbsDifference, stackAsPixels } from './testing.fixture.js';

// The tiny case: two 4x4 grey images, K = 2 hidden channels, fixed weights.
const IMAGE_0 = [
  [1, 2, 0, 1],
  [0, 1, 3, 1],
  [2, 0, 1, 0],
  [1, 1, 0, 2],
];
const IMAGE_1 = [
  [0, 1, 1, 0],
  [1, 0, 0, 2],
  [0, 2, 1, 1],
  [1, 0, 2, 0],
];
// hidden 0 = (sum of image 0 over the 3x3 neighbourhood) - 2
// hidden 1 = image1[y][x] - 0.5 * image0[y][x] + 0.25
// map = sigmoid(0.5 * relu(hidden 0) - relu(hidden 1) + 0.1)
const HIDDEN_BIAS = [-2, 0.25];
const OUTPUT_WEIGHTS = [0.5, -1];
const OUTPUT_BIAS = 0.1;

function firstKernel(): tf.Tensor4D {
  const values: number[] = [];
  for (let row = 0; row < 3; row++) {
    for (let column = 0; column < 3; column++) {
      const centre = row === 1 && column === 1;
      // [row][column][input d][output k]
      values.push(1, centre ? -0.5 : 0, 0, centre ? 1 : 0);
    }
  }
  return tf.tensor4d(values, [3, 3, 2, 2]);
}

function tinyWeights(): tf.Tensor[] {
  return [
    firstKernel(),
    tf.tensor1d(HIDDEN_BIAS),
    tf.tensor4d(OUTPUT_WEIGHTS, [1, 1, 2, 1]),
    tf.tensor1d([OUTPUT_BIAS]),
  ];
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const relu = (x: number): number => Math.max(0, x);

/** The map computed by hand: plain loops over pixels, zero padding outside. */
function handMap(): number[][] {
  const at = (image: number[][], y: number, x: number): number => image[y]?.[x] ?? 0;
  return IMAGE_0.map((row, y) =>
    row.map((_, x) => {
      let neighbourhood = 0;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) neighbourhood += at(IMAGE_0, y + dy, x + dx);
      }
      const hidden0 = neighbourhood + HIDDEN_BIAS[0]!;
      const hidden1 = at(IMAGE_1, y, x) - 0.5 * at(IMAGE_0, y, x) + HIDDEN_BIAS[1]!;
      return sigmoid(
        OUTPUT_WEIGHTS[0]! * relu(hidden0) + OUTPUT_WEIGHTS[1]! * relu(hidden1) + OUTPUT_BIAS,
      );
    }),
  );
}

function tinyImages(): tf.Tensor4D {
  return tf.tensor4d([IMAGE_0, IMAGE_1].flat(2), [2, 4, 4, 1]);
}

function allVariables(weights: PixelCnnWeights<tf.Variable>): tf.Variable[] {
  return [...weights.hidden, weights.output].flatMap(({ kernel, bias }) => [kernel, bias]);
}

describe('the hand computation itself', () => {
  it('gives the values worked out on paper at three pixels', () => {
    const map = handMap();
    // (0,0): neighbourhood 1+2+0+1 = 4, hidden0 = 2; hidden1 = 0 - 0.5 + 0.25 < 0.
    expect(map[0]![0]).toBeCloseTo(sigmoid(0.5 * 2 + 0.1), 12);
    // (1,2): neighbourhood 3+5+1 = 9, hidden0 = 7; hidden1 = 0 - 1.5 + 0.25 < 0.
    expect(map[1]![2]).toBeCloseTo(sigmoid(3.5 + 0.1), 12);
    // (2,1): neighbourhood 4+3+2 = 9, hidden0 = 7; hidden1 = 2 - 0 + 0.25.
    expect(map[2]![1]).toBeCloseTo(sigmoid(3.5 - 2.25 + 0.1), 12);
  });
});

describeWithBackends('the pixel CNN', () => {
  it('matches the hand computation on 2 images of 4x4 (layer, functional form and gate)', () => {
    const images = tinyImages();
    const pixels = stackAsPixels(images);
    expect(pixels.shape).toEqual([1, 4, 4, 2]);
    const expected = tf.tensor4d(handMap().flat(), [1, 4, 4, 1]);

    const layer = new GlobalSpatialAttention({ channels: 2 });
    layer.apply(pixels);
    const weights = tinyWeights();
    layer.setWeights(weights);
    const map = layer.apply(pixels) as tf.Tensor4D;
    expect(map.shape).toEqual([1, 4, 4, 1]);
    expect(maxAbsDifference(map, expected)).toBeLessThan(1e-6);

    const functional = pixelCnnMap(pixels, layer.pixelCnnWeights());
    expect(maxAbsDifference(functional, expected)).toBeLessThan(1e-6);

    // The gate multiplies each image by the same map.
    const gate = new GlobalSpatialAttentionGate({ pixels, channels: 2 });
    gate.apply(images);
    gate.setWeights(weights);
    const gated = gate.apply(images) as tf.Tensor4D;
    const expectedGated = tf.mul(images, expected);
    expect(maxAbsDifference(gated, expectedGated)).toBeLessThan(1e-6);

    tf.dispose([images, pixels, expected, map, functional, gated, expectedGated, ...weights]);
    layer.dispose();
    gate.dispose();
  });

  it('gives the same map on a low-rank basis B with first-layer weights W·A as on P = B·A with W', () => {
    const [height, width, rank, exactChannels] = [6, 5, 2, 7];
    const basis = tf.randomNormal([1, height, width, rank], 0, 1, 'float32', 1) as tf.Tensor4D;
    const coefficients = tf.randomNormal([rank, exactChannels], 0, 1, 'float32', 2) as tf.Tensor2D;
    const exact = tf.reshape(tf.matMul(tf.reshape(basis, [height * width, rank]), coefficients), [
      1,
      height,
      width,
      exactChannels,
    ]) as tf.Tensor4D;

    for (const hiddenLayers of [1, 2]) {
      const onExact = new GlobalSpatialAttention({ channels: 5, hiddenLayers, seed: 3 });
      const exactMap = onExact.apply(exact) as tf.Tensor4D;
      const [kernel, ...rest] = onExact.getWeights();
      const onBasis = new GlobalSpatialAttention({ channels: 5, hiddenLayers, seed: 4 });
      onBasis.apply(basis);
      const lowRankKernel = kernelForLowRank(kernel as tf.Tensor4D, coefficients);
      expect(lowRankKernel.shape).toEqual([3, 3, rank, 5]);
      onBasis.setWeights([lowRankKernel, ...rest]);
      const basisMap = onBasis.apply(basis) as tf.Tensor4D;
      expect(maxAbsDifference(basisMap, exactMap)).toBeLessThan(1e-4);
      // Not trivially equal: the map varies over the image.
      expect(tf.tidy(() => tf.moments(exactMap).variance.dataSync()[0]!)).toBeGreaterThan(1e-4);
      // getWeights() returns the layer's own variables: the layers dispose them.
      tf.dispose([exactMap, lowRankKernel, basisMap]);
      onExact.dispose();
      onBasis.dispose();
    }
    tf.dispose([basis, coefficients, exact]);
  });

  it('broadcasts a map over a batch, from [H, W], [H, W, 1] or [1, H, W, 1]', () => {
    const images = tf.randomUniform([3, 4, 5, 2], 0, 1, 'float32', 5) as tf.Tensor4D;
    const map = tf.randomUniform([4, 5], 0, 1, 'float32', 6);
    const expected = tf.tidy(() => {
      const values = images.arraySync();
      const mapValues = map.arraySync() as number[][];
      return tf.tensor4d(
        values.map((image) =>
          image.map((row, y) => row.map((pixel, x) => pixel.map((v) => v * mapValues[y]![x]!))),
        ),
      );
    });
    for (const shaped of [map, tf.reshape(map, [4, 5, 1]), tf.reshape(map, [1, 4, 5, 1])]) {
      const result = applySpatialMap(images, shaped);
      expect(maxAbsDifference(result, expected)).toBeLessThan(1e-6);
      tf.dispose(result);
    }
    expect(() => applySpatialMap(images, tf.zeros([5, 4]))).toThrow(
      'The map is 5x4 but the images are 4x5.',
    );
    tf.dispose([images, map, expected]);
  });

  it('penalises lambda * mean(|map|), averaged over pixels', () => {
    const map = tf.tensor2d([
      [0.5, -1],
      [0, 2.5],
    ]);
    const penalty = attentionPenalty(map, 0.1);
    expect(penalty.dataSync()[0]).toBeCloseTo((0.1 * 4) / 4, 6);
    tf.dispose([map, penalty]);
  });

  it('computes the map and its gradients with every activation', () => {
    const pixels = tf.randomNormal([1, 5, 5, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
    for (const activation of PIXEL_CNN_ACTIVATIONS) {
      const weights = createPixelCnnVariables(3, { channels: 4, seed: 8 });
      const variables = allVariables(weights);
      const map = pixelCnnMap(pixels, weights, activation);
      const [low, high] = tf.tidy(() => [tf.min(map).dataSync()[0]!, tf.max(map).dataSync()[0]!]);
      expect(low).toBeGreaterThanOrEqual(0);
      expect(high).toBeLessThanOrEqual(1);
      const { value, grads } = tf.variableGrads(
        () => tf.mean(pixelCnnMap(pixels, weights, activation)),
        variables,
      );
      for (const variable of variables) {
        const gradient = grads[variable.name]!.dataSync();
        expect(gradient.every(Number.isFinite)).toBe(true);
      }
      tf.dispose([map, value, ...Object.values(grads), ...variables]);
    }
    pixels.dispose();
  });
});

describe('pixel CNN options and parameters', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('has K*(9*D+1) + (K+1) parameters by default, the paper count', () => {
    for (const [pixelChannels, channels] of [
      [6, 32],
      [1239, 64],
      [16, 8],
    ] as const) {
      const expected = channels * (9 * pixelChannels + 1) + (channels + 1);
      expect(pixelCnnParameterCount(pixelChannels, { channels })).toBe(expected);
    }
    const layer = new GlobalSpatialAttention({ channels: 32, seed: 1 });
    tf.tidy(() => {
      layer.apply(tf.zeros([1, 8, 8, 6]));
    });
    expect(layer.countParams()).toBe(32 * (9 * 6 + 1) + 33);
    layer.dispose();
    // Extra hidden layers add K*(k*k*K + 1) each; a 5x5 kernel widens the first.
    expect(pixelCnnParameterCount(6, { channels: 4, hiddenLayers: 2 })).toBe(
      4 * (9 * 6 + 1) + 4 * (9 * 4 + 1) + 5,
    );
    expect(pixelCnnParameterCount(6, { channels: 4, kernelSize: 5 })).toBe(4 * (25 * 6 + 1) + 5);
  });

  it('initialises like PyTorch by default: kernel and bias in +-1/sqrt(fan_in)', () => {
    const weights = createPixelCnnVariables(50, { channels: 16, seed: 2 });
    const bound = 1 / Math.sqrt(9 * 50);
    const first = weights.hidden[0]!;
    for (const tensor of [first.kernel, first.bias]) {
      const values = tensor.dataSync();
      expect(Math.max(...values.map(Math.abs))).toBeLessThanOrEqual(bound);
      expect(Math.max(...values.map(Math.abs))).toBeGreaterThan(bound * 0.8);
    }
    const glorot = createPixelCnnVariables(50, { channels: 16, seed: 2, initialization: 'glorot' });
    expect(Math.max(...glorot.hidden[0]!.bias.dataSync().map(Math.abs))).toBe(0);
    tf.dispose([...allVariables(weights), ...allVariables(glorot)]);
  });

  it('is reproducible from a seed', () => {
    const a = createPixelCnnVariables(3, { channels: 4, seed: 9 });
    const b = createPixelCnnVariables(3, { channels: 4, seed: 9 });
    expect(Array.from(a.hidden[0]!.kernel.dataSync())).toEqual(
      Array.from(b.hidden[0]!.kernel.dataSync()),
    );
    // Each weight has its own seed: kernel and bias differ in their draws.
    expect(a.output.kernel.dataSync()[0]).not.toBe(a.hidden[0]!.kernel.dataSync()[0]);
    tf.dispose([...allVariables(a), ...allVariables(b)]);
  });

  it('rejects impossible options with a reason', () => {
    expect(() => resolvePixelCnnOptions({ channels: 0 })).toThrow(
      'channels must be a positive integer',
    );
    expect(() => resolvePixelCnnOptions({ kernelSize: 4 })).toThrow('kernelSize must be odd');
    expect(() => resolvePixelCnnOptions({ activation: 'gelu' as 'relu' })).toThrow(
      "Unknown activation 'gelu'",
    );
    expect(() => attentionPenalty(tf.zeros([2, 2]), -1)).toThrow('lambda must be a non-negative');
  });
});
