import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@gsa/attention';
import { describeWithBackends } from '@gsa/backends/testing';
import { portableModel } from '@gsa/backbones';
import { deployableModel, deployedMap } from './deployable-model.js';
import { SIZE, tinyBackbone, tinyData } from './test-support.fixture.js';

describeWithBackends('deployableModel', () => {
  it('bakes the map in: the same logits as map * image -> backbone, and after save/load', async () => {
    const backbone = tinyBackbone(5);
    const { images } = tinyData(4, 1);
    const values = Float32Array.from({ length: SIZE * SIZE }, (_, i) => (i % 7) / 7);
    const model = deployableModel(backbone, { height: SIZE, width: SIZE, values });
    const expected = tf.tidy(
      () =>
        backbone.predict(
          tf.mul(images, tf.reshape(tf.tensor1d(values), [1, SIZE, SIZE, 1])),
        ) as tf.Tensor,
    );
    const actual = model.predict(images) as tf.Tensor;
    expect(tf.max(tf.abs(tf.sub(actual, expected))).dataSync()[0]).toBeLessThan(1e-6);

    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(saved!));
    const reloaded = loaded.predict(images) as tf.Tensor;
    expect(tf.max(tf.abs(tf.sub(reloaded, expected))).dataSync()[0]).toBeLessThan(1e-6);
    expect(loaded.trainableWeights.length).toBe(backbone.trainableWeights.length); // the map is not trainable
    tf.dispose([images, expected, actual, reloaded]);
    model.dispose();
    loaded.dispose();
  });

  it('reads its map back, from the FixedSpatialMap and from its stock form', async () => {
    const backbone = tinyBackbone(5);
    const values = Float32Array.from({ length: SIZE * SIZE }, (_, i) => (i % 5) / 5);
    const model = deployableModel(backbone, { height: SIZE, width: SIZE, values });
    const portable = await portableModel(model);
    expect(portable.getLayer('spatial_map').getClassName()).toBe('BatchNormalization');
    for (const form of [model, portable]) {
      expect(deployedMap(form)).toEqual({ height: SIZE, width: SIZE, values });
    }
    expect(deployedMap(deployableModel(backbone, undefined))).toBeUndefined();
    model.dispose();
    portable.dispose();
  });

  it('refuses a map of the wrong size', () => {
    const backbone = tinyBackbone(5);
    expect(() =>
      deployableModel(backbone, { height: 4, width: 4, values: new Float32Array(16) }),
    ).toThrow('The map is 4x4 but the backbone takes 8x8 images.');
    backbone.dispose();
  });
});
