import { groupKFold, stratifiedKFold } from '@gsa/data';
import { mean, standardDeviation } from './statistics.js';

/** A set of samples named by index into some dataset the trainer knows, with their labels. */
export interface LabelledSet {
  readonly indices: readonly number[];
  readonly labels: readonly number[];
  /** The group of each sample (patient, subject): given, the CV folds never split a group. */
  readonly groups?: readonly string[];
}

export interface TrainingRun {
  /** What to fit on. */
  readonly train: LabelledSet;
  /** What to score after every epoch: a validation fold, or the test set in the final run. */
  readonly evaluation: LabelledSet;
  readonly epochs: number;
  /** Which run this is: a CV fold (0-based) or the final fit on the whole training set. */
  readonly stage: { readonly kind: 'fold'; readonly fold: number } | { readonly kind: 'final' };
}

/**
 * Trains a fresh model for `run.epochs` epochs and returns its accuracy on
 * `run.evaluation` after each epoch (length `epochs`, each a finite fraction
 * in [0, 1]; anything else is rejected with the fold and epoch named).
 */
export type EpochTrainer = (run: TrainingRun) => Promise<readonly number[]> | readonly number[];

export interface ProtocolOptions {
  readonly epochs: number;
  /** Stratified CV folds on the training set (paper: 5). */
  readonly folds?: number;
  /** How many epochs to select by mean validation accuracy (paper: 30). */
  readonly topEpochs?: number;
  /** Seed of the fold assignment. */
  readonly seed?: number;
}

export interface ProtocolResult {
  /** `[fold][epoch]` validation accuracy. */
  readonly foldValidationAccuracies: readonly (readonly number[])[];
  /** Mean over folds, per epoch. */
  readonly meanValidationAccuracy: readonly number[];
  /** The chosen epochs, 1-based, ascending. */
  readonly selectedEpochs: readonly number[];
  /** Test accuracy after every epoch of the final run. */
  readonly testAccuracy: readonly number[];
  /** Test accuracy at the selected epochs (same order as `selectedEpochs`). */
  readonly selectedTestAccuracies: readonly number[];
  /** mean(std) of `selectedTestAccuracies`: the number a Table 2 cell reports. */
  readonly testMean: number;
  /** Sample standard deviation (n - 1). */
  readonly testStd: number;
}

function subset(set: LabelledSet, positions: readonly number[]): LabelledSet {
  return {
    indices: positions.map((p) => set.indices[p] as number),
    labels: positions.map((p) => set.labels[p] as number),
    ...(set.groups ? { groups: positions.map((p) => set.groups![p] as string) } : {}),
  };
}

function checkCurve(curve: readonly number[], epochs: number, what: string): void {
  if (curve.length !== epochs) {
    throw new RangeError(
      `trainer returned ${curve.length} accuracies for ${what}, expected ${epochs}`,
    );
  }
  // A NaN would sort unpredictably into the selection and a percentage would
  // pass as a fraction, so both are refused rather than reported.
  curve.forEach((accuracy, e) => {
    if (
      typeof accuracy !== 'number' ||
      !Number.isFinite(accuracy) ||
      accuracy < 0 ||
      accuracy > 1
    ) {
      throw new RangeError(
        `trainer returned accuracy ${String(accuracy)} for ${what} at epoch ${e + 1}: ` +
          'accuracies are fractions in [0, 1] (divide a percentage by 100)',
      );
    }
  });
}

/**
 * The protocol of the paper's Table 2. Stratified k-fold CV (group k-fold
 * when the training set has groups) on the training set only (the test set is never seen while choosing) gives a validation
 * curve per fold; the `topEpochs` epochs with the best mean validation
 * accuracy are selected (ties go to the earlier epoch); a final model is
 * trained on the whole training set while the test set is scored each epoch;
 * the result is the mean and standard deviation of test accuracy over the
 * selected epochs. Runs go one at a time: folds, then the final fit.
 */
export async function runPaperProtocol(
  trainingSet: LabelledSet,
  testSet: LabelledSet,
  trainer: EpochTrainer,
  options: ProtocolOptions,
): Promise<ProtocolResult> {
  const { epochs, folds = 5, topEpochs = 30, seed = 0 } = options;
  if (!Number.isInteger(epochs) || epochs < 1)
    throw new RangeError(`epochs must be a positive integer, got ${epochs}`);
  if (!Number.isInteger(topEpochs) || topEpochs < 1 || topEpochs > epochs) {
    throw new RangeError(`topEpochs must be an integer in 1..${epochs}, got ${topEpochs}`);
  }
  if (
    trainingSet.indices.length !== trainingSet.labels.length ||
    testSet.indices.length !== testSet.labels.length
  ) {
    throw new RangeError('every set needs one label per index');
  }

  const foldValidationAccuracies: (readonly number[])[] = [];
  if (trainingSet.groups && trainingSet.groups.length !== trainingSet.indices.length) {
    throw new RangeError('every training sample needs one group');
  }
  const splits = trainingSet.groups
    ? groupKFold(trainingSet.labels, trainingSet.groups, { k: folds, seed })
    : stratifiedKFold(trainingSet.labels, { k: folds, seed, allowSmallClasses: true });
  for (const [fold, split] of splits.entries()) {
    const curve = await trainer({
      train: subset(trainingSet, split.train),
      evaluation: subset(trainingSet, split.validation),
      epochs,
      stage: { kind: 'fold', fold },
    });
    checkCurve(curve, epochs, `fold ${fold}`);
    foldValidationAccuracies.push([...curve]);
  }
  const meanValidationAccuracy = Array.from({ length: epochs }, (_, e) =>
    mean(foldValidationAccuracies.map((curve) => curve[e] as number)),
  );
  const selectedEpochs = meanValidationAccuracy
    .map((accuracy, e) => ({ accuracy, epoch: e + 1 }))
    .sort((x, y) => y.accuracy - x.accuracy || x.epoch - y.epoch)
    .slice(0, topEpochs)
    .map((entry) => entry.epoch)
    .sort((x, y) => x - y);

  const testAccuracy = [
    ...(await trainer({
      train: trainingSet,
      evaluation: testSet,
      epochs,
      stage: { kind: 'final' },
    })),
  ];
  checkCurve(testAccuracy, epochs, 'the final run');
  const selectedTestAccuracies = selectedEpochs.map((epoch) => testAccuracy[epoch - 1] as number);
  return {
    foldValidationAccuracies,
    meanValidationAccuracy,
    selectedEpochs,
    testAccuracy,
    selectedTestAccuracies,
    testMean: mean(selectedTestAccuracies),
    testStd: standardDeviation(selectedTestAccuracies),
  };
}
