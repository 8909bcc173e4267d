// It learns: on the synthetic structured dataset (class evidence only inside
// a known disk, distracting textures elsewhere) global attention finds the
// disk, its map moves from about 0.5 to a decision (most of the disk above 0.9,
// most of the rest below 0.1) with the default settings, and with the same GAP backbone,
// split and budget it is not behind vanilla.
import '@tensorflow/tfjs-layers';
import * as tf from '@tensorflow/tfjs-core';
import {
  GlobalSpatialAttention,
  describeMapStatistics,
  mapStatistics,
  regionDecision,
} from '@gsa/attention';
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
    // The demo's measure: the mean test accuracy of the last 5 epochs (one run's last
    // epoch alone moves by a test image, 2 points of 48, with batch-norm settling).
    const lastAccuracy = (history: typeof vanilla.history) =>
      history.slice(-5).reduce((sum, epoch) => sum + epoch.evaluation!.accuracy, 0) / 5;
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
      const side = Array.from(global.map!.values).filter((_, i) => inside[i] === keep);
      return side.reduce((sum, value) => sum + value, 0) / side.length;
    };
    const { regionAbove, restBelow } = regionDecision(global.map!.values, inside);
    console.log(
      `learned map: ${describeMapStatistics(decision)}; inside ${meanOf(true).toFixed(3)} ` +
        `(${(100 * regionAbove).toFixed(0)}% > 0.9), outside ${meanOf(false).toFixed(3)} ` +
        `(${(100 * restBelow).toFixed(0)}% < 0.1); initial ${describeMapStatistics(initial)}`,
    );
    // Measured (wasm, 1 thread): spread 1.00 from 0.07, inside 0.999 vs outside 0.34.
    // Before the decision term: spread 0.39, inside 0.65 vs outside 0.43, nothing
    // decided; before the map study: spread about 0.05, no side above 0.55.
    expect(initial.spread).toBeLessThan(0.15);
    expect(decision.spread).toBeGreaterThanOrEqual(0.9);
    // The paper's "decision boundary": most of the region above 0.9, most of the rest below 0.1.
    expect(regionAbove).toBeGreaterThan(0.5);
    expect(restBelow).toBeGreaterThan(0.5);
    console.log(
      `test accuracy, mean of the last 5 epochs: global ${lastAccuracy(global.history).toFixed(3)}, vanilla ${lastAccuracy(vanilla.history).toFixed(3)}`,
    );
    expect(lastAccuracy(global.history)).toBeGreaterThanOrEqual(lastAccuracy(vanilla.history));
    tf.dispose([train.images, test.images, representation.pixels, set.images as tf.Tensor]);
  }, 600_000);
});
