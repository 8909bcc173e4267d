import studentTCdf from '@stdlib/stats-base-dists-t-cdf';
import { Random, quantileOfSorted } from '@gsa/data';

export function mean(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('mean of no values');
  return values.reduce((s, v) => s + v, 0) / values.length;
}

/**
 * Standard deviation. `ddof` 1 (the default) is the sample standard
 * deviation (n - 1 in the denominator), as reported in the paper's mean(std);
 * 0 gives the population value (numpy's default).
 */
export function standardDeviation(values: readonly number[], ddof = 1): number {
  if (values.length <= ddof) return Number.NaN;
  const m = mean(values);
  return Math.sqrt(values.reduce((s, v) => s + (v - m) ** 2, 0) / (values.length - ddof));
}

export interface TTestResult {
  /** t statistic of `a - b` (positive when a's mean is larger). */
  readonly statistic: number;
  readonly degreesOfFreedom: number;
  /** Two-sided p-value from the Student t distribution (exact, not a normal approximation). */
  readonly pValue: number;
  readonly meanDifference: number;
}

function twoSided(
  statistic: number,
  degreesOfFreedom: number,
  meanDifference: number,
): TTestResult {
  // Zero variance: equal means give NaN (as scipy), different means an infinite t and p = 0.
  const pValue = Number.isNaN(statistic)
    ? Number.NaN
    : Number.isFinite(statistic)
      ? 2 * studentTCdf(-Math.abs(statistic), degreesOfFreedom)
      : 0;
  return { statistic, degreesOfFreedom, pValue: Math.min(1, pValue), meanDifference };
}

function sampleVariance(values: readonly number[]): number {
  return standardDeviation(values) ** 2;
}

/** Refuses NaN and infinities, naming the sample and the index, so no test returns a silent NaN. */
function requireFinite(values: readonly number[], where: string): void {
  values.forEach((value, i) => {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new RangeError(
        `${where} has ${String(value)} at index ${i}; every value must be a finite number`,
      );
    }
  });
}

function requireTwoEach(a: readonly number[], b: readonly number[], what: string): void {
  if (a.length < 2 || b.length < 2)
    throw new RangeError('a t-test needs at least two values per group');
  requireFinite(a, `${what}: sample a`);
  requireFinite(b, `${what}: sample b`);
}

/** Welch's unequal-variance t-test (scipy `ttest_ind(a, b, equal_var=False)`). */
export function welchTTest(a: readonly number[], b: readonly number[]): TTestResult {
  requireTwoEach(a, b, "Welch's t-test");
  const va = sampleVariance(a) / a.length;
  const vb = sampleVariance(b) / b.length;
  const difference = mean(a) - mean(b);
  const statistic = difference / Math.sqrt(va + vb);
  const degreesOfFreedom = (va + vb) ** 2 / (va ** 2 / (a.length - 1) + vb ** 2 / (b.length - 1));
  return twoSided(statistic, degreesOfFreedom, difference);
}

/** Student's pooled-variance t-test (scipy `ttest_ind(a, b)`). */
export function studentTTest(a: readonly number[], b: readonly number[]): TTestResult {
  requireTwoEach(a, b, "Student's t-test");
  const degreesOfFreedom = a.length + b.length - 2;
  const pooled =
    ((a.length - 1) * sampleVariance(a) + (b.length - 1) * sampleVariance(b)) / degreesOfFreedom;
  const difference = mean(a) - mean(b);
  const statistic = difference / Math.sqrt(pooled * (1 / a.length + 1 / b.length));
  return twoSided(statistic, degreesOfFreedom, difference);
}

/** Paired t-test on `a[i] - b[i]` (scipy `ttest_rel(a, b)`), e.g. the same epochs or seeds. */
export function pairedTTest(a: readonly number[], b: readonly number[]): TTestResult {
  if (a.length !== b.length)
    throw new RangeError(`paired samples differ in length: ${a.length} vs ${b.length}`);
  if (a.length < 2) throw new RangeError('a paired t-test needs at least two pairs');
  requireFinite(a, 'paired t-test: sample a');
  requireFinite(b, 'paired t-test: sample b');
  const differences = a.map((v, i) => v - (b[i] as number));
  const difference = mean(differences);
  const statistic = difference / (standardDeviation(differences) / Math.sqrt(differences.length));
  return twoSided(statistic, differences.length - 1, difference);
}

export interface BootstrapOptions {
  /** Resamples to draw, an integer >= 1; 2000 gives stable 95% percentile bounds. */
  readonly resamples?: number;
  /** Coverage of the interval, e.g. 0.95. */
  readonly confidence?: number;
  readonly seed?: number;
  /** Statistic of a resample; the mean by default. */
  readonly statistic?: (values: readonly number[]) => number;
}

export interface ConfidenceInterval {
  readonly estimate: number;
  readonly lower: number;
  readonly upper: number;
  readonly confidence: number;
}

/**
 * Seeded percentile-bootstrap confidence interval of a statistic (the mean by
 * default). The values must be finite and `resamples` a positive integer.
 */
export function bootstrapConfidenceInterval(
  values: readonly number[],
  options: BootstrapOptions = {},
): ConfidenceInterval {
  const { resamples = 2000, confidence = 0.95, seed = 0, statistic = mean } = options;
  if (values.length === 0) throw new RangeError('bootstrap of no values');
  requireFinite(values, 'bootstrap: values');
  if (!Number.isInteger(resamples) || resamples < 1)
    throw new RangeError(`resamples must be an integer >= 1 (e.g. 2000), got ${resamples}`);
  if (!(confidence > 0 && confidence < 1))
    throw new RangeError(`confidence must lie in (0, 1), got ${confidence}`);
  const random = new Random(seed);
  const estimates = new Float64Array(resamples);
  const resample = new Array<number>(values.length);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < values.length; i++)
      resample[i] = values[random.int(values.length)] as number;
    estimates[r] = statistic(resample);
  }
  estimates.sort();
  const tail = (1 - confidence) / 2;
  return {
    estimate: statistic(values),
    lower: quantileOfSorted(estimates, tail),
    upper: quantileOfSorted(estimates, 1 - tail),
    confidence,
  };
}
