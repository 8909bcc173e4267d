import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@gsa/backends';
import type { ImageSet, SplitName } from '../types.js';
import {
  groupHoldout,
  groupKFold,
  holdout,
  kFold,
  stratifiedHoldout,
  stratifiedKFold,
} from './splits.js';

beforeAll(async () => {
  await useBackend('cpu');
});

// 100 images: class 0 x60, class 1 x30, class 2 x10; 20 subjects of 5 images
// each, every subject with images of two or three classes.
const labels = Int32Array.from({ length: 100 }, (_, i) => (i < 60 ? 0 : i < 90 ? 1 : 2));
const groups = Array.from({ length: 100 }, (_, i) => `s${i % 20}`);
const count = (indices: number[], label: number): number =>
  indices.filter((i) => labels[i] === label).length;

function expectPartition(parts: number[][], all: readonly number[]): void {
  const joined = parts.flat().sort((a, b) => a - b);
  expect(joined).toEqual([...all].sort((a, b) => a - b));
}

describe('stratifiedHoldout', () => {
  it('holds out 20% of every class, seeded', () => {
    const split = stratifiedHoldout(labels, { seed: 3 });
    expectPartition(
      [split.train, split.test],
      Array.from({ length: 100 }, (_, i) => i),
    );
    expect([count(split.test, 0), count(split.test, 1), count(split.test, 2)]).toEqual([12, 6, 2]);
    expect(stratifiedHoldout(labels, { seed: 3 })).toEqual(split);
    expect(stratifiedHoldout(labels, { seed: 4 }).test).not.toEqual(split.test);
  });

  it('splits only the given indices and checks its arguments', () => {
    const indices = Array.from({ length: 50 }, (_, i) => i * 2);
    const split = stratifiedHoldout(labels, { indices, testFraction: 0.5 });
    expectPartition([split.train, split.test], indices);
    expect(() => stratifiedHoldout(labels, { testFraction: 1 })).toThrow(
      /testFraction must be between 0 and 1/,
    );
    expect(() => stratifiedHoldout(labels, { indices: [1, 1] })).toThrow(/index 1 is given twice/);
    expect(() => stratifiedHoldout(labels, { indices: [200] })).toThrow(
      /index 200 is outside the 100 images/,
    );
  });
});

describe('stratifiedKFold', () => {
  it('partitions into k folds that keep class shares', () => {
    const folds = stratifiedKFold(labels, { k: 5, seed: 1 });
    expect(folds).toHaveLength(5);
    expectPartition(
      folds.map((fold) => fold.validation),
      Array.from({ length: 100 }, (_, i) => i),
    );
    for (const fold of folds) {
      expect(fold.validation).toHaveLength(20);
      expect([
        count(fold.validation, 0),
        count(fold.validation, 1),
        count(fold.validation, 2),
      ]).toEqual([12, 6, 2]);
      expect(fold.train.filter((i) => fold.validation.includes(i))).toEqual([]);
      expect(fold.train.length + fold.validation.length).toBe(100);
    }
    expect(stratifiedKFold(labels, { k: 5, seed: 1 })).toEqual(folds);
  });

  it('refuses too few images or a class smaller than k', () => {
    expect(() => stratifiedKFold(labels, { k: 5, indices: [0, 1, 2] })).toThrow(
      /too few images for 5-fold cross-validation: 3/,
    );
    expect(() => stratifiedKFold(labels, { k: 11 })).toThrow(/class\(es\) 2 \(10 images\)/);
    expect(stratifiedKFold(labels, { k: 11, allowSmallClasses: true })).toHaveLength(11);
    expect(() => stratifiedKFold(labels, { k: 1 })).toThrow(/k >= 2/);
  });
});

