import { accuracy } from '../metrics.js';
import { stratifiedKFold, type Fold } from '@gsa/data';
import { mean } from '../statistics.js';
import { fitStandardiser, selectRows, standardise, type FeatureMatrix } from './features.js';
import { predictClasses, type LinearClassifier } from './linear-classifier.js';
import { trainLinearSvm } from './linear-svm.js';
import { trainLogisticRegression } from './logistic-regression.js';

export type BaselineKind = 'logistic-regression' | 'linear-svm';

/** scikit-learn-style C grid; small C suits few images with many pixels. */
export const DEFAULT_C_GRID: readonly number[] = [1e-4, 1e-3, 1e-2, 1e-1, 1];

export function trainBaseline(
  kind: BaselineKind,
  x: FeatureMatrix,
  labels: readonly number[],
  numClasses: number,
  c: number,
): LinearClassifier {
  return kind === 'logistic-regression'
    ? trainLogisticRegression(x, labels, { numClasses, c })
    : trainLinearSvm(x, labels, { numClasses, c });
}

export interface RegularisationSearch {
  readonly c: number;
  /** Mean validation accuracy per grid value, in grid order. */
  readonly validationAccuracyByC: readonly { readonly c: number; readonly accuracy: number }[];
}

export interface RegularisationSearchOptions {
  readonly numClasses: number;
  readonly grid?: readonly number[];
  /** A fold count for seeded stratified k-fold, or the folds themselves (e.g. to reuse another tool's split). */
  readonly folds?: number | readonly Fold[];
  readonly seed?: number;
}

/**
 * Picks C by seeded stratified k-fold CV on the (already standardised)
 * training features: the grid value with the best mean validation accuracy,
 * the smaller C on a tie (stronger regularisation).
 */
export function selectRegularisation(
  kind: BaselineKind,
  x: FeatureMatrix,
  labels: readonly number[],
  options: RegularisationSearchOptions,
): RegularisationSearch {
  const { numClasses, grid = DEFAULT_C_GRID, folds = 5, seed = 0 } = options;
  const splits = typeof folds === 'number' ? stratifiedKFold(labels, { k: folds, seed }) : folds;
  const validationAccuracyByC = grid.map((c) => ({
    c,
    accuracy: mean(
      splits.map(({ train: trainIndices, validation: validationIndices }) => {
        const model = trainBaseline(
          kind,
          selectRows(x, trainIndices),
          trainIndices.map((i) => labels[i]!),
          numClasses,
          c,
        );
        const predicted = predictClasses(model, selectRows(x, validationIndices));
        return accuracy(
          validationIndices.map((i) => labels[i]!),
          predicted,
        );
      }),
    ),
  }));
  const best = validationAccuracyByC.reduce((chosen, entry) =>
    entry.accuracy > chosen.accuracy || (entry.accuracy === chosen.accuracy && entry.c < chosen.c)
      ? entry
      : chosen,
  );
  return { c: best.c, validationAccuracyByC };
}

export interface BaselineResult {
  readonly kind: BaselineKind;
  readonly c: number;
  readonly search: RegularisationSearch;
  readonly model: LinearClassifier;
  readonly testAccuracy: number;
  readonly testPredictions: readonly number[];
}

/**
 * The whole baseline recipe on raw (flattened) pixels: standardise with
 * training statistics, choose C by CV on the training set, refit on all of it,
 * score the test set.
 */
export function evaluateBaseline(
  kind: BaselineKind,
  train: { readonly x: FeatureMatrix; readonly labels: readonly number[] },
  test: { readonly x: FeatureMatrix; readonly labels: readonly number[] },
  options: RegularisationSearchOptions,
): BaselineResult {
  const standardiser = fitStandardiser(train.x);
  const trainX = standardise(train.x, standardiser);
  const search = selectRegularisation(kind, trainX, train.labels, options);
  const model = trainBaseline(kind, trainX, train.labels, options.numClasses, search.c);
  const testPredictions = predictClasses(model, standardise(test.x, standardiser));
  return {
    kind,
    c: search.c,
    search,
    model,
    testAccuracy: accuracy(test.labels, testPredictions),
    testPredictions,
  };
}
