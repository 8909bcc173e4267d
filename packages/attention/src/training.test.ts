import * as tfl from '@tensorflow/tfjs-layers';
import * as tf from '@tensorflow/tfjs-core';
import { describeWithBackends } from '@gsa/backends/testing';
import {
  GlobalSpatialAttention,
  GlobalSpatialAttentionGate,
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
/** The backbones end in logits: cross-entropy on softmax of them. */
const crossEntropy = (targets: tf.Tensor, logits: tf.Tensor): tf.Tensor =>
  tf.losses.softmaxCrossEntropy(targets, logits);
const LAMBDA = 0.05;

function gatedModel(gate: tfl.layers.Layer, backbone: tfl.LayersModel): tfl.LayersModel {
  const input = tfl.input({ shape: [SIZE, SIZE, 1] });
  const output = backbone.apply(gate.apply(input)) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: output });
}

describeWithBackends('a training step', () => {
  let images: tf.Tensor4D;
  let labels: tf.Tensor2D;
  let pixels: tf.Tensor4D;

  beforeAll(() => {
    ({ images, labels } = labelledImages(6, SIZE, 1, 2, 31));
    pixels = stackAsPixels(images);
  });

  afterAll(() => tf.dispose([images, labels, pixels]));

  it('computes the map and its gradients without leaking a tensor (custom loop)', () => {
    const attention = new GlobalSpatialAttention({ channels: 4, seed: 1 });
    const backbone = smallBackbone(SIZE, 1, 2, 2);
    const optimizer = tf.train.sgd(0.1);
    const loss = (): tf.Scalar => {
      const map = attention.apply(pixels) as tf.Tensor4D;
      const logits = backbone.apply(applySpatialMap(images, map)) as tf.Tensor2D;
      return tf.add(tf.losses.softmaxCrossEntropy(labels, logits), attentionPenalty(map, LAMBDA));
    };
    tf.tidy(() => loss()); // builds the layers
    const variables = trainableVariables(attention, backbone);
    for (let step = 0; step < 3; step++) {
      const before = tf.memory().numTensors;
      trainStep(optimizer, loss, variables);
      expect(tf.memory().numTensors).toBe(before);
    }
    attention.dispose();
    backbone.dispose();
    optimizer.dispose();
  });

  it('with the gate in model.fit: eq. 1 as the loss, the map computed once per step, no leak', async () => {
    const learningRate = 0.5;
    const gate = new GlobalSpatialAttentionGate({ pixels, channels: 4, seed: 3, penalty: LAMBDA });
    const model = gatedModel(gate, smallBackbone(SIZE, 1, 2, 4));
    // The same initial weights, trained by hand with the same plain SGD step.
    const twin = new GlobalSpatialAttentionGate({ pixels, channels: 4, seed: 3 });
    const twinModel = gatedModel(twin, smallBackbone(SIZE, 1, 2, 4));
    twinModel.setWeights(model.getWeights());

    const computeMap = gate.computeMap.bind(gate);
    let mapComputations = 0;
    gate.computeMap = () => {
      mapComputations++;
      return computeMap();
    };
    model.compile({ optimizer: tf.train.sgd(learningRate), loss: crossEntropy });
    const history = await model.fit(images, labels, { epochs: 1, batchSize: 6, verbose: 0 });
    expect(mapComputations).toBe(1);

    const expectedLoss = tf.tidy(() => {
      const map = twin.computeMap();
      const logits = twinModel.predict(images) as tf.Tensor2D;
      return tf.add(crossEntropy(labels, logits), attentionPenalty(map, LAMBDA)).dataSync()[0]!;
    });
    expect(history.history.loss![0]).toBeCloseTo(expectedLoss, 4);

    const twinOptimizer = tf.train.sgd(learningRate);
    trainStep(
      twinOptimizer,
      () => {
        const map = twin.computeMap();
        const logits = twinModel.apply(images) as tf.Tensor2D;
        return tf.add(crossEntropy(labels, logits), attentionPenalty(map, LAMBDA)) as tf.Scalar;
      },
      trainableVariables(twinModel),
    );
    const trained = model.getWeights();
    twinModel.getWeights().forEach((weight, index) => {
      expect(maxAbsDifference(weight, trained[index]!)).toBeLessThan(1e-5);
    });

    // Flat tensor count across epochs.
    const counts: number[] = [];
    for (let epoch = 0; epoch < 3; epoch++) {
      await model.fit(images, labels, { epochs: 1, batchSize: 3, verbose: 0 });
      counts.push(tf.memory().numTensors);
    }
    expect(new Set(counts).size).toBe(1);
    expect(mapComputations).toBe(1 + 3 * 2);
    model.dispose();
    twinModel.dispose();
    twinOptimizer.dispose();
  });
});
