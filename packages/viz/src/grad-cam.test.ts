import '@tensorflow/tfjs-layers';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describeWithBackends } from '@gsa/backends/testing';
import { gradCam, layerNames } from './grad-cam.js';
import { overlayHeatmap } from './overlay.js';
import { colormapTable } from './colormap.js';

const size = 16;

/**
 * A toy classifier whose answer is known: class 1 means "a bright patch is
 * present". Filter 0 of the conv layer fires only on bright 3x3 neighbourhoods
 * (mean > 0.5), filter 1 on dim ones; after global average pooling a dense layer
 * weighs filter 0 heavily for class 1 and filter 1 lightly for class 0, so one
 * patch outweighs a whole dim background.
 */
function brightPatchModel(): tfl.LayersModel {
  const input = tfl.input({ shape: [size, size, 1] });
  const conv = tfl.layers.conv2d({
    name: 'features',
    filters: 2,
    kernelSize: 3,
    padding: 'same',
    activation: 'relu',
  });
  const pooled = tfl.layers
    .globalAveragePooling2d({})
    .apply(conv.apply(input)) as tfl.SymbolicTensor;
  const dense = tfl.layers.dense({ name: 'classes', units: 2, activation: 'softmax' });
  const model = tfl.model({ inputs: input, outputs: dense.apply(pooled) as tfl.SymbolicTensor });
  conv.setWeights([
    tf.concat([tf.fill([3, 3, 1, 1], 1 / 9), tf.fill([3, 3, 1, 1], -1 / 9)], 3),
    tf.tensor1d([-0.5, 0.5]),
  ]);
  dense.setWeights([
    tf.tensor2d([
      [0, 200],
      [5, 0],
    ]),
    tf.zeros([2]),
  ]);
  return model;
}

/** Background noise in [0, 0.2) and a 4x4 patch of ones at (top, left). */
function imageWithPatch(top: number, left: number, seed: number): tf.Tensor3D {
  const values = new Float32Array(size * size);
  let state = seed;
  for (let index = 0; index < values.length; index++) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    values[index] = (state / 2 ** 31) * 0.2;
  }
  for (let y = top; y < top + 4; y++)
    for (let x = left; x < left + 4; x++) values[y * size + x] = 1;
  return tf.tensor3d(values, [size, size, 1]);
}

function meanInsideAndOutside(
  values: ArrayLike<number>,
  top: number,
  left: number,
): [number, number] {
  let inside = 0;
  let outside = 0;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const value = values[y * size + x]!;
      if (y >= top && y < top + 4 && x >= left && x < left + 4) inside += value;
      else outside += value;
    }
  }
  return [inside / 16, outside / (size * size - 16)];
}

/** Applies the model's 'merge' layer again on its own inputs: a node outside the model. */
function reuseMergeOutsideTheModel(model: tfl.LayersModel): void {
  const merge = model.getLayer('merge');
  merge.apply(merge.inboundNodes[0]!.inputTensors);
}

