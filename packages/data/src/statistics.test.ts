import { pearsonCorrelation, quantile, quantileOfSorted } from './statistics.js';

describe('quantile', () => {
  it("interpolates between order statistics as NumPy's default does", () => {
    // numpy.quantile([3, 1, 4, 1, 5], [0, 0.1, 0.5, 0.9, 1]) = [1, 1, 3, 4.6, 5]
    const values = [3, 1, 4, 1, 5];
    expect([0, 0.1, 0.5, 0.9, 1].map((q) => quantile(values, q))).toEqual(
      [1, 1, 3, 4.6, 5].map((v) => expect.closeTo(v, 12)),
    );
    expect(quantileOfSorted([1, 2], 0.25)).toBeCloseTo(1.25, 12);
    expect(() => quantile([], 0.5)).toThrow(/no values/);
    expect(() => quantile([1], 1.5)).toThrow(/\[0, 1\]/);
  });
});

describe('pearsonCorrelation', () => {
  it('is 1 for a positive affine copy, -1 for a negative one, 0 against a constant', () => {
    const a = [1, 2, 4, 8, 3];
    expect(
      pearsonCorrelation(
        a,
        a.map((v) => 3 * v - 2),
      ),
    ).toBeCloseTo(1, 12);
    expect(
      pearsonCorrelation(
        a,
        a.map((v) => -v),
      ),
    ).toBeCloseTo(-1, 12);
    expect(pearsonCorrelation(a, [5, 5, 5, 5, 5])).toBe(0);
    // scipy.stats.pearsonr([1, 2, 3, 4], [2, 1, 4, 3]) = 0.6
    expect(pearsonCorrelation([1, 2, 3, 4], [2, 1, 4, 3])).toBeCloseTo(0.6, 12);
    expect(() => pearsonCorrelation([1, 2], [1])).toThrow(/do not pair up/);
  });
});
