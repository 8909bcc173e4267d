import * as tfl from '@tensorflow/tfjs-layers';
import * as tf from '@tensorflow/tfjs-core';
import { describeWithBackends } from '@gsa/backends/testing';
import {
  FixedSpatialMap,
  GlobalSpatialAttention,
  GlobalSpatialAttentionGate,
  PixelWeightMap,
  applySpatialMap,
  attentionPenalty,
  trainableVariables,
} from './index.js';
import {
  labelledImages,
  maxAbsDifference,
  smallBackbone,
  stackAsPixels,
  trainStep,
} from './testing.fixture.js';

const SIZE = 8;
const crossEntropy = (targets: tf.Tensor, logits: tf.Tensor): tf.Tensor =>
  tf.losses.softmaxCrossEntropy(targets, logits);

function gatedModel(gate: tfl.layers.Layer, backbone: tfl.LayersModel): tfl.LayersModel {
  const input = tfl.input({ shape: [SIZE, SIZE, 1] });
  return tfl.model({
    inputs: input,
    outputs: backbone.apply(gate.apply(input)) as tfl.SymbolicTensor,
  });
}

/** Copies of a layer's weights, to compare after training. */
function snapshot(layer: tfl.layers.Layer | tfl.LayersModel): tf.Tensor[] {
  return layer.getWeights().map((weight) => tf.clone(weight));
}

function largestChange(layer: tfl.layers.Layer | tfl.LayersModel, before: tf.Tensor[]): number {
  const after = layer.getWeights();
  const change = Math.max(
    ...before.map((weight, index) => maxAbsDifference(weight, after[index]!)),
  );
  tf.dispose(before);
  return change;
}

