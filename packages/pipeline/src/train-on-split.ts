import type * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { GlobalSpatialAttention, PixelWeightMap } from '@gsa/attention';
import {
  classifierLayers,
  createBackbone,
  describeWeightsReport,
  freezeAllButHead,
  freezeUpTo,
  frozenLayerNames,
  loadWeights,
} from '@gsa/backbones';
import {
  lowRankPixelRepresentation,
  pixelRepresentation,
  readImages,
  type ImageSet,
  type PixelRepresentation,
} from '@gsa/data';
import {
  CheckpointMismatchError,
  TrainingDivergedError,
  trainTwoPhase,
  type AttentionSetup,
  type CheckpointStore,
  type TrainingCallback,
  type TwoPhaseResult,
} from '@gsa/trainer';
import type { RunConfig } from './config.js';
import { PipelineError } from './errors.js';
import { pretrainedBackboneOptions, pretrainedInput } from './pretrained.js';

/** The settings one training needs; `gsa train`, every experiment cell and the docs demo share them. */
export type TrainingSettings = Pick<
  RunConfig,
  | 'backbone'
  | 'attention'
  | 'epochs'
  | 'cutoffEpoch'
  | 'channels'
  | 'lambda'
  | 'weightDecay'
  | 'learningRate'
  | 'mapLearningRate'
  | 'batchSize'
  | 'seed'
  | 'mapWarmupSteps'
  | 'mapEntropyWeight'
  | 'mapBoundaryWeight'
  | 'mapInitialization'
  | 'pixelRank'
  | 'standardizePixels'
  | 'pretrained'
  | 'train'
  | 'freezeUntil'
  | 'headLearningRate'
  | 'backboneOptions'
>;

/**
 * A finished training. `dispose()` frees the images and the pixel
 * representation; the caller owns `backbone` (it may live on in a deployed model).
 */
export interface SplitTraining {
  result: TwoPhaseResult;
  backbone: LayersModel;
  trainImages: tf.Tensor4D;
  trainLabels: Int32Array;
  evaluationImages: tf.Tensor4D;
  evaluationLabels: Int32Array;
  representation?: PixelRepresentation;
  dispose(): void;
}

export interface TrainingHooks {
  callbacks?: TrainingCallback[];
  /** Where checkpoints go (@gsa/trainer/node's fileCheckpointStore in Node). */
  checkpoints?: { store: CheckpointStore; keep?: number; resume?: boolean };
  signal?: AbortSignal;
  log?: (message: string) => void;
}

/**
 * Trains `settings.backbone` on `split.train` (the pixel representation is
 * built from those images only) and scores `split.evaluation` after every
 * epoch.
 */
export async function trainOnSplit(
  set: ImageSet,
  split: { train: readonly number[]; evaluation: readonly number[] },
  settings: TrainingSettings,
  hooks: TrainingHooks = {},
): Promise<SplitTraining> {
  if (set.classNames.length < 2) {
    throw new PipelineError(
      `${set.metadata.location ?? 'The data'} has ${set.classNames.length} class${set.classNames.length === 1 ? ` ('${set.classNames[0]}')` : 'es'}: a classifier needs at least two.`,
      'Label the images with two or more classes (a labels.csv, or a folder per class).',
    );
  }
  const [height, width, channels] = [
    set.metadata.height,
    set.metadata.width,
    set.metadata.channels,
  ];
  const trainLabels = Int32Array.from(split.train, (index) => set.labels[index]!);
  const evaluationLabels = Int32Array.from(split.evaluation, (index) => set.labels[index]!);
  const trainImages = await readImages(set, split.train);
  const evaluationImages = await readImages(set, split.evaluation);
  const owned: { dispose(): unknown }[] = [trainImages, evaluationImages];

  let backbone: LayersModel | undefined;
  try {
    let representation: PixelRepresentation | undefined;
    if (settings.attention === 'global') {
      representation =
        settings.pixelRank === 'exact'
          ? await pixelRepresentation(
              set,
              { train: split.train },
              { standardize: settings.standardizePixels },
            )
          : await lowRankPixelRepresentation(
              set,
              { train: split.train },
              {
                rank: settings.pixelRank,
                seed: settings.seed,
                standardize: settings.standardizePixels,
              },
            );
      owned.push(representation.pixels);
      hooks.log?.(
        `gsa: pixel representation ${representation.kind}, ${representation.pixels.shape[3]} channels` +
          (representation.standardized ? ', each image standardised' : ', raw intensities') +
          (representation.kind === 'low-rank'
            ? ` (${(representation.explainedVariance * 100).toFixed(1)}% of the variance)`
            : ''),
      );
    }
    try {
      backbone = createBackbone(settings.backbone, {
        ...(settings.pretrained ? pretrainedBackboneOptions(settings.backbone) : {}),
        ...settings.backboneOptions,
        inputShape: [height, width, channels],
        numClasses: set.classNames.length,
        seed: settings.seed,
      });
    } catch (error) {
      throw new PipelineError(
        `Cannot build ${settings.backbone}: ${(error as Error).message}`,
        'Check backboneOptions in the config file.',
      );
    }
    if (settings.pretrained) await fineTuneSetup(backbone, settings, [height, width], hooks.log);
    const layerLearningRates = headLearningRates(backbone, settings, hooks.log);
    const attention: AttentionSetup =
      settings.attention === 'none'
        ? { mode: 'none' }
        : settings.attention === 'l1'
          ? {
              mode: 'l1',
              layer: new PixelWeightMap(),
              lambda: settings.lambda,
              // resolveRunConfig refuses a rule name without a pixel CNN.
              ...(typeof settings.mapLearningRate === 'number'
                ? { learningRate: settings.mapLearningRate }
                : {}),
            }
          : {
              mode: 'global',
              layer: new GlobalSpatialAttention({
                channels: settings.channels,
                seed: settings.seed,
                initialization: settings.mapInitialization,
              }),
              pixelRepresentation: representation!.pixels,
              lambda: settings.lambda,
              ...(settings.mapLearningRate === undefined
                ? {}
                : { learningRate: settings.mapLearningRate }),
              ...(settings.mapWarmupSteps === undefined
                ? {}
                : { warmupSteps: settings.mapWarmupSteps }),
              ...(settings.mapEntropyWeight === undefined
                ? {}
                : { entropyWeight: settings.mapEntropyWeight }),
              ...(settings.mapBoundaryWeight === undefined
                ? {}
                : { boundaryWeight: settings.mapBoundaryWeight }),
            };
    if (attention.mode !== 'none') {
      const layer = attention.layer;
      // A layer that never ran (training failed first) holds no weights, and tfjs refuses to dispose it.
      owned.push({ dispose: () => layer.built && layer.dispose() });
    }
    const result = await trainTwoPhase({
      backbone,
      numClasses: set.classNames.length,
      train: { images: trainImages, labels: trainLabels },
      evaluation: { images: evaluationImages, labels: evaluationLabels },
      attention,
      epochs: settings.epochs,
      cutoffEpoch: settings.cutoffEpoch,
      batchSize: settings.batchSize,
      learningRate: settings.learningRate,
      layerLearningRates,
      weightDecay: settings.weightDecay,
      seed: settings.seed,
      ...(hooks.checkpoints ? { checkpoints: hooks.checkpoints } : {}),
      ...(hooks.callbacks ? { callbacks: hooks.callbacks } : {}),
      ...(hooks.signal ? { signal: hooks.signal } : {}),
      ...(hooks.log ? { log: hooks.log } : {}),
    });
    return {
      result,
      backbone,
      trainImages,
      trainLabels,
      evaluationImages,
      evaluationLabels,
      ...(representation ? { representation } : {}),
      dispose: () => disposeAll(owned),
    };
  } catch (error) {
    disposeAll(owned);
    backbone?.dispose();
    if (error instanceof CheckpointMismatchError) {
      throw new PipelineError(
        error.message,
        'Resume with the settings the run started with (its config.json), or start it over with --force.',
        1,
        { cause: error },
      );
    }
    if (error instanceof TrainingDivergedError) {
      throw new PipelineError(
        error.message,
        'Lower --learning-rate or --lambda, or look for NaN in the images; the last good checkpoint is kept.',
        1,
        { cause: error },
      );
    }
    throw error;
  }
}

