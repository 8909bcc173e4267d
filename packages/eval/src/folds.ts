import { mulberry32, shuffled } from './random.js';

export interface Fold {
  readonly trainIndices: readonly number[];
  readonly validationIndices: readonly number[];
}

/**
 * Seeded stratified k-fold split of positions 0..labels.length-1: each class's
 * positions are shuffled, then dealt round-robin into the folds (continuing
 * where the previous class stopped), so every fold keeps the class
 * proportions and fold sizes differ by at most one.
 */
export function stratifiedKFold(labels: readonly number[], folds: number, seed = 0): Fold[] {
  if (!Number.isInteger(folds) || folds < 2)
    throw new RangeError(`folds must be an integer >= 2, got ${folds}`);
  if (labels.length < folds)
    throw new RangeError(`${labels.length} samples cannot fill ${folds} folds`);
  const random = mulberry32(seed);
  const byClass = new Map<number, number[]>();
  labels.forEach((label, position) => {
    const members = byClass.get(label) ?? [];
    members.push(position);
    byClass.set(label, members);
  });
  const foldOf = new Int32Array(labels.length);
  let next = 0;
  for (const label of [...byClass.keys()].sort((a, b) => a - b)) {
    for (const position of shuffled(byClass.get(label) as number[], random)) {
      foldOf[position] = next;
      next = (next + 1) % folds;
    }
  }
  return Array.from({ length: folds }, (_, fold) => {
    const trainIndices: number[] = [];
    const validationIndices: number[] = [];
    foldOf.forEach((f, position) => (f === fold ? validationIndices : trainIndices).push(position));
    return { trainIndices, validationIndices };
  });
}
