// Seeded, honest splits: stratified hold-out and k-fold, group-aware variants
// that never put a subject on both sides, and a split column when the data
// has one. Every function returns sorted indices into the full set.
import { DataError, listSome } from '../errors.js';
import { Random } from '../random.js';
import type { ImageSet } from '../types.js';

/** A train/test partition (indices into the set). */
export interface HoldoutSplit {
  readonly train: number[];
  readonly test: number[];
}

/** One fold of k-fold cross-validation (indices into the set). */
export interface Fold {
  readonly train: number[];
  readonly validation: number[];
}

export interface HoldoutOptions {
  /** Fraction of images (or groups' images) in the test part. Default 0.2. */
  readonly testFraction?: number;
  readonly seed?: number;
  /** Split only these images (default all). */
  readonly indices?: readonly number[];
}

export interface KFoldOptions {
  /** Number of folds. Default 5. */
  readonly k?: number;
  readonly seed?: number;
  /** Split only these images, e.g. the training part of a hold-out. Default all. */
  readonly indices?: readonly number[];
  /** Allow classes with fewer than k images (some folds then miss them). Default false. */
  readonly allowSmallClasses?: boolean;
}

const ascending = (a: number, b: number): number => a - b;

function selection(count: number, indices: readonly number[] | undefined): number[] {
  const chosen = indices === undefined ? Array.from({ length: count }, (_, i) => i) : [...indices];
  const seen = new Set<number>();
  for (const index of chosen) {
    if (!Number.isInteger(index) || index < 0 || index >= count) {
      throw new DataError(`index ${index} is outside the ${count} images`, String(index));
    }
    if (seen.has(index)) throw new DataError(`index ${index} is given twice`, String(index));
    seen.add(index);
  }
  return chosen;
}

function checkFraction(testFraction: number): void {
  if (!(testFraction > 0 && testFraction < 1)) {
    throw new DataError(
      `testFraction must be between 0 and 1, got ${testFraction}`,
      String(testFraction),
    );
  }
}

function byClass(labels: ArrayLike<number>, indices: readonly number[]): Map<number, number[]> {
  const classes = new Map<number, number[]>();
  for (const index of [...indices].sort(ascending)) {
    const label = labels[index]!;
    const members = classes.get(label);
    if (members === undefined) classes.set(label, [index]);
    else members.push(index);
  }
  return new Map([...classes.entries()].sort((a, b) => a[0] - b[0]));
}

/**
 * Seeded stratified hold-out: each class contributes round(n_c * testFraction)
 * images to the test part (at least one stays in train).
 */
export function stratifiedHoldout(
  labels: ArrayLike<number>,
  options: HoldoutOptions = {},
): HoldoutSplit {
  const testFraction = options.testFraction ?? 0.2;
  checkFraction(testFraction);
  const chosen = selection(labels.length, options.indices);
  if (chosen.length < 2)
    throw new DataError(`a hold-out split needs at least 2 images, got ${chosen.length}`);
  const random = new Random(options.seed ?? 0);
  const train: number[] = [];
  const test: number[] = [];
  for (const members of byClass(labels, chosen).values()) {
    const shuffled = random.shuffle([...members]);
    const nTest = Math.min(Math.round(shuffled.length * testFraction), shuffled.length - 1);
    test.push(...shuffled.slice(0, nTest));
    train.push(...shuffled.slice(nTest));
  }
  return { train: train.sort(ascending), test: test.sort(ascending) };
}

/**
 * Seeded stratified k-fold: each class's shuffled images are dealt to the
 * folds in turn (continuing where the previous class stopped, so fold sizes
 * differ by at most one). Fewer images than folds, or (unless allowed) a
 * class with fewer images than folds, is an error.
 */
export function stratifiedKFold(labels: ArrayLike<number>, options: KFoldOptions = {}): Fold[] {
  const k = options.k ?? 5;
  const chosen = selection(labels.length, options.indices);
  if (!Number.isInteger(k) || k < 2)
    throw new DataError(`k-fold needs an integer k >= 2, got ${k}`, String(k));
  if (chosen.length < k) {
    throw new DataError(
      `too few images for ${k}-fold cross-validation: ${chosen.length}`,
      String(chosen.length),
    );
  }
  const classes = byClass(labels, chosen);
  if (!options.allowSmallClasses) {
    const small = [...classes.entries()].filter(([, members]) => members.length < k);
    if (small.length > 0) {
      throw new DataError(
        `too few images for ${k}-fold cross-validation in class(es) ${listSome(small.map(([label, members]) => `${label} (${members.length} images)`))}; use a smaller k or allowSmallClasses`,
        String(small[0]![0]),
      );
    }
  }
  const random = new Random(options.seed ?? 0);
  const folds: number[][] = Array.from({ length: k }, () => []);
  let next = 0;
  for (const members of classes.values()) {
    for (const index of random.shuffle([...members])) {
      folds[next]!.push(index);
      next = (next + 1) % k;
    }
  }
  return foldsFromParts(folds, chosen);
}

