import {
  mapStatistics,
  type AttentionMode,
  type MapStatistics,
  type RegionDecision,
} from '@gsa/attention';
import type { PixelRepresentation } from '@gsa/data';
import type { TwoPhaseResult } from '@gsa/trainer';
import type { ModelScore } from './score.js';
import type { StructureSummary } from './structure.js';

/** What a finished training measured (summary.json without the run's bookkeeping). */
export interface RunMeasurements {
  /** The deployed model's accuracy on the held-out test images (a fraction). */
  testAccuracy: number;
  /** Every metric of the deployed model on the test images (the same code as `gsa eval`). */
  test: ModelScore;
  bestEpoch: { epoch: number; accuracy: number };
  epochs: number;
  attention: AttentionMode;
  pixelRepresentation?: {
    kind: 'exact' | 'low-rank';
    channels: number;
    explainedVariance: number;
    /** Each training image standardised per channel before it entered P. */
    standardized: boolean;
  };
  /** How decided the final map is: range, mean, spread, fractions < 0.1 and > 0.9 (attention runs). */
  map?: MapStatistics;
}

/** summary.json: what a finished run measured, how long it took and on what. */
export interface RunSummary extends RunMeasurements {
  /**
   * 'completed': every epoch ran (or a callback such as early stopping ended
   * it, see `stopReason`); 'interrupted': stopped by Ctrl-C or SIGTERM after
   * `epochs` of `epochsPlanned` (resume it). A failed run writes a
   * FailedRunSummary instead.
   */
  status: 'completed' | 'interrupted';
  epochsPlanned: number;
  /** Why a completed run ended before `epochsPlanned` (a callback's reason). */
  stopReason?: string;
  timings: { phase1Seconds: number; phase2Seconds: number; totalSeconds: number };
  /** What computed (@gsa/backends' describeBackend, or the tfjs backend's name). */
  backend: string;
  gsaVersion: string;
  /** ROC-AUC of the map against the true evidence region, when one is known. */
  mapRocAuc?: number;
  /** Where the true region is known: the fraction of it above 0.9 and of the rest below 0.1. */
  mapRegionDecision?: RegionDecision;
  /** Does one map fit: the structure check of the training images (as trained on: after `align`). */
  structure?: StructureSummary;
  /** With `align`: the same check before the images were aligned. */
  structureBeforeAlignment?: StructureSummary;
  /**
   * When runs with the same data and settings but other seeds sit beside this
   * one: how alike their maps are (pairwise Pearson r and top-10% IoU, this
   * run's map included).
   */
  mapStability?: {
    siblings: string[];
    maps: number;
    pearson: { mean: number; min: number };
    topOverlap: { mean: number; min: number };
  };
}

/** The measurements of a run: from its training history and the test score. */
export function summarizeRun(
  attention: AttentionMode,
  result: TwoPhaseResult,
  score: ModelScore,
  representation?: PixelRepresentation,
): RunMeasurements {
  const history = result.history;
  const best = history.reduce(
    (a, b) => ((b.evaluation?.accuracy ?? 0) > (a.evaluation?.accuracy ?? 0) ? b : a),
    history[0]!,
  );
  return {
    testAccuracy: score.accuracy,
    test: score,
    bestEpoch: { epoch: best.epoch, accuracy: best.evaluation?.accuracy ?? 0 },
    epochs: history.length,
    attention,
    ...(representation
      ? {
          pixelRepresentation: {
            kind: representation.kind,
            channels: representation.pixels.shape[3],
            explainedVariance: representation.explainedVariance,
            standardized: representation.standardized,
          },
        }
      : {}),
    ...(result.map ? { map: mapStatistics(result.map.values) } : {}),
  };
}

/** summary.json of a run that failed after it started: the error and the epochs it finished. */
export interface FailedRunSummary {
  status: 'failed';
  error: string;
  epochs: number;
  epochsPlanned: number;
  gsaVersion: string;
}