describe('group-aware splits', () => {
  const subjectsOf = (indices: number[]): Set<string> => new Set(indices.map((i) => groups[i]!));

  it('never puts a subject on both sides of a hold-out', () => {
    const split = groupHoldout(labels, groups, { seed: 2 });
    expectPartition(
      [split.train, split.test],
      Array.from({ length: 100 }, (_, i) => i),
    );
    const shared = [...subjectsOf(split.train)].filter((subject) =>
      subjectsOf(split.test).has(subject),
    );
    expect(shared).toEqual([]);
    // Four whole subjects whose classes match the 12/6/2 target exactly.
    expect(split.test).toHaveLength(20);
    expect([count(split.test, 0), count(split.test, 1), count(split.test, 2)]).toEqual([12, 6, 2]);
    expect(groupHoldout(labels, groups, { seed: 2 })).toEqual(split);
  });

  it('refuses groups that are the classes (face identities), naming the cause', () => {
    const identities = Array.from({ length: 40 }, (_, i) => Math.floor(i / 10));
    const subjects = identities.map((label) => `s${label + 1}`);
    expect(() => groupHoldout(identities, subjects, { seed: 0 })).toThrow(
      'every class lies within one group (class 0: all in group s1), so keeping groups on one side would hold out whole classes the model never trains on',
    );
  });

  it('never puts a subject in two folds, and needs k groups', () => {
    const folds = groupKFold(labels, groups, { k: 4, seed: 5 });
    expectPartition(
      folds.map((fold) => fold.validation),
      Array.from({ length: 100 }, (_, i) => i),
    );
    for (const [a, fold] of folds.entries()) {
      for (const other of folds.slice(a + 1)) {
        expect(
          [...subjectsOf(fold.validation)].filter((s) => subjectsOf(other.validation).has(s)),
        ).toEqual([]);
      }
      expect(fold.validation).toHaveLength(25);
    }
    expect(() => groupKFold(labels, groups, { k: 5, indices: [0, 20, 1, 21, 2, 22] })).toThrow(
      /too few groups for group-aware 5-fold cross-validation: 3 \(s0, s1, s2\)/,
    );
  });
});

describe('holdout and kFold on an ImageSet', () => {
  const set = (extra: Partial<ImageSet>): ImageSet => ({
    images: tf.zeros([100, 1, 1, 1]) as tf.Tensor4D,
    labels,
    classNames: ['a', 'b', 'c'],
    ids: Array.from({ length: 100 }, (_, i) => `img${i}`),
    metadata: { source: 'tensor', height: 1, width: 1, channels: 1 },
    ...extra,
  });

  it('honours a split column', () => {
    const splits = Array.from({ length: 100 }, (_, i): SplitName =>
      i % 10 === 0 ? 'test' : i % 10 === 1 ? 'val' : 'train',
    );
    const withColumn = set({ splits });
    const split = holdout(withColumn, { seed: 9 });
    expect(split.method).toBe('column');
    expect(split.test).toEqual(Array.from({ length: 10 }, (_, i) => i * 10));
    expect(split.validation).toEqual(Array.from({ length: 10 }, (_, i) => i * 10 + 1));
    expect(split.train).toHaveLength(80);
    expect(holdout(withColumn, { ignoreSplitColumn: true }).method).toBe('stratified');
    (withColumn.images as tf.Tensor4D).dispose();
  });

  it('holds out by seed when the split column marks no test image', () => {
    const noTest = set({
      splits: Array.from({ length: 100 }, (_, i) => (i % 5 ? 'train' : 'val')),
    });
    const split = holdout(noTest, { seed: 3, testFraction: 0.2 });
    expect(split.method).toBe('stratified');
    expect(split.test).toHaveLength(20);
    expect(split).toEqual({
      ...stratifiedHoldout(labels, { seed: 3 }),
      validation: [],
      method: 'stratified',
    });
    (noTest.images as tf.Tensor4D).dispose();
  });

  it('splits by group when asked, then folds the training part', () => {
    const withGroups = set({ groups });
    const split = holdout(withGroups, { groupAware: true, seed: 1 });
    expect(split.method).toBe('group');
    const folds = kFold(withGroups, split.train, { k: 4, groupAware: true });
    expectPartition(
      folds.map((fold) => fold.validation),
      split.train,
    );
    expect(() => holdout(set({}), { groupAware: true })).toThrow(/groupAware needs groups/);
    (withGroups.images as tf.Tensor4D).dispose();
  });
});