function foldsFromParts(parts: number[][], chosen: readonly number[]): Fold[] {
  return parts.map((validation) => {
    const held = new Set(validation);
    return {
      train: chosen.filter((index) => !held.has(index)).sort(ascending),
      validation: [...validation].sort(ascending),
    };
  });
}

// Greedy stratified assignment of whole groups to parts with target shares
// (after scikit-learn's StratifiedGroupKFold): largest groups first, each to
// the part whose per-class counts it brings closest to their targets.
function assignGroups(
  labels: ArrayLike<number>,
  groups: readonly string[],
  chosen: readonly number[],
  shares: readonly number[],
  seed: number,
): number[][] {
  const members = new Map<string, number[]>();
  for (const index of [...chosen].sort(ascending)) {
    const group = groups[index]!;
    const list = members.get(group);
    if (list === undefined) members.set(group, [index]);
    else list.push(index);
  }
  const classes = [...new Set(chosen.map((index) => labels[index]!))].sort(ascending);
  const classOf = new Map(classes.map((label, i) => [label, i]));
  const totals = new Array<number>(classes.length).fill(0);
  for (const index of chosen) totals[classOf.get(labels[index]!)!]!++;
  const targets = shares.map((share) => totals.map((total) => share * total));
  const counts = shares.map(() => new Array<number>(classes.length).fill(0));
  const sizes = shares.map(() => 0);
  const parts: number[][] = shares.map(() => []);

  const random = new Random(seed);
  const order = random.shuffle([...members.keys()].sort());
  // Stable sort keeps the seeded order among groups of equal size.
  order.sort((a, b) => members.get(b)!.length - members.get(a)!.length);
  for (const group of order) {
    const indices = members.get(group)!;
    const perClass = new Array<number>(classes.length).fill(0);
    for (const index of indices) perClass[classOf.get(labels[index]!)!]!++;
    let best = 0;
    let bestCost = Infinity;
    let bestFill = Infinity;
    for (let part = 0; part < shares.length; part++) {
      // Squared distance of every part's class counts from their targets, were the group added here.
      let cost = 0;
      for (let other = 0; other < shares.length; other++) {
        for (let c = 0; c < classes.length; c++) {
          const count = counts[other]![c]! + (other === part ? perClass[c]! : 0);
          cost += (count - targets[other]![c]!) ** 2;
        }
      }
      const fill = (sizes[part]! + indices.length) / (shares[part]! * chosen.length);
      if (cost < bestCost - 1e-9 || (Math.abs(cost - bestCost) <= 1e-9 && fill < bestFill)) {
        best = part;
        bestCost = cost;
        bestFill = fill;
      }
    }
    parts[best]!.push(...indices);
    sizes[best]! += indices.length;
    perClass.forEach((count, c) => (counts[best]![c]! += count));
  }
  return parts;
}

function checkGroups(groups: readonly string[] | undefined, count: number): readonly string[] {
  if (groups === undefined || groups.length !== count) {
    throw new DataError(
      `group-aware splitting needs one group per image (${count}), got ${groups?.length ?? 'none'}`,
    );
  }
  return groups;
}

/**
 * Refuses groups that name the classes (each class within one group, as a
 * face dataset whose subject is both): a group-aware split would hold out
 * whole classes, never trained on.
 */
function checkClassesSpanGroups(
  labels: ArrayLike<number>,
  groups: readonly string[],
  chosen: readonly number[],
): void {
  const groupsOfClass = new Map<number, Set<string>>();
  for (const index of chosen) {
    const label = labels[index]!;
    const set = groupsOfClass.get(label) ?? new Set<string>();
    set.add(groups[index]!);
    groupsOfClass.set(label, set);
  }
  if ([...groupsOfClass.values()].every((set) => set.size === 1)) {
    const [label, set] = [...groupsOfClass.entries()][0]!;
    throw new DataError(
      `every class lies within one group (class ${label}: all in group ${[...set][0]}), so keeping groups on one side would hold out whole classes the model never trains on`,
    );
  }
}

/**
 * Seeded group-aware hold-out: whole groups (subjects, patients) go to one
 * side, about `testFraction` of the images to test, class shares kept as
 * close as the groups allow.
 */
