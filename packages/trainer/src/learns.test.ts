// It learns: on the synthetic structured dataset (class evidence only inside
// a known disk, distracting textures elsewhere) global attention finds the
// disk, and with the same GAP backbone, split and budget it is not behind vanilla.
import '@tensorflow/tfjs-layers';
import * as tf from '@tensorflow/tfjs-core';
import { GlobalSpatialAttention } from '@gsa/attention';
import { useBackend } from '@gsa/backends';
import { createBackbone } from '@gsa/backbones';
import {
  generateSyntheticDataset,
  pixelRepresentation,
  readImages,
  stratifiedHoldout,
} from '@gsa/data';
import { binaryRocAuc } from '@gsa/eval';
import { trainTwoPhase, type AttentionSetup } from './train-two-phase.js';

const SIZE = 32;

describe('trainTwoPhase on synthetic structured data (wasm)', () => {
  it('global attention localises the evidence region and is not behind vanilla', async () => {
    await useBackend('wasm', { threads: 1 });
    const set = generateSyntheticDataset({ count: 240, size: SIZE, difficulty: 0.1, seed: 0 });
    const split = stratifiedHoldout(set.labels, { testFraction: 0.2, seed: 0 });
    const train = {
      images: await readImages(set, split.train),
      labels: Int32Array.from(split.train, (i) => set.labels[i]!),
    };
    const test = {
      images: await readImages(set, split.test),
      labels: Int32Array.from(split.test, (i) => set.labels[i]!),
    };
    const representation = await pixelRepresentation(set, split);

    const run = async (attention: AttentionSetup) => {
      const backbone = createBackbone('smallcnn', {
        inputShape: [SIZE, SIZE, 1],
        numClasses: 2,
        seed: 0,
        widths: [16, 32, 64],
      });
      const result = await trainTwoPhase({
        backbone,
        numClasses: 2,
        train,
        evaluation: test,
        attention,
        epochs: 16,
        cutoffEpoch: attention.mode === 'none' ? 0 : 6,
        batchSize: 32,
        learningRate: 3e-3,
        weightDecay: 1e-4,
        seed: 0,
      });
      backbone.dispose();
      return result;
    };
    const vanilla = await run({ mode: 'none' });
    const global = await run({
      mode: 'global',
      layer: new GlobalSpatialAttention({ channels: 8, seed: 0 }),
      pixelRepresentation: representation.pixels,
      lambda: 0.01,
    });
    const lastAccuracy = (history: typeof vanilla.history) => history.at(-1)!.evaluation!.accuracy;
    const auc = binaryRocAuc(
      global.map!.values,
      Array.from(set.mask, (value) => value > 0.5),
    );
    expect(auc).toBeGreaterThanOrEqual(0.8);
    expect(lastAccuracy(global.history)).toBeGreaterThanOrEqual(lastAccuracy(vanilla.history));
    tf.dispose([train.images, test.images, representation.pixels, set.images as tf.Tensor]);
  }, 600_000);
});