describeWithBackends('Grad-CAM on a toy model whose answer is known', () => {
  it.each([
    [2, 10],
    [10, 3],
  ])('highlights the bright patch at (%i, %i) that decides class 1', (top, left) => {
    const model = brightPatchModel();
    const image = imageWithPatch(top, left, top * 31 + left);
    const before = tf.memory().numTensors;
    const result = gradCam(model, image, { layerName: 'features' });
    expect(tf.memory().numTensors).toBe(before);
    expect(result.classIndex).toBe(1);
    expect(result.score).toBeGreaterThan(0.5);
    expect([result.map.height, result.map.width]).toEqual([size, size]);
    const values = Array.from(result.upsampled.values);
    expect(Math.max(...values)).toBeCloseTo(1);
    const peak = values.indexOf(Math.max(...values));
    const [peakY, peakX] = [Math.floor(peak / size), peak % size];
    expect(peakY).toBeGreaterThanOrEqual(top);
    expect(peakY).toBeLessThan(top + 4);
    expect(peakX).toBeGreaterThanOrEqual(left);
    expect(peakX).toBeLessThan(left + 4);
    const [inside, outside] = meanInsideAndOutside(values, top, left);
    // Corners of the patch have dim 3x3 neighbourhoods, so the inside mean is below 1.
    expect(inside).toBeGreaterThan(0.3);
    expect(outside).toBeLessThan(0.05);

    // The overlay shows it: with gray at full opacity, the patch is bright, the rest dark.
    const overlay = overlayHeatmap(
      { height: size, width: size, channels: 1, values: image.dataSync() },
      result.upsampled,
      { colormap: 'gray', opacity: 1, domain: [0, 1] },
    );
    expect(overlay.data[((top + 1) * size + left + 1) * 4]).toBeGreaterThan(200);
    expect(overlay.data[0]).toBe(colormapTable('gray')[0]);
    image.dispose();
    model.dispose();
  });

  it('peaks at exactly 1 however small the activations and gradients are', () => {
    // The same model with every weight scaled by 1e-6: the raw map peaks near 1e-13,
    // below any fixed floor (GoogLeNet at 64 px gave such peaks).
    const model = brightPatchModel();
    tf.tidy(() => {
      for (const layer of [model.getLayer('features'), model.getLayer('classes')]) {
        layer.setWeights(layer.getWeights().map((weight) => tf.mul(weight, 1e-6)));
      }
    });
    const image = imageWithPatch(5, 6, 3);
    const before = tf.memory().numTensors;
    const result = gradCam(model, image, { layerName: 'features', classIndex: 1 });
    expect(tf.memory().numTensors).toBe(before);
    const values = Array.from(result.map.values);
    expect(Math.max(...values)).toBeCloseTo(1, 5);
    const peak = values.indexOf(Math.max(...values));
    expect(Math.floor(peak / size)).toBeGreaterThanOrEqual(5);
    expect(Math.floor(peak / size)).toBeLessThan(9);
    image.dispose();
    model.dispose();
  });

  it('explains another class on request: class 0 points away from the patch', () => {
    const model = brightPatchModel();
    const image = imageWithPatch(2, 2, 7);
    const result = gradCam(model, image, { layerName: 'features', classIndex: 0 });
    const [inside, outside] = meanInsideAndOutside(result.map.values, 2, 2);
    expect(outside).toBeGreaterThan(inside);
    image.dispose();
    model.dispose();
  });

  it('replays functional graphs with skips and nested backbones exactly', () => {
    const inner = tfl.sequential({
      name: 'backbone',
      layers: [
        tfl.layers.conv2d({
          name: 'inner_conv',
          inputShape: [8, 8, 3],
          filters: 4,
          kernelSize: 3,
          padding: 'same',
          activation: 'relu',
          kernelInitializer: tfl.initializers.glorotUniform({ seed: 11 }),
        }),
      ],
    });
    const input = tfl.input({ shape: [8, 8, 3] });
    const features = inner.apply(input) as tfl.SymbolicTensor;
    const skip = tfl.layers
      .conv2d({
        name: 'skip',
        filters: 4,
        kernelSize: 1,
        kernelInitializer: tfl.initializers.glorotUniform({ seed: 12 }),
      })
      .apply(input) as tfl.SymbolicTensor;
    const merged = tfl.layers.add({ name: 'merge' }).apply([features, skip]) as tfl.SymbolicTensor;
    const poolingLayer = tfl.layers.globalAveragePooling2d({});
    const denseLayer = tfl.layers.dense({
      units: 3,
      activation: 'softmax',
      kernelInitializer: tfl.initializers.glorotUniform({ seed: 13 }),
    });
    const output = denseLayer.apply(poolingLayer.apply(merged)) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: output });
    expect(layerNames(model)).toEqual(
      expect.arrayContaining(['backbone', 'inner_conv', 'skip', 'merge']),
    );

    const image = tf.randomUniform([8, 8, 3], 0, 1, 'float32', 3);
    const expected = tf.tidy(() =>
      (model.predict(tf.expandDims(image, 0)) as tf.Tensor).dataSync(),
    );
    const before = tf.memory().numTensors;
    for (const layerName of ['inner_conv', 'merge']) {
      const result = gradCam(model, image, { layerName });
      expect(result.score).toBeCloseTo(expected[result.classIndex]!, 5);
      expect(result.classIndex).toBe(Array.from(expected).indexOf(Math.max(...expected)));
      expect(result.map.values.length).toBe(64);

      // The same Grad-CAM by hand: the head after the layer written out explicitly.
      const manual = tf.tidy(() => {
        const [featureValues, skipValues] = tfl
          .model({ inputs: input, outputs: [features, skip] })
          .predict(tf.expandDims(image, 0)) as tf.Tensor[];
        const activation =
          layerName === 'merge' ? tf.add(featureValues!, skipValues!) : featureValues!;
        const head = (value: tf.Tensor) => {
          const sum = layerName === 'merge' ? value : tf.add(value, skipValues!);
          const scores = denseLayer.apply(poolingLayer.apply(sum)) as tf.Tensor;
          return tf.squeeze(tf.slice(scores, [0, result.classIndex], [1, 1])) as tf.Scalar;
        };
        const weights = tf.mean(tf.grad(head)(activation), [0, 1, 2]);
        const cam = tf.relu(tf.sum(tf.mul(tf.squeeze(activation, [0]), weights), -1));
        // As gradCam: divided by its peak; an all-zero map (every weighted channel negative) stays zero.
        const peak = tf.max(cam);
        return tf.div(cam, tf.where(tf.greater(peak, 0), peak, tf.onesLike(peak))).dataSync();
      });
      // The seeded weights give a map with a real peak, so the comparison is not 0 against 0.
      expect(Math.max(...Array.from(manual))).toBeCloseTo(1, 5);
      Array.from(manual).forEach((value, index) =>
        expect(result.map.values[index]).toBeCloseTo(value, 4),
      );
    }
    expect(tf.memory().numTensors).toBe(before);
    // Reusing a layer elsewhere adds nodes outside this model; they are not replayed.
    reuseMergeOutsideTheModel(model);
    const beforeReuse = tf.memory().numTensors;
    expect(gradCam(model, image, { layerName: 'merge' }).score).toBeCloseTo(
      expected[Array.from(expected).indexOf(Math.max(...expected))]!,
      5,
    );
    expect(tf.memory().numTensors).toBe(beforeReuse);
    expect(() => gradCam(model, image, { layerName: 'nope' })).toThrow(
      /no layer 'nope'.*inner_conv/,
    );
    image.dispose();
    model.dispose();
  });
});
