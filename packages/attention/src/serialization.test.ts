import * as tfl from '@tensorflow/tfjs-layers';
import * as tf from '@tensorflow/tfjs-core';
import { describeWithBackends } from '@gsa/backends/testing';
import {
  FixedSpatialMap,
  GlobalSpatialAttention,
  GlobalSpatialAttentionGate,
  PixelWeightMap,
} from './index.js';
import {
  labelledImages,
  maxAbsDifference,
  saveAndLoad,
  smallBackbone,
  stackAsPixels,
} from './testing.fixture.js';

const SIZE = 6;

function inFrontOf(layer: tfl.layers.Layer, backbone: tfl.LayersModel): tfl.LayersModel {
  const input = tfl.input({ shape: [SIZE, SIZE, 1] });
  return tfl.model({
    inputs: input,
    outputs: backbone.apply(layer.apply(input)) as tfl.SymbolicTensor,
  });
}

function layerOf<T extends tfl.layers.Layer>(
  model: tfl.LayersModel,
  type: abstract new (...args: never[]) => T,
): T {
  const found = model.layers.find((layer): layer is T => layer instanceof type);
  if (found === undefined) throw new Error(`no ${type.name} in the model`);
  return found;
}

/** Predictions of the original and the loaded model must be identical. */
function expectSameOutputs(
  original: tfl.LayersModel,
  loaded: tfl.LayersModel,
  input: tf.Tensor,
): void {
  const expected = original.predict(input) as tf.Tensor;
  const actual = loaded.predict(input) as tf.Tensor;
  expect(actual.shape).toEqual(expected.shape);
  expect(maxAbsDifference(actual, expected)).toBe(0);
  tf.dispose([expected, actual]);
}

describe('registration', () => {
  it('registers every layer under its className', () => {
    const registered = tf.serialization.SerializationMap.getMap().classNameMap;
    for (const layer of [
      GlobalSpatialAttention,
      GlobalSpatialAttentionGate,
      PixelWeightMap,
      FixedSpatialMap,
    ]) {
      expect(registered[layer.className]?.[0]).toBe(layer);
    }
  });
});

describeWithBackends('save and load', () => {
  let images: tf.Tensor4D;
  let pixels: tf.Tensor4D;

  beforeAll(() => {
    ({ images } = labelledImages(5, SIZE, 1, 2, 51));
    pixels = stackAsPixels(images);
  });

  afterAll(() => tf.dispose([images, pixels]));

  it('GlobalSpatialAttention: same config and the same map', async () => {
    const input = tfl.input({ shape: [SIZE, SIZE, 5] });
    const attention = new GlobalSpatialAttention({
      channels: 3,
      hiddenLayers: 2,
      activation: 'leakyRelu',
      initialization: 'glorot',
      seed: 4,
    });
    const model = tfl.model({
      inputs: input,
      outputs: attention.apply(input) as tfl.SymbolicTensor,
    });
    const loaded = await saveAndLoad(model);
    const loadedAttention = layerOf(loaded, GlobalSpatialAttention);
    expect(loadedAttention.getConfig()).toEqual(attention.getConfig());
    expect(loadedAttention.options).toEqual({
      channels: 3,
      kernelSize: 3,
      hiddenLayers: 2,
      activation: 'leakyRelu',
      initialization: 'glorot',
      seed: 4,
    });
    expectSameOutputs(model, loaded, pixels);
    model.dispose();
    loaded.dispose();
  });

  it('GlobalSpatialAttentionGate: P is not saved; given again, the outputs are identical', async () => {
    const gate = new GlobalSpatialAttentionGate({ pixels, channels: 3, seed: 5, penalty: 0.01 });
    const model = inFrontOf(gate, smallBackbone(SIZE, 1, 2, 6));
    const loaded = await saveAndLoad(model);
    const loadedGate = layerOf(loaded, GlobalSpatialAttentionGate);
    expect(loadedGate.getConfig()).toEqual(gate.getConfig());
    expect(loadedGate.pixelChannels).toBe(5);
    expect(loadedGate.penalty).toBe(0.01);
    expect(loadedGate.hasPixelRepresentation).toBe(false);
    expect(() => loaded.predict(images)).toThrow('call setPixelRepresentation(P)');
    expect(() => loadedGate.setPixelRepresentation(tf.zeros([1, SIZE, SIZE, 4]))).toThrow(
      'has 4 channels but the gate was made for 5',
    );
    loadedGate.setPixelRepresentation(pixels);
    expectSameOutputs(model, loaded, images);
    model.dispose();
    loaded.dispose();
  });

  it('PixelWeightMap: the trained map and the penalty survive', async () => {
    const weightMap = new PixelWeightMap({ penalty: 0.5 });
    const model = inFrontOf(weightMap, smallBackbone(SIZE, 1, 2, 7));
    weightMap.setWeights([tf.randomUniform([SIZE, SIZE], 0, 2, 'float32', 8)]);
    const loaded = await saveAndLoad(model);
    const loadedMap = layerOf(loaded, PixelWeightMap);
    expect(loadedMap.penalty).toBe(0.5);
    expect(loadedMap.losses).toHaveLength(1);
    expectSameOutputs(model, loaded, images);
    model.dispose();
    loaded.dispose();
  });

  it('FixedSpatialMap: a deployed model needs no pixel representation', async () => {
    const gate = new GlobalSpatialAttentionGate({ pixels, channels: 3, seed: 9 });
    const backbone = smallBackbone(SIZE, 1, 2, 10);
    const trained = inFrontOf(gate, backbone);
    const deployed = inFrontOf(gate.toFixedSpatialMap({ name: 'learned_map' }), backbone);
    expectSameOutputs(trained, deployed, images);
    const loaded = await saveAndLoad(deployed);
    const loadedMap = layerOf(loaded, FixedSpatialMap);
    expect(loadedMap.name).toBe('learned_map');
    expect(loadedMap.trainable).toBe(false);
    expect([loadedMap.height, loadedMap.width]).toEqual([SIZE, SIZE]);
    expectSameOutputs(deployed, loaded, images);
    const [map, loadedValues] = [gate.computeMap(), loadedMap.computeMap()];
    expect(maxAbsDifference(loadedValues, map)).toBe(0);
    tf.dispose([map, loadedValues]);
    trained.dispose();
    loaded.dispose();
  });
});
