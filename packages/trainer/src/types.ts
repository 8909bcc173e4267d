import type { AttentionMode } from '@gsa/attention';
/** What one epoch did, as recorded in the history, metrics.jsonl and checkpoints. */
export interface EpochMetrics {
  /** 1-based. */
  epoch: number;
  /** 1: map and backbone trained jointly; 2: map frozen (every epoch of a vanilla run is phase 2). */
  phase: 1 | 2;
  /** Mean over the epoch's steps of the minimised loss (cross-entropy + penalty). */
  trainLoss: number;
  trainCrossEntropy: number;
  trainAccuracy: number;
  /** Mean of the map over its pixels at the end of the epoch (attention runs only). */
  mapMean?: number;
  /**
   * How decided the map is at the end of the epoch (attention runs only): the
   * spread (95th - 5th percentile) and the fractions of pixels below 0.1 and
   * above 0.9. Absent in histories written before gsa recorded it.
   */
  mapDecision?: { spread: number; fractionBelow: number; fractionAbove: number };
  /** Loss and accuracy on the evaluation set, with the model in inference mode. */
  evaluation?: { loss: number; accuracy: number };
  /** Wall-clock seconds of the epoch, evaluation included. */
  seconds: number;
}

export interface StepInfo {
  epoch: number;
  phase: 1 | 2;
  /** 1-based step within the epoch. */
  step: number;
  steps: number;
  loss: number;
}

export interface TrainingStartInfo {
  mode: AttentionMode;
  epochs: number;
  cutoffEpoch: number;
  stepsPerEpoch: number;
  /** The first epoch this run executes (later than 1 after a resume). */
  firstEpoch: number;
  /** Epochs finished before this run started (restored from a checkpoint; empty otherwise). */
  history: EpochMetrics[];
  trainingImages: number;
}

/** Lets a callback end training after the current epoch, and see the map. */
export interface TrainingControl {
  stop(reason: string): void;
  /** The map after the last finished epoch, [H, W] in [0, 1] (a copy); undefined for vanilla runs. */
  map(): { height: number; width: number; values: Float32Array } | undefined;
}

/** Hooks into training; every one is optional and may be async. */
export interface TrainingCallback {
  onTrainBegin?(info: TrainingStartInfo): void | Promise<void>;
  onStepEnd?(info: StepInfo): void | Promise<void>;
  onEpochEnd?(metrics: EpochMetrics, control: TrainingControl): void | Promise<void>;
  onTrainEnd?(history: EpochMetrics[], stopReason: string | undefined): void | Promise<void>;
}
