// It learns: on the synthetic structured dataset (class evidence only inside
// a known disk, distracting textures elsewhere) global attention finds the
// disk, its map moves from about 0.5 towards a decision (the disk kept, the
// rest dimmed) with the default map learning rate, and with the same GAP backbone,
// split and budget it is not behind vanilla.
import '@tensorflow/tfjs-layers';
import * as tf from '@tensorflow/tfjs-core';
import { GlobalSpatialAttention, describeMapStatistics, mapStatistics } from '@gsa/attention';
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
    // The default budget moves the map to a decision, not just a ranking near 0.5.
    const inside = Array.from(set.mask, (value) => value > 0.5);
    const decision = mapStatistics(global.map!.values);
    const initial = mapStatistics(global.initialMap!.values);
    const meanOf = (keep: boolean) => {
      const picked = Array.from(global.map!.values).filter((_, i) => inside[i] === keep);
      return picked.reduce((sum, value) => sum + value, 0) / picked.length;
    };
    console.log(
      `learned map: ${describeMapStatistics(decision)}; inside ${meanOf(true).toFixed(3)}, outside ${meanOf(false).toFixed(3)}; initial ${describeMapStatistics(initial)}`,
    );
    // Measured (wasm, 1 thread): spread 0.39 from 0.07, inside 0.65 vs outside 0.43
    // (before the map study's defaults: spread about 0.05, no side above 0.55).
    expect(initial.spread).toBeLessThan(0.15);
    expect(decision.spread).toBeGreaterThanOrEqual(0.3);
    expect(meanOf(true)).toBeGreaterThanOrEqual(0.6);
    expect(meanOf(true) - meanOf(false)).toBeGreaterThanOrEqual(0.15);
    expect(lastAccuracy(global.history)).toBeGreaterThanOrEqual(lastAccuracy(vanilla.history));
    tf.dispose([train.images, test.images, representation.pixels, set.images as tf.Tensor]);
  }, 600_000);
});
