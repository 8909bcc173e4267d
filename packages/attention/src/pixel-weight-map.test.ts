import * as tfl from '@tensorflow/tfjs-layers';
import * as tf from '@tensorflow/tfjs-core';
import { describeWithBackends } from '@gsa/backends/testing';
import { PixelWeightMap, minimizeWithGroups, trainableVariables } from './index.js';
import { labelledImages, maxAbsDifference, smallBackbone } from './testing.fixture.js';

const SIZE = 6;
const STEPS = 5;

function mapShift(weightMap: PixelWeightMap): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(weightMap.getWeights()[0]!, 1))).dataSync()[0]!);
}

describeWithBackends('PixelWeightMap, the L1 baseline', () => {
  let images: tf.Tensor4D;
  let labels: tf.Tensor2D;

  beforeAll(() => {
    ({ images, labels } = labelledImages(6, SIZE, 2, 2, 81));
  });

  afterAll(() => tf.dispose([images, labels]));

  it('starts as the identity (a map of ones) and adds penalty * mean(|map|) to the fit loss', async () => {
    const weightMap = new PixelWeightMap({ penalty: 0.3 });
    const backbone = smallBackbone(SIZE, 2, 2, 1);
    const input = tfl.input({ shape: [SIZE, SIZE, 2] });
    const model = tfl.model({
      inputs: input,
      outputs: backbone.apply(weightMap.apply(input)) as tfl.SymbolicTensor,
    });
    const gated = weightMap.apply(images) as tf.Tensor;
    expect(maxAbsDifference(gated, images)).toBe(0);
    expect(weightMap.getWeights()[0]!.shape).toEqual([SIZE, SIZE]);

    const crossEntropy = tf.tidy(
      () =>
        tf.losses.softmaxCrossEntropy(labels, backbone.predict(images) as tf.Tensor).dataSync()[0]!,
    );
    model.compile({
      optimizer: tf.train.sgd(0),
      loss: (targets, logits) => tf.losses.softmaxCrossEntropy(targets, logits),
    });
    const history = await model.fit(images, labels, { epochs: 1, batchSize: 6, verbose: 0 });
    expect(history.history.loss![0]).toBeCloseTo(crossEntropy + 0.3 * 1, 5);
    tf.dispose(gated);
    model.dispose();
  });

  it('barely moves under Adam at lr 1e-4, and moves with its own learning rate', () => {
    const moved: Record<string, number> = {};
    for (const mapLearningRate of [1e-4, 1e-2]) {
      const weightMap = new PixelWeightMap();
      const backbone = smallBackbone(SIZE, 2, 2, 2);
      const loss = (): tf.Scalar => {
        const logits = backbone.apply(weightMap.apply(images)) as tf.Tensor2D;
        return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
      };
      tf.tidy(() => loss());
      const groups = [
        { optimizer: tf.train.adam(1e-4), variables: trainableVariables(backbone) },
        { optimizer: tf.train.adam(mapLearningRate), variables: trainableVariables(weightMap) },
      ];
      tf.dispose(minimizeWithGroups(loss, groups)); // Adam's moments are created here
      const tensors = tf.memory().numTensors;
      for (let step = 1; step < STEPS; step++) tf.dispose(minimizeWithGroups(loss, groups));
      expect(tf.memory().numTensors).toBe(tensors);
      moved[mapLearningRate] = mapShift(weightMap);
      for (const { optimizer } of groups) optimizer.dispose();
      weightMap.dispose();
      backbone.dispose();
    }
    // Adam moves each weight by at most about lr per step.
    expect(moved[1e-4]!).toBeLessThanOrEqual(STEPS * 1e-4 * 1.01);
    expect(moved[1e-2]!).toBeGreaterThan(10 * STEPS * 1e-4);
  });

  it('minimizeWithGroups applies each group with its own optimiser, like separate steps', () => {
    const weightMap = new PixelWeightMap();
    const backbone = smallBackbone(SIZE, 2, 2, 3);
    const loss = (): tf.Scalar =>
      tf.losses.softmaxCrossEntropy(
        labels,
        backbone.apply(weightMap.apply(images)) as tf.Tensor2D,
      ) as tf.Scalar;
    tf.tidy(() => loss());
    const mapVariables = trainableVariables(weightMap);
    const backboneVariables = trainableVariables(backbone);
    const start = [...mapVariables, ...backboneVariables].map((variable) => tf.clone(variable));
    // Expected: one SGD step with 0.5 on the map, one with 0.1 on the backbone.
    const { grads } = tf.variableGrads(loss, [...mapVariables, ...backboneVariables]);
    const expected = [...mapVariables, ...backboneVariables].map((variable, index) =>
      tf.sub(start[index]!, tf.mul(grads[variable.name]!, index < mapVariables.length ? 0.5 : 0.1)),
    );
    tf.dispose(
      minimizeWithGroups(loss, [
        { optimizer: tf.train.sgd(0.5), variables: mapVariables },
        { optimizer: tf.train.sgd(0.1), variables: backboneVariables },
      ]),
    );
    [...mapVariables, ...backboneVariables].forEach((variable, index) => {
      expect(maxAbsDifference(variable, expected[index]!)).toBeLessThan(1e-6);
    });
    expect(() =>
      minimizeWithGroups(loss, [
        { optimizer: tf.train.sgd(0.1), variables: mapVariables },
        { optimizer: tf.train.sgd(0.1), variables: mapVariables },
      ]),
    ).toThrow('is in more than one group');
    tf.dispose([...start, ...expected, ...Object.values(grads)]);
    weightMap.dispose();
    backbone.dispose();
  });

  it('turns into a FixedSpatialMap holding its current map', () => {
    const weightMap = new PixelWeightMap();
    weightMap.apply(tf.zeros([1, SIZE, SIZE, 2]));
    weightMap.setWeights([tf.randomUniform([SIZE, SIZE], 0, 2, 'float32', 4)]);
    const fixed = weightMap.toFixedSpatialMap();
    const [expected, actual] = [weightMap.apply(images), fixed.apply(images)] as tf.Tensor[];
    expect(maxAbsDifference(actual!, expected!)).toBe(0);
    expect(fixed.trainableWeights).toHaveLength(0);
    tf.dispose([expected!, actual!]);
    weightMap.dispose();
    fixed.dispose();
  });
});
