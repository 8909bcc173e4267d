/**
 * Classification metrics on integer labels 0..numClasses-1. Conventions follow
 * scikit-learn (rows of the confusion matrix are true classes; a precision or
 * recall whose denominator is 0 is 0, like `zero_division=0`).
 */

export interface ClassMetrics {
  readonly precision: number;
  /** Recall, also called sensitivity. */
  readonly recall: number;
  /** True negatives over all negatives of this class (one-vs-rest). */
  readonly specificity: number;
  readonly f1: number;
  /** Number of true samples of this class. */
  readonly support: number;
}

export interface ClassificationReport {
  readonly accuracy: number;
  readonly perClass: readonly ClassMetrics[];
  readonly macroF1: number;
  readonly balancedAccuracy: number;
  readonly cohenKappa: number;
  readonly quadraticKappa: number;
  readonly confusionMatrix: readonly (readonly number[])[];
}

export type KappaWeighting = 'none' | 'linear' | 'quadratic';

function checkLabels(trueLabels: readonly number[], predictedLabels: readonly number[]): void {
  if (trueLabels.length !== predictedLabels.length) {
    throw new RangeError(
      `label arrays differ in length: ${trueLabels.length} true vs ${predictedLabels.length} predicted`,
    );
  }
  if (trueLabels.length === 0) throw new RangeError('no labels to score');
}

function inferNumClasses(...labelArrays: readonly (readonly number[])[]): number {
  let max = -1;
  for (const labels of labelArrays) for (const label of labels) max = Math.max(max, label);
  return max + 1;
}

/** `matrix[t][p]` counts samples of true class t predicted as p. */
export function confusionMatrix(
  trueLabels: readonly number[],
  predictedLabels: readonly number[],
  numClasses = inferNumClasses(trueLabels, predictedLabels),
): number[][] {
  checkLabels(trueLabels, predictedLabels);
  const matrix = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  trueLabels.forEach((t, i) => {
    const p = predictedLabels[i] as number;
    if (
      !Number.isInteger(t) ||
      !Number.isInteger(p) ||
      t < 0 ||
      p < 0 ||
      t >= numClasses ||
      p >= numClasses
    ) {
      throw new RangeError(`label out of range 0..${numClasses - 1}: true ${t}, predicted ${p}`);
    }
    (matrix[t] as number[])[p]! += 1;
  });
  return matrix;
}

export function accuracy(
  trueLabels: readonly number[],
  predictedLabels: readonly number[],
): number {
  checkLabels(trueLabels, predictedLabels);
  let correct = 0;
  trueLabels.forEach((t, i) => {
    if (t === predictedLabels[i]) correct++;
  });
  return correct / trueLabels.length;
}

const safeRatio = (numerator: number, denominator: number): number =>
  denominator === 0 ? 0 : numerator / denominator;

export function perClassMetrics(matrix: readonly (readonly number[])[]): ClassMetrics[] {
  const k = matrix.length;
  const total = matrix.reduce((sum, row) => sum + row.reduce((s, v) => s + v, 0), 0);
  return matrix.map((row, c) => {
    const truePositives = row[c] as number;
    const support = row.reduce((s, v) => s + v, 0);
    let predicted = 0;
    for (let t = 0; t < k; t++) predicted += (matrix[t] as readonly number[])[c] as number;
    const falsePositives = predicted - truePositives;
    const trueNegatives = total - support - falsePositives;
    const precision = safeRatio(truePositives, predicted);
    const recall = safeRatio(truePositives, support);
    const specificity = safeRatio(trueNegatives, trueNegatives + falsePositives);
    const f1 = safeRatio(2 * precision * recall, precision + recall);
    return { precision, recall, specificity, f1, support };
  });
}

/** Unweighted mean of the per-class F1 scores (every class counts, as in sklearn with `labels`). */
export function macroF1(
  trueLabels: readonly number[],
  predictedLabels: readonly number[],
  numClasses?: number,
): number {
  const perClass = perClassMetrics(confusionMatrix(trueLabels, predictedLabels, numClasses));
  return perClass.reduce((s, c) => s + c.f1, 0) / perClass.length;
}

/** Mean recall over the classes that occur in `trueLabels` (sklearn's definition). */
export function balancedAccuracy(
  trueLabels: readonly number[],
  predictedLabels: readonly number[],
  numClasses?: number,
): number {
  const present = perClassMetrics(confusionMatrix(trueLabels, predictedLabels, numClasses)).filter(
    (c) => c.support > 0,
  );
  return present.reduce((s, c) => s + c.recall, 0) / present.length;
}

/**
 * Cohen's kappa, optionally weighted by the distance between classes:
 * `1 - sum(w * observed) / sum(w * expected)` with w = [i != j], |i - j| or
 * (i - j)^2. Quadratic weighting is the usual measure for ordinal grades
 * such as diabetic-retinopathy severity.
 */
export function cohenKappa(
  trueLabels: readonly number[],
  predictedLabels: readonly number[],
  weighting: KappaWeighting = 'none',
  numClasses?: number,
): number {
  const matrix = confusionMatrix(trueLabels, predictedLabels, numClasses);
  const k = matrix.length;
  const total = trueLabels.length;
  const rowSums = matrix.map((row) => row.reduce((s, v) => s + v, 0));
  const colSums = matrix[0]!.map((_, j) => matrix.reduce((s, row) => s + (row[j] as number), 0));
  let observed = 0;
  let expected = 0;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const distance = Math.abs(i - j);
      const weight =
        weighting === 'none'
          ? i === j
            ? 0
            : 1
          : weighting === 'linear'
            ? distance
            : distance * distance;
      observed += weight * ((matrix[i] as number[])[j] as number);
      expected += (weight * (rowSums[i] as number) * (colSums[j] as number)) / total;
    }
  }
  return expected === 0 ? (observed === 0 ? 1 : 0) : 1 - observed / expected;
}

