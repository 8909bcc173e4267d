import {
  bootstrapConfidenceInterval,
  mean,
  pairedTTest,
  standardDeviation,
  studentTTest,
  welchTTest,
} from './statistics.js';
import { readFixture } from './fixtures.fixture.js';
import { Random } from '@gsa/data';

interface TTestCase {
  name: string;
  kind: 'welch' | 'paired' | 'student';
  a: number[];
  b: number[];
  statistic: number;
  pValue: number;
}

const tests = { welch: welchTTest, paired: pairedTTest, student: studentTTest };

describe('t-tests against scipy', () => {
  const { cases } = readFixture<{ cases: TTestCase[] }>('ttest.scipy.json');

  it.each(cases.map((c) => [`${c.kind} ${c.name}`, c] as const))('%s', (_name, c) => {
    const result = tests[c.kind](c.a, c.b);
    expect(result.statistic).toBeCloseTo(c.statistic, 10);
    // Relative agreement: p-values span many orders of magnitude.
    expect(Math.abs(result.pValue - c.pValue) / c.pValue).toBeLessThan(1e-9);
  });
});

describe('t-tests by hand', () => {
  it('paired test of a constant shift with noise has the textbook statistic', () => {
    const a = [1, 2, 3, 4];
    const b = [0.5, 1.5, 2.0, 3.5]; // differences 0.5, 0.5, 1, 0.5: mean 0.625, sd 0.25
    const result = pairedTTest(a, b);
    expect(result.statistic).toBeCloseTo(0.625 / (0.25 / 2), 12);
    expect(result.degreesOfFreedom).toBe(3);
  });

  it('Welch and Student agree when sizes and variances are equal', () => {
    const a = [1, 2, 3, 4, 5];
    const b = [2, 3, 4, 5, 6];
    expect(welchTTest(a, b).pValue).toBeCloseTo(studentTTest(a, b).pValue, 12);
    expect(welchTTest(a, b).degreesOfFreedom).toBeCloseTo(8, 12);
  });

  it('handles runs with no spread (e.g. every epoch at the same accuracy)', () => {
    expect(welchTTest([0.75, 0.75, 0.75], [0.5, 0.5, 0.5]).pValue).toBe(0);
    expect(pairedTTest([0.75, 0.5], [0.5, 0.25]).pValue).toBe(0);
    expect(welchTTest([0.75, 0.75], [0.75, 0.75]).pValue).toBeNaN();
  });

  it('rejects samples too small to test', () => {
    expect(() => welchTTest([1], [1, 2])).toThrow(/at least two/);
    expect(() => pairedTTest([1, 2], [1])).toThrow(/differ in length/);
  });

  it('rejects NaN and infinite values, naming the test, the sample and the index', () => {
    expect(() => welchTTest([0.5, Number.NaN, 0.7], [0.4, 0.5])).toThrow(
      /Welch's t-test: sample a has NaN at index 1; every value must be a finite number/,
    );
    expect(() => studentTTest([0.5, 0.6], [0.4, 0.5, Number.POSITIVE_INFINITY])).toThrow(
      /Student's t-test: sample b has Infinity at index 2/,
    );
    expect(() => pairedTTest([0.5, 0.6], [Number.NEGATIVE_INFINITY, 0.5])).toThrow(
      /paired t-test: sample b has -Infinity at index 0/,
    );
  });
});

describe('summaries', () => {
  it('uses the sample standard deviation by default', () => {
    expect(mean([1, 2, 3, 4])).toBe(2.5);
    expect(standardDeviation([1, 2, 3, 4])).toBeCloseTo(Math.sqrt(5 / 3), 12);
    expect(standardDeviation([1, 2, 3, 4], 0)).toBeCloseTo(Math.sqrt(5 / 4), 12);
  });
});

describe('bootstrap confidence interval', () => {
  const random = new Random(3);
  const values = Array.from({ length: 200 }, () => random.next());

  it('is reproducible for a seed and changes with it', () => {
    const first = bootstrapConfidenceInterval(values, { seed: 1 });
    expect(bootstrapConfidenceInterval(values, { seed: 1 })).toEqual(first);
    expect(bootstrapConfidenceInterval(values, { seed: 2 }).lower).not.toBe(first.lower);
  });

  it('brackets the mean with about the normal-theory width', () => {
    const interval = bootstrapConfidenceInterval(values, { seed: 1, resamples: 4000 });
    const standardError = standardDeviation(values) / Math.sqrt(values.length);
    expect(interval.estimate).toBe(mean(values));
    expect(interval.lower).toBeLessThan(interval.estimate);
    expect(interval.upper).toBeGreaterThan(interval.estimate);
    // 95% normal interval is +-1.96 SE; the percentile bootstrap lands within 15% of it.
    expect((interval.upper - interval.lower) / (2 * 1.96 * standardError)).toBeGreaterThan(0.85);
    expect((interval.upper - interval.lower) / (2 * 1.96 * standardError)).toBeLessThan(1.15);
  });

  it('rejects a resample count that is not a positive integer, and non-finite values', () => {
    expect(() => bootstrapConfidenceInterval(values, { resamples: 0 })).toThrow(
      /resamples must be an integer >= 1 \(e\.g\. 2000\), got 0/,
    );
    expect(() => bootstrapConfidenceInterval(values, { resamples: -5 })).toThrow(/got -5/);
    expect(() => bootstrapConfidenceInterval(values, { resamples: 2.5 })).toThrow(/got 2\.5/);
    expect(() => bootstrapConfidenceInterval([0.5, 0.6, Number.NaN])).toThrow(
      /bootstrap: values has NaN at index 2/,
    );
    // One resample is the smallest valid count: both bounds are that resample's mean.
    const single = bootstrapConfidenceInterval([1, 2, 3], { resamples: 1, seed: 4 });
    expect(single.lower).toBe(single.upper);
    expect(Number.isFinite(single.lower)).toBe(true);
  });

  it('takes any statistic, e.g. the median', () => {
    const median = (v: readonly number[]): number => {
      const sorted = [...v].sort((x, y) => x - y);
      return (sorted[(sorted.length - 1) >> 1]! + sorted[sorted.length >> 1]!) / 2;
    };
    const interval = bootstrapConfidenceInterval([1, 2, 3, 4, 100], { seed: 0, statistic: median });
    expect(interval.estimate).toBe(3);
    expect(interval.upper).toBeLessThanOrEqual(100);
  });
});
