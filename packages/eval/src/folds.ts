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

/**
 * Seeded group k-fold: every group (a patient, a subject) lands in exactly one
 * validation fold. Groups are shuffled, then each goes to the fold with the
 * fewest samples so far, so fold sizes stay close whatever the group sizes.
 */
export function groupKFold(groups: readonly string[], folds: number, seed = 0): Fold[] {
  if (!Number.isInteger(folds) || folds < 2)
    throw new RangeError(`folds must be an integer >= 2, got ${folds}`);
  const members = new Map<string, number[]>();
  groups.forEach((group, position) => {
    const list = members.get(group) ?? [];
    list.push(position);
    members.set(group, list);
  });
  if (members.size < folds)
    throw new RangeError(
      `${members.size} groups cannot fill ${folds} folds (a group stays in one)`,
    );
  const foldOf = new Int32Array(groups.length);
  const sizes = new Array<number>(folds).fill(0);
  const order = shuffled([...members.keys()].sort(), mulberry32(seed));
  // Largest groups first keeps the greedy balance tight; the shuffle breaks ties.
  order.sort((a, b) => members.get(b)!.length - members.get(a)!.length);
  for (const group of order) {
    const fold = sizes.indexOf(Math.min(...sizes));
    for (const position of members.get(group)!) foldOf[position] = fold;
    sizes[fold] = sizes[fold]! + members.get(group)!.length;
  }
  return Array.from({ length: folds }, (_, fold) => {
    const trainIndices: number[] = [];
    const validationIndices: number[] = [];
    foldOf.forEach((f, position) => (f === fold ? validationIndices : trainIndices).push(position));
    return { trainIndices, validationIndices };
  });
}
