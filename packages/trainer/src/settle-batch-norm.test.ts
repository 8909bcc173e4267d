import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describeWithBackends } from '@gsa/backends/testing';
import { settleBatchNormStatistics } from './settle-batch-norm.js';
import { tinyBackbone, tinyData } from './test-support.fixture.js';

describeWithBackends('settleBatchNormStatistics', () => {
  it('brings the moving statistics to the data, changes no other weight, leaks nothing', async () => {
    const backbone = tinyBackbone(5, 1, 2, true);
    const { images } = tinyData(32, 3);
    const batchNorm = backbone.layers.find(
      (layer) => layer.getClassName() === 'BatchNormalization',
    )!;
    const trainable = backbone.trainableWeights.map((weight) =>
      Array.from(weight.read().dataSync()),
    );
    const before = tf.memory().numTensors;
    const momentum = (batchNorm as unknown as { momentum: number }).momentum;
    // One pass over the 32 images in batches of 8: the average of four batch means is their mean.
    await settleBatchNormStatistics(backbone, images, undefined, { batchSize: 8 });
    expect((batchNorm as unknown as { momentum: number }).momentum).toBe(momentum);
    expect(tf.memory().numTensors).toBe(before);
    expect(backbone.trainableWeights.map((weight) => Array.from(weight.read().dataSync()))).toEqual(
      trainable,
    );
    const conv = tfl.model({
      inputs: backbone.inputs,
      outputs: backbone.layers[0]!.output as tfl.SymbolicTensor,
    });
    const features = conv.predict(images) as tf.Tensor;
    const { mean } = tf.moments(features, [0, 1, 2]);
    const movingMean = batchNorm.getWeights()[2]!;
    expect(tf.max(tf.abs(tf.sub(movingMean, mean))).dataSync()[0]).toBeLessThan(1e-5);
    tf.dispose([images, features, mean]);
    backbone.dispose();
  });
});
