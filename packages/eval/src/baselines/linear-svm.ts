import type { FeatureMatrix } from './features.js';
import { checkTrainingInput, scoreColumns, type LinearClassifier } from './linear-classifier.js';
import { Random } from '@gsa/data';

export interface LinearSvmOptions {
  readonly numClasses: number;
  /** Penalty on the hinge losses, as scikit-learn's `C`. */
  readonly c: number;
  /** Passes over the data at most. */
  readonly maxIterations?: number;
  /** Stop when the projected-gradient spread of a pass falls below this (liblinear's eps). */
  readonly tolerance?: number;
  /** Seed of the coordinate order. */
  readonly seed?: number;
}

/**
 * Linear SVM with the hinge loss, one-vs-rest: for each class (or once, for
 * class 1, with two classes) minimise `0.5 |w|^2 + C * sum_i max(0, 1 - y_i w.x_i)`
 * by dual coordinate descent (Hsieh et al. 2008), the liblinear solver behind
 * scikit-learn's `LinearSVC(loss='hinge')`. Like liblinear, the bias is an
 * extra constant feature of value 1 and is regularised with the weights.
 * Plain typed-array arithmetic: exact hinge loss, no smoothing, deterministic.
 */
export function trainLinearSvm(
  x: FeatureMatrix,
  labels: readonly number[],
  options: LinearSvmOptions,
): LinearClassifier {
  const { numClasses, c, maxIterations = 1000, tolerance = 1e-3, seed = 0 } = options;
  checkTrainingInput(x, labels, numClasses);
  if (!(c > 0)) throw new RangeError(`C must be positive, got ${c}`);
  const k = scoreColumns(numClasses);
  const { rows, columns, values } = x;
  const weights = new Float32Array(columns * k);
  const bias = new Float32Array(k);
  const squaredNorms = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let sum = 1; // the bias feature
    for (let f = 0; f < columns; f++) sum += values[r * columns + f]! ** 2;
    squaredNorms[r] = sum;
  }
  const random = new Random(seed);
  const order = Array.from({ length: rows }, (_, i) => i);
  let iterations = 0;
  let converged = true;
  for (let j = 0; j < k; j++) {
    const positiveClass = k === 1 ? 1 : j;
    const signs = labels.map((label) => (label === positiveClass ? 1 : -1));
    const w = new Float64Array(columns + 1); // last entry: bias
    const alpha = new Float64Array(rows);
    let pass = 0;
    let classConverged = false;
    for (; pass < maxIterations; pass++) {
      let largest = -Infinity;
      let smallest = Infinity;
      for (const r of random.shuffle([...order])) {
        const y = signs[r]!;
        let margin = w[columns]!;
        for (let f = 0; f < columns; f++) margin += w[f]! * values[r * columns + f]!;
        const gradient = y * margin - 1;
        let projected = gradient;
        if (alpha[r] === 0) projected = Math.min(gradient, 0);
        else if (alpha[r] === c) projected = Math.max(gradient, 0);
        largest = Math.max(largest, projected);
        smallest = Math.min(smallest, projected);
        if (projected !== 0) {
          const previous = alpha[r]!;
          alpha[r] = Math.min(Math.max(previous - gradient / squaredNorms[r]!, 0), c);
          const delta = (alpha[r]! - previous) * y;
          for (let f = 0; f < columns; f++) w[f]! += delta * values[r * columns + f]!;
          w[columns]! += delta;
        }
      }
      if (largest - smallest < tolerance) {
        classConverged = true;
        pass++;
        break;
      }
    }
    iterations = Math.max(iterations, pass);
    converged &&= classConverged;
    for (let f = 0; f < columns; f++) weights[f * k + j] = w[f]!;
    bias[j] = w[columns]!;
  }
  return { numClasses, weights, bias, iterations, converged };
}
