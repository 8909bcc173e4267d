// "Consume the attention layer in other models": the README's snippets, run.
import * as tfl from '@tensorflow/tfjs-layers';
import * as tf from '@tensorflow/tfjs-core';
import { join } from 'node:path';
import { describeWithBackends } from '@gsa/backends/testing';
import {
  GlobalSpatialAttention,
  GlobalSpatialAttentionGate,
  applySpatialMap,
  attentionPenalty,
  trainableVariables,
} from './index.js';
import {
  hasSharedFile,
  labelledImages,
  loadLayersModelFromDirectory,
  maxAbsDifference,
  saveAndLoad,
  sharedDataDirectory,
  smallBackbone,
  stackAsPixels,
} from './testing.fixture.js';

const SIZE = 8;
const STEPS = 6;

describeWithBackends('GlobalSpatialAttention in front of an existing model', () => {
  let x: tf.Tensor4D;
  let y: tf.Tensor2D;
  let pixels: tf.Tensor4D;

  beforeAll(() => {
    ({ images: x, labels: y } = labelledImages(8, SIZE, 1, 2, 61));
    pixels = stackAsPixels(x); // the training images as channels: [1, 8, 8, 8]
  });

  afterAll(() => tf.dispose([x, y, pixels]));

  it('a loaded pretrained model, gated and trained with model.fit: the loss goes down', async () => {
    const backbone = await saveAndLoad(smallBackbone(SIZE, 1, 2, 1)); // "pretrained"

    // The README snippet.
    const gate = new GlobalSpatialAttentionGate({ pixels, channels: 8, penalty: 0.01, seed: 2 });
    const images = tfl.input({ shape: backbone.inputs[0]!.shape.slice(1) });
    const model = tfl.model({
      inputs: images,
      outputs: backbone.apply(gate.apply(images)) as tfl.SymbolicTensor,
    });
    model.compile({
      optimizer: tf.train.adam(0.02),
      loss: (labels, logits) => tf.losses.softmaxCrossEntropy(labels, logits),
    });
    const history = await model.fit(x, y, { epochs: STEPS, batchSize: 8, verbose: 0 });

    const losses = history.history.loss as number[];
    expect(losses).toHaveLength(STEPS);
    expect(losses[STEPS - 1]!).toBeLessThan(losses[0]!);

    // Deploy: the constant map in front of the same backbone, no training images needed.
    const deployed = tfl.model({
      inputs: images,
      outputs: backbone.apply(gate.toFixedSpatialMap().apply(images)) as tfl.SymbolicTensor,
    });
    const [trainedOutput, deployedOutput] = [model.predict(x), deployed.predict(x)] as tf.Tensor[];
    expect(maxAbsDifference(trainedOutput!, deployedOutput!)).toBeLessThan(1e-6);
    tf.dispose([trainedOutput!, deployedOutput!]);
    model.dispose();
  });

  it('the pixel-CNN layer and applySpatialMap in a custom loop: the loss goes down', async () => {
    const backbone = await saveAndLoad(smallBackbone(SIZE, 1, 2, 3));
    const attention = new GlobalSpatialAttention({ channels: 8, seed: 4 });
    const optimizer = tf.train.adam(0.02);
    const lambda = 0.01;
    const loss = (): tf.Scalar => {
      const map = attention.apply(pixels) as tf.Tensor4D; // [1, H, W, 1]
      const logits = backbone.apply(applySpatialMap(x, map)) as tf.Tensor2D;
      return tf.add(tf.losses.softmaxCrossEntropy(y, logits), attentionPenalty(map, lambda));
    };
    tf.tidy(() => loss()); // builds the attention
    const variables = trainableVariables(backbone, attention);
    const losses: number[] = [];
    for (let step = 0; step < STEPS; step++) {
      const cost = optimizer.minimize(loss, true, variables)!;
      losses.push((await cost.data())[0]!);
      cost.dispose();
    }
    expect(losses[STEPS - 1]!).toBeLessThan(losses[0]!);
    attention.dispose();
    backbone.dispose();
    optimizer.dispose();
  });
});

// A real pretrained network when the shared weights are at hand (DESIGN.md
// section 5): ImageNet MobileNet v1 0.25, frozen, with the gate trained in front.
const MOBILENET = 'weights/mobilenet_v1_025_224';
const describeIfMobileNet = hasSharedFile(`${MOBILENET}/model.json`)
  ? describeWithBackends
  : () => {};

describeIfMobileNet(
  'GlobalSpatialAttentionGate in front of pretrained MobileNet v1 0.25',
  () => {
    it('trains the gate with the frozen backbone: the loss goes down', async () => {
      const backbone = await loadLayersModelFromDirectory(join(sharedDataDirectory, MOBILENET));
      backbone.trainable = false;
      const x = tf.randomUniform([2, 224, 224, 3], 0, 1, 'float32', 71) as tf.Tensor4D;
      const y = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d([3, 7], 'int32'), 1000), 'float32'));
      const pixels = stackAsPixels(x);
      const gate = new GlobalSpatialAttentionGate({ pixels, channels: 4, penalty: 0.01, seed: 72 });
      const images = tfl.input({ shape: backbone.inputs[0]!.shape.slice(1) });
      const model = tfl.model({
        inputs: images,
        outputs: backbone.apply(gate.apply(images)) as tfl.SymbolicTensor,
      });
      expect(trainableVariables(model)).toHaveLength(4); // the gate's only
      model.compile({ optimizer: tf.train.adam(0.05), loss: 'categoricalCrossentropy' });
      const history = await model.fit(x, y, { epochs: 3, batchSize: 2, verbose: 0 });
      const losses = history.history.loss as number[];
      expect(losses[2]!).toBeLessThan(losses[0]!);
      model.dispose();
      tf.dispose([x, y, pixels]);
    });
  },
  { backends: ['wasm'] },
);
