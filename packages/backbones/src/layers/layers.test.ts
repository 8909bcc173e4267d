import '@tensorflow/tfjs-layers'; // registers the gradients in Node
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describeWithBackends } from '@gsa/backends/testing';
import { AdaptiveAveragePooling2D, adaptivePoolingBins } from './adaptive-average-pooling.js';
import { FixedChannelAffine } from './fixed-channel-affine.js';
import { TorchBatchNorm } from './torch-batch-norm.js';

function maxAbsDifference(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

/** PyTorch's adaptive average pooling, written out as loops. */
function naiveAdaptivePool(x: tf.Tensor4D, outHeight: number, outWidth: number): tf.Tensor4D {
  const [batch, height, width, channels] = x.shape;
  const values = x.arraySync();
  const rows = adaptivePoolingBins(height, outHeight);
  const columns = adaptivePoolingBins(width, outWidth);
  const out = values.map((image) =>
    rows.map(([rowStart, rowEnd]) =>
      columns.map(([columnStart, columnEnd]) =>
        Array.from({ length: channels }, (_, channel) => {
          let sum = 0;
          for (let row = rowStart; row < rowEnd; row++) {
            for (let column = columnStart; column < columnEnd; column++)
              sum += image[row]![column]![channel]!;
          }
          return sum / ((rowEnd - rowStart) * (columnEnd - columnStart));
        }),
      ),
    ),
  );
  return tf.tensor4d(out.flat(3), [batch, outHeight, outWidth, channels]);
}

describe('adaptivePoolingBins', () => {
  it("matches PyTorch's bins (overlapping when not divisible, repeating when upsampling)", () => {
    expect(adaptivePoolingBins(4, 7)).toEqual([
      [0, 1],
      [0, 2],
      [1, 2],
      [1, 3],
      [2, 3],
      [2, 4],
      [3, 4],
    ]);
    expect(adaptivePoolingBins(10, 3)).toEqual([
      [0, 4],
      [3, 7],
      [6, 10],
    ]);
    expect(adaptivePoolingBins(14, 7)).toEqual(
      Array.from({ length: 7 }, (_, i) => [2 * i, 2 * i + 2]),
    );
  });
});

describeWithBackends('AdaptiveAveragePooling2D', () => {
  it.each([
    [7, 7, 7, 7],
    [14, 14, 7, 7],
    [4, 4, 7, 7],
    [3, 3, 4, 4],
    [10, 6, 3, 4],
  ])('pools %dx%d to %dx%d as PyTorch does', (height, width, outHeight, outWidth) => {
    const x = tf.randomNormal([2, height, width, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const layer = new AdaptiveAveragePooling2D({ outputSize: [outHeight, outWidth] });
    const pooled = layer.apply(x) as tf.Tensor;
    const expected = naiveAdaptivePool(x, outHeight, outWidth);
    expect(pooled.shape).toEqual([2, outHeight, outWidth, 3]);
    expect(maxAbsDifference(pooled, expected)).toBeLessThan(1e-5);
    tf.dispose([x, pooled, expected]);
  });

  it('passes gradients: the gradient of the sum spreads each output over its bin', () => {
    const layer = new AdaptiveAveragePooling2D({ outputSize: [2, 2] });
    const x = tf.ones([1, 3, 3, 1]);
    const gradient = tf.grad((input: tf.Tensor) => tf.sum(layer.apply(input) as tf.Tensor))(x);
    // Bins [0,2) and [1,3) per axis: the centre pixel is in all four windows of 4 pixels.
    expect(Array.from(gradient.dataSync()).map((v) => Math.round(v * 100) / 100)).toEqual([
      0.25, 0.5, 0.25, 0.5, 1, 0.5, 0.25, 0.5, 0.25,
    ]);
    tf.dispose([x, gradient]);
  });
});

describeWithBackends('TorchBatchNorm', () => {
  const build = (options: { trainable?: boolean } = {}) => {
    const layer = new TorchBatchNorm({ momentum: 0.1, epsilon: 1e-5, ...options });
    layer.apply(tfl.input({ shape: [4, 4, 2] }));
    layer.setWeights([
      tf.tensor1d([1.5, 0.5]),
      tf.tensor1d([0.1, -0.2]),
      tf.tensor1d([0.3, -0.1]),
      tf.tensor1d([2, 0.5]),
    ]);
    return layer;
  };
  const x = () => tf.randomNormal([3, 4, 4, 2], 1, 2, 'float32', 5);

  it('normalises with the running statistics in inference', () => {
    const layer = build();
    const input = x();
    const out = layer.apply(input) as tf.Tensor;
    const expected = tf.tidy(() =>
      tf.add(
        tf.mul(tf.div(tf.sub(input, [0.3, -0.1]), tf.sqrt(tf.add([2, 0.5], 1e-5))), [1.5, 0.5]),
        [0.1, -0.2],
      ),
    );
    expect(maxAbsDifference(out, expected)).toBeLessThan(1e-5);
    tf.dispose([input, out, expected]);
  });

  it("training: normalises with the batch's (biased) statistics, updates running ones as PyTorch (unbiased variance, momentum 0.1)", () => {
    const layer = build();
    const input = x();
    const out = layer.apply(input, { training: true }) as tf.Tensor;
    const { mean, variance } = tf.moments(input, [0, 1, 2]);
    const count = 3 * 4 * 4;
    const expected = tf.tidy(() =>
      tf.add(
        tf.mul(tf.div(tf.sub(input, mean), tf.sqrt(tf.add(variance, 1e-5))), [1.5, 0.5]),
        [0.1, -0.2],
      ),
    );
    expect(maxAbsDifference(out, expected)).toBeLessThan(1e-4);
    const [, , runningMean, runningVariance] = layer.getWeights();
    const expectedMean = tf.tidy(() => tf.add(tf.mul([0.3, -0.1], 0.9), tf.mul(mean, 0.1)));
    const expectedVariance = tf.tidy(() =>
      tf.add(tf.mul([2, 0.5], 0.9), tf.mul(tf.mul(variance, count / (count - 1)), 0.1)),
    );
    expect(maxAbsDifference(runningMean!, expectedMean)).toBeLessThan(1e-5);
    expect(maxAbsDifference(runningVariance!, expectedVariance)).toBeLessThan(1e-5);
    tf.dispose([input, out, mean, variance, expected, expectedMean, expectedVariance]);
  });

  it.each([
    ['the layer is frozen', (layer: TorchBatchNorm) => (layer.trainable = false)],
    [
      'its weights are frozen (through a frozen model)',
      (layer: TorchBatchNorm) => layer.weights.forEach((w) => (w.trainable = false)),
    ],
  ])('behaves as in inference when %s, even in training calls', (_case, freeze) => {
    const layer = build();
    freeze(layer);
    expect(layer.frozen).toBe(true);
    const input = x();
    const before = layer.getWeights().map((weight) => weight.dataSync().slice());
    const inTraining = layer.apply(input, { training: true }) as tf.Tensor;
    const inInference = layer.apply(input) as tf.Tensor;
    expect(maxAbsDifference(inTraining, inInference)).toBe(0);
    expect(layer.getWeights().map((weight) => Array.from(weight.dataSync()))).toEqual(
      before.map((v) => Array.from(v)),
    );
    tf.dispose([input, inTraining, inInference]);
  });

  it('has gradients for its scale and offset in training', () => {
    const layer = build();
    const input = x();
    const { grads, value } = tf.variableGrads(
      () => tf.sum(tf.square(layer.apply(input, { training: true }) as tf.Tensor)) as tf.Scalar,
      layer.trainableWeights.map((weight) => weight.read() as tf.Variable),
    );
    expect(Object.keys(grads)).toHaveLength(2);
    for (const gradient of Object.values(grads)) {
      expect(tf.tidy(() => tf.max(tf.abs(gradient)).dataSync()[0]!)).toBeGreaterThan(0);
    }
    tf.dispose([input, value, ...Object.values(grads)]);
  });
});

describe('custom layers save and load', () => {
  it('a model with TorchBatchNorm, AdaptiveAveragePooling2D and FixedChannelAffine round-trips', async () => {
    const { useBackend } = await import('@gsa/backends');
    await useBackend('cpu');
    const input = tfl.input({ shape: [6, 6, 3] });
    let x = new FixedChannelAffine({
      scale: [2, 1, 0.5],
      offset: [0, 1, -1],
      name: 'affine',
    }).apply(input);
    x = tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', name: 'conv' }).apply(x);
    x = new TorchBatchNorm({ name: 'bn', epsilon: 1e-3, momentum: 0.01, gammaInit: 'zeros' }).apply(
      x,
    );
    x = new AdaptiveAveragePooling2D({ outputSize: [4, 4], name: 'pool' }).apply(x);
    const model = tfl.model({ inputs: input, outputs: x as tfl.SymbolicTensor });
    model
      .getLayer('bn')
      .setWeights([tf.ones([4]), tf.fill([4], 0.5), tf.fill([4], 0.1), tf.fill([4], 2)]);

    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(saved!));
    const bn = loaded.getLayer('bn') as TorchBatchNorm;
    expect(bn).toBeInstanceOf(TorchBatchNorm);
    expect([bn.epsilon, bn.momentum, bn.gammaInit]).toEqual([1e-3, 0.01, 'zeros']);
    expect((loaded.getLayer('pool') as AdaptiveAveragePooling2D).outputSize).toEqual([4, 4]);
    expect((loaded.getLayer('affine') as FixedChannelAffine).offset).toEqual([0, 1, -1]);
    const images = tf.randomUniform([2, 6, 6, 3], 0, 1, 'float32', 2);
    const before = model.predict(images) as tf.Tensor;
    const after = loaded.predict(images) as tf.Tensor;
    expect(maxAbsDifference(before, after)).toBe(0);
    tf.dispose([images, before, after]);
    model.dispose();
    loaded.dispose();
  });
});