/** Everything above at once, for a results table or a report. */
export function classificationReport(
  trueLabels: readonly number[],
  predictedLabels: readonly number[],
  numClasses = inferNumClasses(trueLabels, predictedLabels),
): ClassificationReport {
  const matrix = confusionMatrix(trueLabels, predictedLabels, numClasses);
  const perClass = perClassMetrics(matrix);
  return {
    accuracy: accuracy(trueLabels, predictedLabels),
    perClass,
    macroF1: perClass.reduce((s, c) => s + c.f1, 0) / perClass.length,
    balancedAccuracy: balancedAccuracy(trueLabels, predictedLabels, numClasses),
    cohenKappa: cohenKappa(trueLabels, predictedLabels, 'none', numClasses),
    quadraticKappa: cohenKappa(trueLabels, predictedLabels, 'quadratic', numClasses),
    confusionMatrix: matrix,
  };
}

/** 1-based ranks with ties given their average rank (midranks). */
function midranks(values: ArrayLike<number>): Float64Array {
  const order = Array.from({ length: values.length }, (_, i) => i).sort(
    (a, b) => (values[a] as number) - (values[b] as number),
  );
  const ranks = new Float64Array(values.length);
  for (let start = 0; start < order.length;) {
    let end = start + 1;
    while (end < order.length && values[order[end]!] === values[order[start]!]) end++;
    const averageRank = (start + end + 1) / 2;
    for (let i = start; i < end; i++) ranks[order[i]!] = averageRank;
    start = end;
  }
  return ranks;
}

/**
 * Area under the ROC curve of `scores` for the samples marked positive.
 * Computed as the Mann–Whitney statistic with midranks, which equals
 * scikit-learn's trapezoidal area with tied scores (a tie counts one half).
 * Use it to score a learned attention map against the true region:
 * `binaryRocAuc(map.dataSync(), regionMask)`.
 */
export function binaryRocAuc(scores: ArrayLike<number>, positives: ArrayLike<boolean>): number {
  if (scores.length !== positives.length) {
    throw new RangeError(
      `scores (${scores.length}) and mask (${positives.length}) differ in length`,
    );
  }
  const ranks = midranks(scores);
  let positiveCount = 0;
  let positiveRankSum = 0;
  for (let i = 0; i < scores.length; i++) {
    if (positives[i]) {
      positiveCount++;
      positiveRankSum += ranks[i] as number;
    }
  }
  const negativeCount = scores.length - positiveCount;
  if (positiveCount === 0 || negativeCount === 0) {
    throw new RangeError('ROC-AUC needs at least one positive and one negative sample');
  }
  return (
    (positiveRankSum - (positiveCount * (positiveCount + 1)) / 2) / (positiveCount * negativeCount)
  );
}

/**
 * One-vs-rest ROC-AUC, macro-averaged over classes, of per-class scores
 * (`scores[i][c]`, e.g. softmax probabilities). With two classes it is the
 * binary AUC of the class-1 score, as in scikit-learn. Every row needs one
 * score per class, every label must be a class 0..k-1 (k = the row length),
 * and every class scored needs at least one sample in it and one outside it.
 */
export function rocAucOneVsRest(
  trueLabels: readonly number[],
  scores: readonly ArrayLike<number>[],
): number {
  if (trueLabels.length !== scores.length) {
    throw new RangeError(
      `labels (${trueLabels.length}) and score rows (${scores.length}) differ in length`,
    );
  }
  if (trueLabels.length === 0) throw new RangeError('no labels to score');
  const numClasses = scores[0]!.length;
  if (numClasses < 2) {
    throw new RangeError(
      `ROC-AUC needs a score per class for at least two classes; score row 0 has ${numClasses}`,
    );
  }
  const counts = new Array<number>(numClasses).fill(0);
  scores.forEach((row, i) => {
    if (row.length !== numClasses) {
      throw new RangeError(
        `score row ${i} has ${row.length} values but row 0 has ${numClasses}: give every sample one score per class`,
      );
    }
    for (let c = 0; c < numClasses; c++) {
      if (Number.isNaN(row[c])) {
        throw new RangeError(`score row ${i} has NaN for class ${c}: scores must be numbers`);
      }
    }
    const label = trueLabels[i] as number;
    if (!Number.isInteger(label) || label < 0 || label >= numClasses) {
      throw new RangeError(
        `label ${label} of sample ${i} is not a class 0..${numClasses - 1} ` +
          `(the score rows have ${numClasses} columns, one per class)`,
      );
    }
    counts[label]! += 1;
  });
  // With two classes only class 1 is scored, but both must occur either way.
  counts.forEach((count, c) => {
    if (count === 0 || count === trueLabels.length) {
      throw new RangeError(
        `ROC-AUC of class ${c} needs at least one positive and one negative sample, ` +
          `but ${count === 0 ? 'no' : 'every'} sample has label ${c}`,
      );
    }
  });
  const column = (c: number): number[] => scores.map((row) => row[c] as number);
  if (numClasses === 2)
    return binaryRocAuc(
      column(1),
      trueLabels.map((t) => t === 1),
    );
  let sum = 0;
  for (let c = 0; c < numClasses; c++)
    sum += binaryRocAuc(
      column(c),
      trueLabels.map((t) => t === c),
    );
  return sum / numClasses;
}
