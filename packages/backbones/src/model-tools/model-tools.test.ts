import '@tensorflow/tfjs-layers'; // registers the gradients in Node
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@gsa/backends';
import { createBackbone, decodeSafetensors, encodeTorchvisionWeights } from '../index.js';
import { freezeUpTo, frozenLayerNames, unfreezeAll } from './freeze.js';
import { featureExtractor, featureLayerName } from './graph.js';
import { classifierLayers, replaceHead } from './head.js';
import { countParameters } from './parameters.js';

beforeAll(async () => {
  await useBackend('wasm', { threads: 1 });
});

const smallResNet = () =>
  createBackbone('resnet18', {
    inputShape: [32, 32, 3],
    layers: [1, 1, 1],
    width: 1 / 16,
    numClasses: 10,
    seed: 1,
  });

function valuesOf(tensor: tf.Tensor): number[] {
  return Array.from(tensor.dataSync());
}

describe('replaceHead', () => {
  it.each([
    ['resnet (Dense fc)', () => smallResNet(), 'fc'],
    [
      'mobilenet_v1 (1x1 conv_preds and a reshape)',
      () => createBackbone('mobilenet_v1', { inputShape: [32, 32, 3], alpha: 0.25, seed: 1 }),
      'conv_preds',
    ],
    [
      'googlenet (main and auxiliary heads)',
      () =>
        createBackbone('googlenet', {
          inputShape: [32, 32, 3],
          width: 1 / 16,
          auxLogits: true,
          seed: 1,
        }),
      'fc',
    ],
  ])('%s: any number of classes, the trunk shared', (_label, build, headName) => {
    const model = build();
    const replaced = replaceHead(model, 7, { seed: 2 });
    expect(replaced.outputs).toHaveLength(model.outputs.length);
    for (const output of replaced.outputs) expect(output.shape).toEqual([null, 7]);
    expect(replaced.getLayer(headName)).not.toBe(model.getLayer(headName));
    const trunk = featureLayerName(model);
    expect(replaced.getLayer(trunk)).toBe(model.getLayer(trunk)); // same layer, same weights
    const images = tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 3);
    const predicted = replaced.predict(images) as tf.Tensor | tf.Tensor[];
    for (const output of Array.isArray(predicted) ? predicted : [predicted]) {
      expect(output.shape).toEqual([2, 7]);
      output.dispose();
    }
    images.dispose();
    replaced.dispose(); // disposes the shared trunk too
  });

  it('keeps the torchvision names: the new head exports as fc.weight [classes, in]', () => {
    const replaced = replaceHead(smallResNet(), 3);
    expect(
      decodeSafetensors(encodeTorchvisionWeights(replaced)).tensors.get('fc.weight')!.shape,
    ).toEqual([3, 16]);
    replaced.dispose();
  });

  it('refuses a feature extractor (it has no classifier)', () => {
    const features = createBackbone('resnet18', {
      inputShape: [32, 32, 3],
      layers: [1],
      width: 1 / 16,
      output: 'features',
    });
    expect(() => replaceHead(features, 3)).toThrow(/does not end in a classifier/);
    features.dispose();
    // A 3x3 conv with weights at the end is the body, not a classifier to replace.
    const vggFeatures = createBackbone('vgg11', {
      inputShape: [32, 32, 3],
      layers: [4, 'M', 8],
      output: 'features',
    });
    expect(() => classifierLayers(vggFeatures)).toThrow(/does not end in a classifier/);
    vggFeatures.dispose();
  });
});

describe('freezing', () => {
  it('freezeUpTo freezes a torchvision module and everything before it, and nothing after', () => {
    const model = smallResNet();
    const frozen = freezeUpTo(model, 'layer2');
    expect(frozen).toEqual(
      expect.arrayContaining([
        'conv1',
        'bn1',
        'layer1.0.conv1',
        'layer2.0.downsample.1',
        'layer2.0',
      ]),
    );
    expect(frozen.some((name) => name.startsWith('layer3') || name === 'fc')).toBe(false);
    const trainableNames = new Set(
      model.trainableWeights.map((weight) => weight.originalName.split('/')[0]),
    );
    expect(trainableNames).toEqual(
      new Set([
        'layer3.0.conv1',
        'layer3.0.bn1',
        'layer3.0.conv2',
        'layer3.0.bn2',
        'layer3.0.downsample.0',
        'layer3.0.downsample.1',
        'fc',
      ]),
    );
    // Moving the boundary back unfreezes what lies in between.
    freezeUpTo(model, 'bn1');
    expect(frozenLayerNames(model)).toEqual(['conv1', 'bn1']);
    unfreezeAll(model);
    expect(frozenLayerNames(model)).toEqual([]);
    expect(countParameters(model, { trainableOnly: true })).toBe(countParameters(model));
    expect(() => freezeUpTo(model, 'layer9')).toThrow(/no layer or module 'layer9'/);
    model.dispose();
  });

  it('a frozen trunk neither learns nor moves its batch-norm statistics while the rest trains', () => {
    const model = smallResNet();
    freezeUpTo(model, 'layer2');
    const images = tf.randomUniform([4, 32, 32, 3], 0, 1, 'float32', 4);
    const labels = tf.oneHot(tf.tensor1d([1, 2, 3, 4], 'int32'), 10);
    const frozenBefore = model.getLayer('layer2.0.bn1').getWeights().map(valuesOf);
    const conv1Before = valuesOf(model.getLayer('conv1').getWeights()[0]!);
    const trainableBefore = model.getLayer('layer3.0.bn1').getWeights().map(valuesOf);
    const optimizer = tf.train.adam(1e-2);
    const variables = model.trainableWeights.map((weight) => weight.read() as tf.Variable);
    for (let step = 0; step < 2; step++) {
      optimizer.minimize(
        () =>
          tf.losses.softmaxCrossEntropy(
            labels,
            model.apply(images, { training: true }) as tf.Tensor,
          ) as tf.Scalar,
        false,
        variables,
      );
    }
    expect(model.getLayer('layer2.0.bn1').getWeights().map(valuesOf)).toEqual(frozenBefore);
    expect(valuesOf(model.getLayer('conv1').getWeights()[0]!)).toEqual(conv1Before);
    const trainableAfter = model.getLayer('layer3.0.bn1').getWeights().map(valuesOf);
    for (let index = 0; index < 4; index++)
      expect(trainableAfter[index]).not.toEqual(trainableBefore[index]);
    // With the whole model frozen, a training call is an inference call.
    model.trainable = false;
    const inTraining = model.apply(images, { training: true }) as tf.Tensor;
    const inInference = model.predict(images) as tf.Tensor;
    expect(valuesOf(inTraining)).toEqual(valuesOf(inInference));
    tf.dispose([images, labels, inTraining, inInference]);
    optimizer.dispose();
    model.dispose();
  });
});

describe('featureExtractor', () => {
  it('shares the trained weights and stops at the last feature map (or a named layer)', () => {
    const model = smallResNet();
    const extractor = featureExtractor(model);
    expect(extractor.outputs[0]!.shape).toEqual([null, 2, 2, 16]);
    expect(extractor.getLayer('layer3.0')).toBe(model.getLayer('layer3.0'));
    expect(featureExtractor(model, 'layer2.0').outputs[0]!.shape).toEqual([null, 4, 4, 8]);
    model.dispose();
  });
});
