import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useBackend } from '@gsa/backends';
import { writeSyntheticDataset } from '@gsa/data/node';
import { evaluateBaseline, featureMatrix } from '@gsa/eval';
import { splitRun } from '../../split.js';
import { loadRunData } from '../load-data.js';
import { releaseCachedData, runProtocolCell } from './cell.js';
import { GridSchema, expandGrid } from './grid.js';

const scratch = mkdtempSync(join(tmpdir(), 'gsa-baseline-cell-'));

beforeAll(async () => {
  await useBackend('cpu');
  await writeSyntheticDataset(join(scratch, 'data'), {
    count: 60,
    size: 16,
    classes: 2,
    difficulty: 0.1,
    seed: 3,
  });
});

afterAll(async () => {
  await releaseCachedData();
  rmSync(scratch, { recursive: true, force: true });
});

describe('a baseline cell', () => {
  it('scores a CV-chosen classical model on the grid split, as evaluateBaseline does by hand', async () => {
    const data = `folder:${join(scratch, 'data')}`;
    const [cell] = expandGrid(
      GridSchema.parse({
        data,
        attention: 'none',
        baselines: 'linear-svm',
        folds: 3,
        splitSeed: 2,
      }),
    ).filter((candidate) => candidate.method !== undefined);
    const result = await runProtocolCell(cell!);

    // The same split, folds and features, built by hand.
    const set = await loadRunData(data, undefined);
    const split = splitRun(set, { testFraction: 0.2, seed: 2, groupSplit: true });
    const flatten = async (indices: readonly number[]) => {
      const { readImages } = await import('@gsa/data');
      const images = await readImages(set, indices);
      const values = images.dataSync() as Float32Array;
      images.dispose();
      return featureMatrix(values, indices.length, values.length / indices.length);
    };
    const expected = evaluateBaseline(
      'linear-svm',
      { x: await flatten(split.train), labels: split.train.map((i) => set.labels[i]!) },
      { x: await flatten(split.test), labels: split.test.map((i) => set.labels[i]!) },
      { numClasses: 2, folds: 3, seed: 2 },
    );
    expect(result.testMean).toBe(expected.testAccuracy);
    expect(result.baseline?.c).toBe(expected.c);
    expect(result.selectedTestAccuracies).toEqual([expected.testAccuracy]);
    expect(result.trainImages + result.testImages).toBe(60);
    expect(result.validationScore).toBe(
      expected.search.validationAccuracyByC.find((entry) => entry.c === expected.c)!.accuracy,
    );
  });
});