describeWithBackends('freezing the attention', () => {
  let images: tf.Tensor4D;
  let labels: tf.Tensor2D;
  let pixels: tf.Tensor4D;

  beforeAll(() => {
    ({ images, labels } = labelledImages(6, SIZE, 1, 2, 41));
    pixels = stackAsPixels(images);
  });

  afterAll(() => tf.dispose([images, labels, pixels]));

  it('stops its updates inside a compiled model (model.fit), whether set before or after compile', async () => {
    for (const freezeBeforeCompile of [true, false]) {
      const gate = new GlobalSpatialAttentionGate({ pixels, channels: 4, seed: 1, penalty: 0.01 });
      const backbone = smallBackbone(SIZE, 1, 2, 2);
      const model = gatedModel(gate, backbone);
      if (freezeBeforeCompile) gate.trainable = false;
      model.compile({ optimizer: tf.train.adam(0.01), loss: crossEntropy });
      if (!freezeBeforeCompile) gate.trainable = false;
      const gateBefore = snapshot(gate);
      const backboneBefore = snapshot(backbone);
      const warn = console.warn;
      console.warn = () => {}; // tfjs warns that compile should follow a trainable change
      await model.fit(images, labels, { epochs: 2, batchSize: 3, verbose: 0 });
      console.warn = warn;
      expect(largestChange(gate, gateBefore)).toBe(0);
      expect(largestChange(backbone, backboneBefore)).toBeGreaterThan(1e-4);

      // Unfrozen again, it trains.
      gate.trainable = true;
      model.compile({ optimizer: tf.train.adam(0.01), loss: crossEntropy });
      const unfrozenBefore = snapshot(gate);
      await model.fit(images, labels, { epochs: 1, batchSize: 3, verbose: 0 });
      expect(largestChange(gate, unfrozenBefore)).toBeGreaterThan(1e-4);
      model.dispose();
    }
  });

  it('stops its updates inside a custom loop, with or without an explicit variable list', () => {
    const gate = new GlobalSpatialAttentionGate({ pixels, channels: 4, seed: 3 });
    const weightMap = new PixelWeightMap();
    const backbone = smallBackbone(SIZE, 1, 2, 4);
    const input = tfl.input({ shape: [SIZE, SIZE, 1] });
    const model = tfl.model({
      inputs: input,
      outputs: backbone.apply(weightMap.apply(gate.apply(input))) as tfl.SymbolicTensor,
    });
    const optimizer = tf.train.adam(0.01);
    // Stateless, so that it may see a different variable list each step.
    const anyVariables = tf.train.sgd(0.1);
    const loss = (): tf.Scalar =>
      tf.losses.softmaxCrossEntropy(labels, model.apply(images) as tf.Tensor2D) as tf.Scalar;

    gate.trainable = false;
    weightMap.trainable = false;
    expect(trainableVariables(model)).toHaveLength(backbone.trainableWeights.length);
    const gateBefore = snapshot(gate);
    const mapBefore = snapshot(weightMap);
    const backboneBefore = snapshot(backbone);
    for (let step = 0; step < 3; step++) {
      trainStep(optimizer, loss, trainableVariables(model));
      // No list: every trainable tf.Variable; freezing a layer clears its variables' flag too.
      trainStep(anyVariables, loss);
    }
    expect(largestChange(gate, gateBefore)).toBe(0);
    expect(largestChange(weightMap, mapBefore)).toBe(0);
    expect(largestChange(backbone, backboneBefore)).toBeGreaterThan(1e-4);

    // tfjs's Adam keeps its moments by position in the variable list: a new
    // list (here longer, the gate's variables first) needs a new optimiser.
    gate.trainable = true;
    const unfrozenBefore = snapshot(gate);
    const afterUnfreezing = tf.train.adam(0.01);
    trainStep(afterUnfreezing, loss, trainableVariables(model));
    expect(largestChange(gate, unfrozenBefore)).toBeGreaterThan(1e-4);
    model.dispose();
    for (const used of [optimizer, anyVariables, afterUnfreezing]) used.dispose();
  });

  it('keeps one Adam across the freeze when the backbone variables come first in the list', () => {
    const gate = new GlobalSpatialAttentionGate({ pixels, channels: 4, seed: 7 });
    const backbone = smallBackbone(SIZE, 1, 2, 8);
    const model = gatedModel(gate, backbone);
    const optimizer = tf.train.adam(0.01);
    const loss = (): tf.Scalar =>
      tf.losses.softmaxCrossEntropy(labels, model.apply(images) as tf.Tensor2D) as tf.Scalar;
    // Phase 1 then phase 2 of Algorithm 1 with the same optimiser: the frozen
    // gate's variables drop out at the end, so the backbone's moments keep their slots.
    const variables = trainableVariables(backbone, gate);
    for (let step = 0; step < 2; step++) trainStep(optimizer, loss, variables);
    gate.trainable = false;
    const gateBefore = snapshot(gate);
    const backboneBefore = snapshot(backbone);
    for (let step = 0; step < 2; step++) trainStep(optimizer, loss, variables);
    expect(largestChange(gate, gateBefore)).toBe(0);
    expect(largestChange(backbone, backboneBefore)).toBeGreaterThan(1e-4);
    model.dispose();
    optimizer.dispose();
  });

  it('a FixedSpatialMap never trains, even when marked trainable', async () => {
    const map = tf.randomUniform([SIZE, SIZE], 0, 1, 'float32', 5);
    const fixed = new FixedSpatialMap({ map });
    const model = gatedModel(fixed, smallBackbone(SIZE, 1, 2, 6));
    fixed.trainable = true;
    expect(fixed.trainableWeights).toHaveLength(0);
    model.compile({ optimizer: tf.train.adam(0.05), loss: crossEntropy });
    await model.fit(images, labels, { epochs: 2, batchSize: 3, verbose: 0 });
    // A custom step over every trainable variable in the engine.
    const optimizer = tf.train.sgd(0.1);
    trainStep(
      optimizer,
      () => tf.losses.softmaxCrossEntropy(labels, model.apply(images) as tf.Tensor2D) as tf.Scalar,
    );
    optimizer.dispose();
    expect(maxAbsDifference(fixed.getWeights()[0]!, map)).toBe(0);
    model.dispose();
    map.dispose();
  });

  it('freezing the GlobalSpatialAttention layer stops its updates in a custom loop', () => {
    const attention = new GlobalSpatialAttention({ channels: 4, seed: 3 });
    const backbone = smallBackbone(SIZE, 1, 2, 4);
    const loss = (): tf.Scalar => {
      const map = attention.apply(pixels) as tf.Tensor4D;
      const logits = backbone.apply(applySpatialMap(images, map)) as tf.Tensor2D;
      return tf.add(
        tf.losses.softmaxCrossEntropy(labels, logits),
        attentionPenalty(map, 0.01),
      ) as tf.Scalar;
    };
    expect(() => trainableVariables(backbone, attention)).toThrow(
      /has no weights yet: apply it once/,
    );
    tf.tidy(() => loss());
    const joint = tf.train.adam(0.01);
    const before = snapshot(attention);
    trainStep(joint, loss, trainableVariables(backbone, attention));
    expect(largestChange(attention, before)).toBeGreaterThan(1e-4);

    attention.trainable = false;
    expect(trainableVariables(attention)).toHaveLength(0);
    const frozen = snapshot(attention);
    const backboneBefore = snapshot(backbone);
    const onlyBackbone = tf.train.adam(0.01);
    // With the list and with no list at all (every trainable variable in the engine).
    trainStep(onlyBackbone, loss, trainableVariables(backbone, attention));
    trainStep(onlyBackbone, loss);
    expect(largestChange(attention, frozen)).toBe(0);
    expect(largestChange(backbone, backboneBefore)).toBeGreaterThan(1e-4);
    attention.dispose();
    backbone.dispose();
    joint.dispose();
    onlyBackbone.dispose();
  });

  it('a gate whose pixel representation was disposed says so', () => {
    const own = tf.clone(pixels);
    const gate = new GlobalSpatialAttentionGate({ pixels: own, channels: 4, seed: 1 });
    tf.tidy(() => gate.apply(images) as tf.Tensor);
    own.dispose();
    expect(gate.hasPixelRepresentation).toBe(false);
    expect(() => gate.apply(images)).toThrow(
      /was given a since-disposed pixel representation: call setPixelRepresentation\(P\)/,
    );
    gate.dispose();
  });
});
