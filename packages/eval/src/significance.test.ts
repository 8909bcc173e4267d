import { significanceMarks } from './significance.js';
import { Random } from '@gsa/data';

const noisy = (centre: number, seed: number, count = 30): number[] => {
  const random = new Random(seed);
  return Array.from({ length: count }, () => centre + (random.next() - 0.5) * 0.02);
};

describe('significanceMarks', () => {
  it('marks bold when attention differs from vanilla, * when it differs from L1', () => {
    const marks = significanceMarks({
      attention: noisy(0.66, 1),
      vanilla: noisy(0.57, 2),
      l1: noisy(0.58, 3),
    });
    expect(marks.bold).toBe(true);
    expect(marks.star).toBe(true);
    expect(marks.versusVanilla.pValue).toBeLessThan(0.01);
    expect(marks.versusVanilla.meanDifference).toBeCloseTo(0.09, 2);
  });

  it('leaves a cell plain when the runs overlap', () => {
    const marks = significanceMarks({
      attention: noisy(0.6, 4),
      vanilla: noisy(0.6, 5),
      l1: noisy(0.6, 6),
    });
    expect(marks.bold).toBe(false);
    expect(marks.star).toBe(false);
  });

  it('never stars without an L1 run, and honours alpha and the paired test', () => {
    const attention = noisy(0.601, 7);
    const vanilla = attention.map((a) => a - 0.001);
    const unpaired = significanceMarks({ attention, vanilla });
    expect(unpaired.star).toBe(false);
    expect(unpaired.versusL1).toBeUndefined();
    expect(unpaired.bold).toBe(false);
    // A constant per-epoch gain is invisible to Welch but certain to a paired test.
    expect(
      significanceMarks({
        attention,
        vanilla: vanilla.map((v, i) => v + (i % 2) * 1e-4),
        test: 'paired',
      }).bold,
    ).toBe(true);
    expect(
      significanceMarks({ attention: noisy(0.61, 8), vanilla: noisy(0.6, 9), alpha: 1e-300 }).bold,
    ).toBe(false);
  });
});
