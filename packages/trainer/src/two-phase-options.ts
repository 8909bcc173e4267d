// What trainTwoPhase takes and returns, and the checks on what it takes.
import type * as tf from '@tensorflow/tfjs-core';
import type { LayersModel, layers } from '@tensorflow/tfjs-layers';
import type { PixelWeightMap } from '@gsa/attention';
import type { CheckpointStore } from './checkpoint-store.js';
import type { MapLearningRateRule, MapLearningRateRuleName } from './map-learning-rate.js';
import type { EpochMetrics, TrainingCallback } from './types.js';

/** Images `[N, H, W, C]` and their class indices. */
export interface LabelledImages {
  images: tf.Tensor4D;
  labels: Int32Array | number[];
}

/** Which map goes in front of the backbone. */
export type AttentionSetup =
  | { mode: 'none' }
  | {
      mode: 'global';
      /** The pixel CNN, e.g. `new GlobalSpatialAttention({ channels: 32 })`. */
      layer: layers.Layer;
      /** `[1, H, W, D]`: the training images as channels, or a low-rank basis of them. */
      pixelRepresentation: tf.Tensor4D;
      /** Coefficient of `mean(|map|)` in the loss. */
      lambda: number;
      /**
       * The pixel CNN's learning rate: one number for all its weights (the
       * CLI's `--map-learning-rate`), a rule's name or a rule (per weight). Default
       * `inputFanIn`: the first kernel, which sums 9 x D inputs that move
       * together, at the backbone's rate x min(1, 32 / D); the rest of the
       * pixel CNN at the backbone's rate (see the README's map study).
       */
      learningRate?: number | MapLearningRateRuleName | MapLearningRateRule;
      /**
       * Linear warm-up of the pixel CNN's rates over this many steps. Default:
       * a third of phase 1 (`mapWarmupSteps`), so that the backbone starts to
       * fit before the map commits to a region; 0 turns it off.
       */
      warmupSteps?: number;
      /**
       * Weight of the decision term in phase 1's loss (`entropyPenalty` of
       * @gsa/attention, the map's binary entropy, its two sides of 0.5
       * weighed alike), ramped from 0 over phase 1: it pays every pixel for
       * deciding, towards 0 or 1. Not in the paper; 0, with `boundaryWeight` 0, is the paper's loss.
       * Default `DEFAULT_MAP_ENTROPY_WEIGHT` (0.3), from the README's map study.
       */
      entropyWeight?: number;
      /**
       * Weight of the boundary term in phase 1's loss (`boundaryPenalty` of
       * @gsa/attention), ramped like the entropy term: it pulls the map
       * towards the set of pixels the backbone's cross-entropy gradient asks
       * for (`boundaryLevel`), so that the map decides at the evidence rather
       * than at its own 0.5 contour. Not in the paper; 0 turns it off.
       * Default `DEFAULT_MAP_BOUNDARY_WEIGHT`, from the README's map study.
       */
      boundaryWeight?: number;
    }
  | {
      mode: 'l1';
      /** The paper's L1 baseline, `new PixelWeightMap()`. */
      layer: PixelWeightMap;
      lambda: number;
      /** The map's own learning rate: at the backbone's it barely moves (see @gsa/attention). */
      learningRate?: number;
    };

export interface TwoPhaseOptions {
  /** Attended images -> logits. Trained in both phases. */
  backbone: LayersModel;
  numClasses: number;
  train: LabelledImages;
  /** Evaluated after every epoch (inference mode, never touching training state). */
  evaluation?: LabelledImages;
  attention: AttentionSetup;
  epochs: number;
  /** E: the last epoch of phase 1. After it the map is computed once and frozen. */
  cutoffEpoch: number;
  batchSize?: number;
  learningRate?: number;
  /**
   * Rates of their own for named backbone layers (fine-tuning: a new
   * classifier at 10x the body's rate). Every other trainable weight gets
   * `learningRate`.
   */
  layerLearningRates?: Readonly<Record<string, number>>;
  /** PyTorch Adam's L2 weight decay (added to the gradient), or AdamW's with `decoupledWeightDecay`. */
  weightDecay?: number;
  decoupledWeightDecay?: boolean;
  /** Fixes the epoch order (weights are seeded where they are made: the layers' own seeds). */
  seed?: number;
  callbacks?: TrainingCallback[];
  /**
   * Where checkpoints go, every epoch (`fileCheckpointStore(directory)` of
   * @gsa/trainer/node writes each atomically); `keep` the newest (default 3);
   * `resume` continues from the newest one.
   */
  checkpoints?: { store: CheckpointStore; keep?: number; resume?: boolean };
  /** Stops after the current step; the last finished epoch's checkpoint is kept. */
  signal?: AbortSignal;
  /** Evaluation batch size; default the training batch size. */
  evaluationBatchSize?: number;
  /**
   * Batch norm's moving statistics for evaluation and deployment, over up to
   * this many training images (training itself is unaffected). Each epoch's
   * evaluation uses the equal average of the batch statistics of the epoch's
   * last steps covering that many images (no extra pass); before returning,
   * the statistics are recomputed with the final weights over that many
   * images spread evenly over the set ("precise batch norm"), so the returned
   * backbone is ready to evaluate or deploy. Fast, short runs otherwise
   * evaluate with moving averages that lag the weights, sometimes at chance
   * level. 0 keeps the moving averages, as PyTorch's `model.eval()` does.
   * Default 1024; no cost without batch norm.
   */
  preciseBatchNormImages?: number;
  log?: (message: string) => void;
}