export function groupHoldout(
  labels: ArrayLike<number>,
  groups: readonly string[],
  options: HoldoutOptions = {},
): HoldoutSplit {
  const testFraction = options.testFraction ?? 0.2;
  checkFraction(testFraction);
  checkGroups(groups, labels.length);
  const chosen = selection(labels.length, options.indices);
  const distinct = new Set(chosen.map((index) => groups[index]!));
  if (distinct.size < 2) {
    throw new DataError(
      `a group-aware hold-out needs at least 2 groups, got ${distinct.size}`,
      String(distinct.size),
    );
  }
  checkClassesSpanGroups(labels, groups, chosen);
  const [train, test] = assignGroups(
    labels,
    groups,
    chosen,
    [1 - testFraction, testFraction],
    options.seed ?? 0,
  );
  if (test!.length === 0 || train!.length === 0) {
    throw new DataError(
      `the groups cannot be split ${1 - testFraction}/${testFraction}: one group holds most images`,
    );
  }
  return { train: train!.sort(ascending), test: test!.sort(ascending) };
}

/** Seeded group-aware stratified k-fold: no group in two folds. Fewer groups than folds is an error. */
export function groupKFold(
  labels: ArrayLike<number>,
  groups: readonly string[],
  options: KFoldOptions = {},
): Fold[] {
  const k = options.k ?? 5;
  if (!Number.isInteger(k) || k < 2)
    throw new DataError(`k-fold needs an integer k >= 2, got ${k}`, String(k));
  checkGroups(groups, labels.length);
  const chosen = selection(labels.length, options.indices);
  const distinct = new Set(chosen.map((index) => groups[index]!));
  if (distinct.size < k) {
    throw new DataError(
      `too few groups for group-aware ${k}-fold cross-validation: ${distinct.size} (${listSome([...distinct].sort())})`,
      String(distinct.size),
    );
  }
  const parts = assignGroups(
    labels,
    groups,
    chosen,
    new Array<number>(k).fill(1 / k),
    options.seed ?? 0,
  );
  return foldsFromParts(parts, chosen);
}

/** A hold-out of an ImageSet, and how it was made. */
export interface ImageSetSplit extends HoldoutSplit {
  /** Images the split column marks 'val' (empty otherwise). */
  readonly validation: number[];
  readonly method: 'column' | 'group' | 'stratified';
}

export interface SplitOptions extends HoldoutOptions {
  /** Keep each group on one side (needs set.groups). Default false. */
  readonly groupAware?: boolean;
  /** Ignore the set's split column. Default false. */
  readonly ignoreSplitColumn?: boolean;
}

/**
 * THE train/test partition of a set (every gsa path splits through it): its
 * split column when that marks test images ('train' -> train, 'val' ->
 * validation, 'test' -> test), else a seeded stratified (or, with
 * groupAware, group-aware) hold-out of all images.
 */
export function holdout(set: ImageSet, options: SplitOptions = {}): ImageSetSplit {
  if (set.splits?.includes('test') && !options.ignoreSplitColumn) {
    const chosen = selection(set.labels.length, options.indices);
    const part = (name: string): number[] =>
      chosen.filter((i) => set.splits![i] === name).sort(ascending);
    const split = {
      train: part('train'),
      validation: part('val'),
      test: part('test'),
      method: 'column' as const,
    };
    if (split.train.length === 0) {
      throw new DataError(
        `the split column marks no image 'train'`,
        set.metadata.location ?? set.metadata.source,
      );
    }
    return split;
  }
  if (options.groupAware) {
    if (set.groups === undefined) {
      throw new DataError(
        `groupAware needs groups, and ${set.metadata.location ?? set.metadata.source} has none`,
      );
    }
    return { ...groupHoldout(set.labels, set.groups, options), validation: [], method: 'group' };
  }
  return { ...stratifiedHoldout(set.labels, options), validation: [], method: 'stratified' };
}

/**
 * k folds of `indices` (e.g. a hold-out's train part) of a set: group-aware
 * when asked, else stratified.
 */
export function kFold(
  set: ImageSet,
  indices: readonly number[],
  options: Omit<KFoldOptions, 'indices'> & { readonly groupAware?: boolean } = {},
): Fold[] {
  if (options.groupAware) {
    if (set.groups === undefined) {
      throw new DataError(
        `groupAware needs groups, and ${set.metadata.location ?? set.metadata.source} has none`,
      );
    }
    return groupKFold(set.labels, set.groups, { ...options, indices });
  }
  return stratifiedKFold(set.labels, { ...options, indices });
}
