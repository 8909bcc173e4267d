import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@gsa/backends';
import { holdout, type ImageSet, type SplitName } from '@gsa/data';
import { PipelineError } from './errors.js';
import { splitFromRecord, splitRecord, splitRun } from './split.js';

beforeAll(async () => {
  await useBackend('cpu');
});

const labels = Int32Array.from({ length: 60 }, (_, i) => i % 3);
function set(extra: Partial<ImageSet> = {}): ImageSet {
  return {
    images: tf.zeros([60, 2, 2, 1]) as tf.Tensor4D,
    labels,
    classNames: ['a', 'b', 'c'],
    ids: Array.from({ length: 60 }, (_, i) => `img-${i}.png`),
    metadata: { source: 'tensor', location: '/data/set', height: 2, width: 2, channels: 1 },
    ...extra,
  };
}
const settings = { testFraction: 0.2, seed: 4, groupSplit: true };

describe('splitRun', () => {
  it('is @gsa/data holdout: a seeded stratified 80/20 without groups or a split column', () => {
    const data = set();
    const split = splitRun(data, settings);
    const reference = holdout(data, { testFraction: 0.2, seed: 4 });
    expect(split).toEqual({ method: 'stratified', train: reference.train, test: reference.test });
    expect(split.test).toHaveLength(12);
    tf.dispose(data.images as tf.Tensor);
  });

  it("trains on the split column's 'val' rows too, and holds out its 'test' rows", () => {
    const splits = Array.from({ length: 60 }, (_, i): SplitName =>
      i % 10 === 0 ? 'test' : i % 10 === 1 ? 'val' : 'train',
    );
    const data = set({ splits });
    const split = splitRun(data, settings);
    expect(split.method).toBe('column');
    expect(split.test).toEqual([0, 10, 20, 30, 40, 50]);
    expect(split.train).toHaveLength(54);
    expect(split.train).toContain(1);
    tf.dispose(data.images as tf.Tensor);
  });

  it('keeps each group on one side by default, and says what to do when it cannot', () => {
    const groups = Array.from({ length: 60 }, (_, i) => `subject-${i % 10}`);
    const data = set({ groups });
    const split = splitRun(data, settings);
    expect(split.method).toBe('group');
    const testGroups = new Set(split.test.map((i) => groups[i]));
    expect(split.train.some((i) => testGroups.has(groups[i]))).toBe(false);
    expect(splitRun(data, { ...settings, groupSplit: false }).method).toBe('stratified');
    const oneGroup = set({ groups: Array.from(labels, () => 'everyone') });
    expect(() => splitRun(oneGroup, settings)).toThrow(PipelineError);
    expect(() => splitRun(oneGroup, settings)).toThrow(/Cannot split \/data\/set by group/);
    tf.dispose([data.images as tf.Tensor, oneGroup.images as tf.Tensor]);
  });
});

describe('split.json', () => {
  it('records the split by id and reads it back in another order of the same images', () => {
    const data = set();
    const split = splitRun(data, settings);
    const record = JSON.parse(JSON.stringify(splitRecord(data, split, settings)));
    expect(record.format).toBe('gsa-split-1');
    expect(record.test).toEqual(split.test.map((i) => `img-${i}.png`));
    expect(splitFromRecord(data, record, 'run/split.json')).toEqual(split);
    // The same files listed in reverse: the same images are held out, at their new indices.
    const reversed = set({ ids: [...data.ids].reverse() });
    const again = splitFromRecord(reversed, record, 'run/split.json');
    expect(again.test.map((i) => reversed.ids[i])).toEqual(record.test);
    tf.dispose([data.images as tf.Tensor, reversed.images as tf.Tensor]);
  });

  it('refuses data whose images are no longer the recorded ones, naming them', () => {
    const data = set();
    const record = splitRecord(data, splitRun(data, settings), settings);
    const renamed = set({
      ids: data.ids.map((id, i) => (i === record.test.length ? id : `new-${id}`)),
    });
    expect(() => splitFromRecord(renamed, record, 'run/split.json')).toThrow(
      /The data no longer matches the run's split \(run\/split.json\): img-\d+\.png, img-\d+\.png, img-\d+\.png, \.\.\. \(\d+ in all\) are not in \/data\/set/,
    );
    expect(() =>
      splitFromRecord(data, { ...record, format: 'other' } as never, 'run/split.json'),
    ).toThrow(/run\/split.json is not a gsa split record/);
    tf.dispose([data.images as tf.Tensor, renamed.images as tf.Tensor]);
  });
});