function disposeAll(owned: { dispose(): unknown }[]): void {
  for (const item of owned.splice(0)) item.dispose();
}

/**
 * Pretrained weights into `backbone`: the body loaded strictly, a classifier
 * that does not fit the data's classes replaced by a fresh one, then what
 * trains (`train`, `freezeUntil`); logs what was loaded, replaced and frozen.
 */
async function fineTuneSetup(
  backbone: LayersModel,
  settings: TrainingSettings,
  [height, width]: [number, number],
  log: ((message: string) => void) | undefined,
): Promise<void> {
  const source = settings.pretrained!;
  let report;
  try {
    report = await loadWeights(backbone, source, { head: 'auto' });
  } catch (error) {
    // @gsa/backbones names the file or URL, the layers and shapes.
    throw new PipelineError(
      (error as Error).message,
      `Pass ${settings.backbone}'s own weights: a torchvision state_dict as .safetensors or a tfjs model.json (see @gsa/backbones' README).`,
      1,
      { cause: error },
    );
  }
  log?.(`gsa: pretrained weights ${source} (${report.format}):`);
  for (const line of describeWeightsReport(report)) log?.(`gsa:   ${line}`);
  const input = pretrainedInput(settings.backbone);
  if (input?.weightsInputSize && Math.min(height, width) < input.weightsInputSize / 2) {
    log?.(
      `gsa: warning: the images are ${height}x${width}, but ${settings.backbone}'s weights were trained at ${input.weightsInputSize}x${input.weightsInputSize}; features learned at that scale transfer poorly to images this small. Pass --size ${input.weightsInputSize} (or at least ${input.weightsInputSize / 2}) if the images allow.`,
    );
  }
  if (settings.train === 'head') freezeAllButHead(backbone);
  else if (settings.freezeUntil) {
    try {
      freezeUpTo(backbone, settings.freezeUntil);
    } catch (error) {
      throw new PipelineError(
        `--freeze-until ${settings.freezeUntil}: ${(error as Error).message}`,
        `Name a layer or torchvision module of ${settings.backbone} (e.g. layer2 for a ResNet, features.denseblock2 for a DenseNet).`,
      );
    }
  }
  const frozen = frozenLayerNames(backbone);
  log?.(
    frozen.length === 0
      ? `gsa:   training every layer (${backbone.trainableWeights.length} weights)`
      : `gsa:   frozen ${frozen.length} layers with weights (${frozen.slice(0, 3).join(', ')}${frozen.length > 3 ? `, ... ${frozen.at(-1)}` : ''}); training ${backbone.trainableWeights.length} weights`,
  );
}

/** The classifier's own learning rate (`headLearningRate`), by layer name for the trainer. */
function headLearningRates(
  backbone: LayersModel,
  settings: TrainingSettings,
  log: ((message: string) => void) | undefined,
): Record<string, number> {
  const rate = settings.headLearningRate;
  if (rate === undefined) return {};
  const heads = classifierLayers(backbone);
  log?.(
    `gsa: classifier ${heads.map((layer) => layer.name).join(', ')} at learning rate ${rate}, the rest at ${settings.learningRate}`,
  );
  return Object.fromEntries(heads.map((layer) => [layer.name, rate]));
}
