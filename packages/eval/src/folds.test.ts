import { groupKFold, stratifiedKFold } from './folds.js';

describe('stratifiedKFold', () => {
  const labels = [
    ...new Array<number>(30).fill(0),
    ...new Array<number>(12).fill(1),
    ...new Array<number>(8).fill(2),
  ];

  it('partitions every position into exactly one validation fold', () => {
    const folds = stratifiedKFold(labels, 5, 42);
    const seen = folds.flatMap((f) => f.validationIndices).sort((a, b) => a - b);
    expect(seen).toEqual(labels.map((_, i) => i));
    for (const fold of folds) {
      expect(fold.trainIndices.length + fold.validationIndices.length).toBe(labels.length);
      expect(fold.trainIndices.some((i) => fold.validationIndices.includes(i))).toBe(false);
    }
  });

  it('keeps class proportions and sizes within one of each other', () => {
    const folds = stratifiedKFold(labels, 5, 42);
    for (const fold of folds) {
      const counts = [0, 1, 2].map(
        (c) => fold.validationIndices.filter((i) => labels[i] === c).length,
      );
      expect(counts[0]).toBe(6);
      expect(counts[1]! >= 2 && counts[1]! <= 3).toBe(true);
      expect(counts[2]! >= 1 && counts[2]! <= 2).toBe(true);
      expect(fold.validationIndices.length).toBe(10);
    }
  });

  it('is reproducible for a seed and differs across seeds', () => {
    expect(stratifiedKFold(labels, 5, 7)).toEqual(stratifiedKFold(labels, 5, 7));
    expect(stratifiedKFold(labels, 5, 7)).not.toEqual(stratifiedKFold(labels, 5, 8));
  });

  it('rejects impossible splits', () => {
    expect(() => stratifiedKFold([0, 1], 3)).toThrow(/cannot fill/);
    expect(() => stratifiedKFold(labels, 1)).toThrow(/>= 2/);
  });
});

describe('groupKFold', () => {
  // 12 patients with 1 to 6 images each (42 images).
  const groups = Array.from({ length: 12 }, (_, p) =>
    new Array<string>((p % 6) + 1).fill(`patient-${p}`),
  ).flat();

  it('puts every patient in exactly one validation fold, with close fold sizes', () => {
    const folds = groupKFold(groups, 4, 3);
    const seen = folds.flatMap((f) => f.validationIndices).sort((a, b) => a - b);
    expect(seen).toEqual(groups.map((_, i) => i));
    for (const fold of folds) {
      const inside = new Set(fold.validationIndices.map((i) => groups[i]));
      expect(fold.trainIndices.some((i) => inside.has(groups[i]!))).toBe(false);
    }
    // 42 images over 4 folds: the greedy balance keeps each within one largest group (6) of 10.5.
    for (const fold of folds)
      expect(Math.abs(fold.validationIndices.length - 10.5)).toBeLessThan(6);
    expect(groupKFold(groups, 4, 3)).toEqual(folds);
  });

  it('needs at least as many groups as folds', () => {
    expect(() => groupKFold(['a', 'a', 'b'], 3)).toThrow(/2 groups cannot fill 3 folds/);
  });
});