/** A map `[H, W]` as plain values, row-major. */
export interface MapValues {
  height: number;
  width: number;
  values: Float32Array;
}

export interface TwoPhaseResult {
  history: EpochMetrics[];
  /** The final map `[H, W]` (the frozen one after phase 1), absent for vanilla runs. */
  map?: MapValues;
  /**
   * The map of the initial weights, computed before the first update: "before
   * learning" beside `map` (the paper's Fig. 4). Absent for vanilla runs, and
   * after resuming from a checkpoint written before checkpoints carried it.
   */
  initialMap?: MapValues;
  /** Why training ended early (a callback, the signal), if it did. */
  stopReason?: string;
  /** Seconds spent in each phase (this run only, not before a resume). */
  phaseSeconds: { phase1: number; phase2: number };
  /** Epochs run by this call (fewer than `epochs` after a resume or an early stop). */
  epochsRun: number;
}

/** A resume found a checkpoint made with other settings (both are in the message). */
export class CheckpointMismatchError extends Error {
  constructor(
    readonly location: string,
    readonly saved: string,
    readonly current: string,
  ) {
    super(
      `The checkpoint in ${location} was made by a run with other settings:\n  saved: ${saved}\n  now:   ${current}\n` +
        'Resume with the same settings, or start a new run directory.',
    );
    this.name = 'CheckpointMismatchError';
  }
}

/** Training produced a loss that is not a finite number. */
export class TrainingDivergedError extends Error {
  constructor(
    readonly epoch: number,
    readonly step: number,
    readonly loss: number,
    readonly lastCheckpoint: string | undefined,
  ) {
    super(
      `The loss became ${loss} at epoch ${epoch}, step ${step}. ` +
        (lastCheckpoint
          ? `The last good checkpoint is ${lastCheckpoint}. `
          : 'No checkpoint was written yet. ') +
        'Lower the learning rate or lambda, or check the inputs for NaN.',
    );
    this.name = 'TrainingDivergedError';
  }
}

export interface ValidatedOptions extends TwoPhaseOptions {
  batchSize: number;
  learningRate: number;
  weightDecay: number;
  decoupledWeightDecay: boolean;
  seed: number;
  evaluationBatchSize: number;
  preciseBatchNormImages: number;
}

export function validate(options: TwoPhaseOptions): ValidatedOptions {
  const { train, epochs, cutoffEpoch, numClasses, attention } = options;
  const batchSize = options.batchSize ?? 32;
  const positiveInteger = (value: number, name: string) => {
    if (!Number.isInteger(value) || value < 1)
      throw new RangeError(`${name} must be a positive integer, got ${value}.`);
  };
  positiveInteger(epochs, 'epochs');
  positiveInteger(batchSize, 'batchSize');
  positiveInteger(numClasses, 'numClasses');
  const precise = options.preciseBatchNormImages;
  if (precise !== undefined && !(Number.isInteger(precise) && precise >= 0))
    throw new RangeError(`preciseBatchNormImages must be a whole number >= 0, got ${precise}.`);
  if (!Number.isInteger(cutoffEpoch) || cutoffEpoch < 0 || cutoffEpoch > epochs) {
    throw new RangeError(
      `cutoffEpoch must be an integer from 0 to epochs (${epochs}), got ${cutoffEpoch}.`,
    );
  }
  if (train.images.rank !== 4)
    throw new RangeError(`Training images must be [N, H, W, C], got [${train.images.shape}].`);
  for (const [name, data] of [
    ['training', train],
    ['evaluation', options.evaluation],
  ] as const) {
    if (!data) continue;
    if (data.labels.length !== data.images.shape[0]) {
      throw new RangeError(
        `The ${name} set has ${data.images.shape[0]} images but ${data.labels.length} labels.`,
      );
    }
    const bad = Array.from(data.labels).findIndex(
      (label) => !Number.isInteger(label) || label < 0 || label >= numClasses,
    );
    if (bad >= 0) {
      throw new RangeError(
        `The ${name} label at index ${bad} is ${data.labels[bad]}, outside 0..${numClasses - 1}.`,
      );
    }
  }
  for (const [layer, rate] of Object.entries(options.layerLearningRates ?? {})) {
    if (!(Number.isFinite(rate) && rate > 0)) {
      throw new RangeError(
        `The learning rate of layer ${layer} must be a positive number, got ${rate}.`,
      );
    }
    if (!options.backbone.layers.some((candidate) => candidate.name === layer)) {
      throw new RangeError(
        `layerLearningRates names ${layer}, which the backbone ${options.backbone.name} does not have.`,
      );
    }
  }
  if (attention.mode !== 'none' && (!Number.isFinite(attention.lambda) || attention.lambda < 0)) {
    throw new RangeError(`lambda must be a non-negative number, got ${attention.lambda}.`);
  }
  if (attention.mode === 'global') {
    for (const [name, weight] of [
      ['entropy', attention.entropyWeight],
      ['boundary', attention.boundaryWeight],
    ] as const) {
      if (weight !== undefined && !(Number.isFinite(weight) && weight >= 0)) {
        throw new RangeError(
          `The map's ${name} weight must be a non-negative number, got ${weight}.`,
        );
      }
    }
  }
  return {
    ...options,
    batchSize,
    learningRate: options.learningRate ?? 1e-4,
    weightDecay: options.weightDecay ?? 0,
    decoupledWeightDecay: options.decoupledWeightDecay ?? false,
    seed: options.seed ?? 0,
    evaluationBatchSize: options.evaluationBatchSize ?? batchSize,
    preciseBatchNormImages: options.preciseBatchNormImages ?? 1024,
  };
}
