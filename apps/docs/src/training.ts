// Trains vanilla and global attention side by side in the browser, with the
// same backbone, split, seed and budget, and reports every epoch (with the map
// as it forms). Everything runs on the tfjs backend chosen by @gsa/backends.
import '@tensorflow/tfjs-layers';
import type { ImageSet } from '@gsa/data';
import { binaryRocAuc } from '@gsa/eval';
import {
  DEMO_DEFAULTS,
  demoRunSettings,
  resolveRunConfig,
  splitRun,
  trainOnSplit,
  type RunConfig,
} from '@gsa/pipeline';
import type { EpochMetrics } from '@gsa/trainer';
import type { ScalarMap } from '@gsa/viz';

export type RunName = 'vanilla' | 'global';

/** The demo form's settings, in the run configuration's vocabulary (RunConfig). */
export interface DemoSettings {
  epochs: number;
  /** E: the map is frozen after this epoch. */
  cutoffEpoch: number;
  /** smallcnn's conv widths; it ends in global average pooling (position-blind). */
  widths: number[];
  /** K: the pixel CNN's width. */
  channels: number;
  lambda: number;
  learningRate: number;
  batchSize: number;
  seed: number;
}

/**
 * The run configuration of one of the demo's runs: @gsa/pipeline's demo
 * settings (those of `gsa demo`) with the form's values over them, validated
 * by the same schema as `gsa train`'s flags.
 */
export function demoRunConfig(settings: DemoSettings, run: RunName): RunConfig {
  const attention = run === 'global' ? 'global' : 'none';
  return resolveRunConfig(
    {
      ...demoRunSettings('browser:demo', attention, settings.epochs),
      backboneOptions: { widths: settings.widths },
      learningRate: settings.learningRate,
      batchSize: settings.batchSize,
      seed: settings.seed,
      ...(attention === 'global'
        ? {
            cutoffEpoch: Math.min(settings.cutoffEpoch, settings.epochs),
            channels: settings.channels,
            lambda: settings.lambda,
          }
        : {}),
    },
    undefined,
    'Check the demo settings.',
  );
}

const defaults = resolveRunConfig(demoRunSettings('browser:demo', 'global'));

/** `gsa demo`'s settings (the pipeline's), sized for a laptop's browser. */
export const DEMO_SETTINGS: DemoSettings = {
  epochs: defaults.epochs,
  cutoffEpoch: defaults.cutoffEpoch,
  widths: [...DEMO_DEFAULTS.widths],
  channels: defaults.channels,
  lambda: defaults.lambda,
  learningRate: defaults.learningRate,
  batchSize: defaults.batchSize,
  seed: defaults.seed,
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
 * Splits `set` with the run split every gsa path uses (its split column, or a
 * seeded stratified 80/20 hold-out), and trains both runs concurrently on the
 * active backend through @gsa/pipeline's trainOnSplit, as `gsa train` does:
 * the same split, accuracy and map for the same images and settings.
 * `region` is the true evidence mask ([H*W], 1 inside) when known, for the
 * map's ROC-AUC.
 */
export async function trainSideBySide(
  set: ImageSet,
  settings: DemoSettings,
  onEpoch: (report: EpochReport) => void,
  options: { region?: Float32Array; signal?: AbortSignal } = {},
): Promise<SideBySideResult> {
  const configs = {
    vanilla: demoRunConfig(settings, 'vanilla'),
    global: demoRunConfig(settings, 'global'),
  };
  const split = splitRun(set, configs.global);
  if (split.train.length === 0 || split.test.length === 0) {
    throw new Error(
      `${set.labels.length} images are too few to hold out a test set: add images (at least 5 per class).`,
    );
  }
  const region = options.region ? Array.from(options.region, (value) => value > 0.5) : undefined;
  const accuracy: Record<RunName, number> = { vanilla: 0, global: 0 };
  let finalMap: ScalarMap | undefined;
  let finalAuc: number | undefined;
  const run = async (name: RunName) => {
    const training = await trainOnSplit(
      set,
      { train: split.train, evaluation: split.test },
      configs[name],
      {
        ...(options.signal ? { signal: options.signal } : {}),
        callbacks: [
          {
            onEpochEnd: async (metrics: EpochMetrics, control) => {
              const report: EpochReport = { run: name, metrics };
              const map = control.map();
              if (map) {
                report.map = map;
                if (region) report.mapRocAuc = binaryRocAuc(map.values, region);
              }
              onEpoch(report);
              // Let the page paint between epochs.
              await new Promise((resolve) => setTimeout(resolve, 0));
            },
          },
        ],
      },
    );
    try {
      const { result } = training;
      const last = result.history[result.history.length - 1];
      accuracy[name] = last?.evaluation?.accuracy ?? 0;
      if (result.map) {
        finalMap = result.map;
        if (region) finalAuc = binaryRocAuc(result.map.values, region);
      }
    } finally {
      training.dispose();
      training.backbone.dispose();
    }
  };
  await Promise.all([run('vanilla'), run('global')]);
  return {
    trainImages: split.train.length,
    testImages: split.test.length,
    accuracy,
    ...(finalMap ? { map: finalMap } : {}),
    ...(finalAuc !== undefined ? { mapRocAuc: finalAuc } : {}),
  };
}
