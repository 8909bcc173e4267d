import type { FeatureMatrix } from './features.js';

/**
 * A fitted linear model. With two classes there is one score column (the
 * class-1 margin), as in scikit-learn; otherwise one column per class.
 */
export interface LinearClassifier {
  readonly numClasses: number;
  /** Row-major `[features, scoreColumns]`. */
  readonly weights: Float32Array;
  readonly bias: Float32Array;
  /** Solver iterations used (L-BFGS steps or coordinate-descent passes). */
  readonly iterations: number;
  readonly converged: boolean;
}

export function scoreColumns(numClasses: number): number {
  return numClasses === 2 ? 1 : numClasses;
}

/** Raw scores `x W + b`, row-major `[rows, scoreColumns]`. */
export function decisionScores(model: LinearClassifier, x: FeatureMatrix): Float64Array {
  const k = scoreColumns(model.numClasses);
  if (model.weights.length !== x.columns * k) {
    throw new RangeError(`model expects ${model.weights.length / k} features, got ${x.columns}`);
  }
  const scores = new Float64Array(x.rows * k);
  for (let r = 0; r < x.rows; r++) {
    for (let j = 0; j < k; j++) {
      let sum = model.bias[j]!;
      for (let c = 0; c < x.columns; c++)
        sum += x.values[r * x.columns + c]! * model.weights[c * k + j]!;
      scores[r * k + j] = sum;
    }
  }
  return scores;
}

/** The predicted class of every row. */
export function predictClasses(model: LinearClassifier, x: FeatureMatrix): number[] {
  const k = scoreColumns(model.numClasses);
  const scores = decisionScores(model, x);
  return Array.from({ length: x.rows }, (_, r) => {
    if (k === 1) return scores[r]! > 0 ? 1 : 0;
    let best = 0;
    for (let j = 1; j < k; j++) if (scores[r * k + j]! > scores[r * k + best]!) best = j;
    return best;
  });
}

export function checkTrainingInput(
  x: FeatureMatrix,
  labels: readonly number[],
  numClasses: number,
): void {
  if (labels.length !== x.rows) throw new RangeError(`${labels.length} labels for ${x.rows} rows`);
  if (!Number.isInteger(numClasses) || numClasses < 2)
    throw new RangeError(`numClasses must be >= 2, got ${numClasses}`);
  for (const label of labels) {
    if (!Number.isInteger(label) || label < 0 || label >= numClasses) {
      throw new RangeError(`label ${label} outside 0..${numClasses - 1}`);
    }
  }
}
