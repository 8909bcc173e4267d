// Trains vanilla and global attention side by side in the browser, with the
// same backbone, split, seed and budget, and reports every epoch (with the map
// as it forms). Everything runs on the tfjs backend chosen by @gsa/backends.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import { GlobalSpatialAttention } from '@gsa/attention';
import { createBackbone } from '@gsa/backbones';
import { holdout, imageShape, pixelRepresentation, readImages, type ImageSet } from '@gsa/data';
import { binaryRocAuc } from '@gsa/eval';
import { trainTwoPhase, type EpochMetrics } from '@gsa/trainer';
import { scalarMapFromTensor, type ScalarMap } from '@gsa/viz';

export type RunName = 'vanilla' | 'global';

export interface DemoSettings {
  epochs: number;
  /** E: the map is frozen after this epoch. */
  cutoff: number;
  /** smallcnn's conv widths; it ends in global average pooling (position-blind). */
  widths: number[];
  /** K: the pixel CNN's width. */
  channels: number;
  lambda: number;
  learningRate: number;
  batchSize: number;
  seed: number;
}

/** The CLI demo's settings (gsa demo), sized for a laptop's browser. */
export const DEMO_SETTINGS: DemoSettings = {
  epochs: 16,
  cutoff: 6,
  widths: [16, 32, 64],
  channels: 8,
  lambda: 0.01,
  learningRate: 3e-3,
  batchSize: 16,
  seed: 0,
};

export interface EpochReport {
  run: RunName;
  metrics: EpochMetrics;
  /** The global run's map after this epoch, [H, W] in [0, 1]. */
  map?: ScalarMap;
  /** ROC-AUC of the map against the true evidence region, when the data has one. */
  mapRocAuc?: number;
}

export interface SideBySideResult {
  trainImages: number;
  testImages: number;
  accuracy: Record<RunName, number>;
  map?: ScalarMap;
  mapRocAuc?: number;
}

/**
 * Splits `set` (seeded, stratified 80/20 unless it has a split column), builds
 * the pixel representation from the training images only, and trains both
 * runs concurrently on the active backend. `region` is the true evidence
 * mask ([H*W], 1 inside) when known, for the map's ROC-AUC.
 */
export async function trainSideBySide(
  set: ImageSet,
  settings: DemoSettings,
  onEpoch: (report: EpochReport) => void,
  options: { region?: Float32Array; signal?: AbortSignal } = {},
): Promise<SideBySideResult> {
  const [height, width, channels] = imageShape(set);
  const split = holdout(set, { seed: settings.seed });
  if (split.train.length === 0 || split.test.length === 0) {
    throw new Error(
      `${set.labels.length} images are too few to hold out a test set: add images (at least 5 per class).`,
    );
  }
  const trainImages = await readImages(set, split.train);
  const testImages = await readImages(set, split.test);
  const representation = await pixelRepresentation(set, { train: split.train, test: split.test });
  const region = options.region ? Array.from(options.region, (value) => value > 0.5) : undefined;
  const accuracy: Record<RunName, number> = { vanilla: 0, global: 0 };
  let finalMap: ScalarMap | undefined;
  let finalAuc: number | undefined;
  try {
    const run = async (name: RunName) => {
      const backbone = createBackbone('smallcnn', {
        inputShape: [height, width, channels],
        numClasses: set.classNames.length,
        widths: settings.widths,
        seed: settings.seed,
      });
      const layer =
        name === 'global'
          ? new GlobalSpatialAttention({ channels: settings.channels, seed: settings.seed })
          : undefined;
      try {
        const result = await trainTwoPhase({
          backbone,
          numClasses: set.classNames.length,
          train: { images: trainImages, labels: split.train.map((i) => set.labels[i]!) },
          evaluation: { images: testImages, labels: split.test.map((i) => set.labels[i]!) },
          attention: layer
            ? {
                mode: 'global',
                layer,
                pixelRepresentation: representation.pixels,
                lambda: settings.lambda,
              }
            : { mode: 'none' },
          epochs: settings.epochs,
          cutoffEpoch: layer ? Math.min(settings.cutoff, settings.epochs) : 0,
          batchSize: settings.batchSize,
          learningRate: settings.learningRate,
          weightDecay: 1e-4,
          seed: settings.seed,
          ...(options.signal ? { signal: options.signal } : {}),
          callbacks: [
            {
              onEpochEnd: async (metrics) => {
                const report: EpochReport = { run: name, metrics };
                if (layer) {
                  const mapTensor = tf.tidy(
                    () => layer.apply(representation.pixels) as tf.Tensor4D,
                  );
                  report.map = await scalarMapFromTensor(mapTensor);
                  mapTensor.dispose();
                  if (region) report.mapRocAuc = binaryRocAuc(report.map.values, region);
                }
                onEpoch(report);
                // Let the page paint between epochs.
                await new Promise((resolve) => setTimeout(resolve, 0));
              },
            },
          ],
        });
        const last = result.history[result.history.length - 1];
        accuracy[name] = last?.evaluation?.accuracy ?? 0;
        if (result.map) {
          finalMap = result.map;
          if (region) finalAuc = binaryRocAuc(result.map.values, region);
        }
      } finally {
        backbone.dispose();
        layer?.dispose();
      }
    };
    await Promise.all([run('vanilla'), run('global')]);
  } finally {
    tf.dispose([trainImages, testImages, representation.pixels]);
  }
  return {
    trainImages: split.train.length,
    testImages: split.test.length,
    accuracy,
    ...(finalMap ? { map: finalMap } : {}),
    ...(finalAuc !== undefined ? { mapRocAuc: finalAuc } : {}),
  };
}
