import type { TrainingCallback } from './types.js';

export interface EarlyStoppingOptions {
  /** What to watch; default evaluation accuracy. */
  monitor?: 'evaluation.accuracy' | 'evaluation.loss' | 'trainLoss';
  /** Epochs without improvement before stopping. */
  patience: number;
  /** The smallest change that counts as an improvement. */
  minDelta?: number;
  /** Only watch from this epoch on (e.g. after the cut-off). Default 1. */
  startEpoch?: number;
}

/** Stops training once the monitored value has not improved for `patience` epochs. */
export function earlyStopping(options: EarlyStoppingOptions): TrainingCallback {
  const monitor = options.monitor ?? 'evaluation.accuracy';
  const higherIsBetter = monitor === 'evaluation.accuracy';
  const minDelta = options.minDelta ?? 0;
  let best = higherIsBetter ? -Infinity : Infinity;
  let waited = 0;
  return {
    onEpochEnd(metrics, control) {
      if (metrics.epoch < (options.startEpoch ?? 1)) return;
      const value =
        monitor === 'trainLoss'
          ? metrics.trainLoss
          : monitor === 'evaluation.loss'
            ? metrics.evaluation?.loss
            : metrics.evaluation?.accuracy;
      if (value === undefined) {
        throw new Error(`earlyStopping monitors ${monitor}, but training has no evaluation set.`);
      }
      const improved = higherIsBetter ? value > best + minDelta : value < best - minDelta;
      if (improved) {
        best = value;
        waited = 0;
      } else if (++waited >= options.patience) {
        control.stop(
          `${monitor} did not improve for ${options.patience} epochs (best ${best.toFixed(4)})`,
        );
      }
    },
  };
}
