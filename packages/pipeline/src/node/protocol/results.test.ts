import { pearsonCorrelation } from '@gsa/data';
import type { CellResult } from './cell.js';
import type { CellConfig } from './grid.js';
import {
  buildResultTable,
  chooseSettings,
  datasetLabel,
  renderResultsMarkdown,
  sensitivityRecords,
  type FinishedCell,
} from './results.js';

let counter = 0;
function cell(
  config: Partial<CellConfig>,
  accuracies: number[],
  validationScore: number,
): FinishedCell {
  const full: CellConfig = {
    data: 'folder:/data/fundus',
    backbone: 'smallcnn',
    attention: 'global',
    epochs: 10,
    cutoffEpoch: 2,
    weightDecay: 1e-4,
    learningRate: 1e-3,
    batchSize: 32,
    seed: 0,
    folds: 5,
    topEpochs: accuracies.length,
    testFraction: 0.2,
    splitSeed: 0,
    groupSplit: true,
    ...config,
  };
  const mean = accuracies.reduce((a, b) => a + b, 0) / accuracies.length;
  const result: CellResult = {
    testMean: mean,
    testStd: 0,
    selectedEpochs: accuracies.map((_, i) => i + 1),
    selectedTestAccuracies: accuracies,
    validationScore,
    meanValidationAccuracy: [],
    testAccuracy: accuracies,
    trainImages: 80,
    testImages: 20,
    seconds: 1,
  };
  counter += 1;
  return { key: `key${counter}`, config: full, result };
}

describe('datasetLabel', () => {
  it('names a column by folder or file, with the IDRiD task', () => {
    expect(datasetLabel('folder:/data/fundus/')).toBe('fundus');
    expect(datasetLabel('medmnist:/x/pneumoniamnist.npz')).toBe('pneumoniamnist');
    expect(datasetLabel('idrid:/data/IDRiD:edema')).toBe('IDRiD edema');
    expect(datasetLabel('/data/jaffe')).toBe('jaffe');
    expect(datasetLabel('C:/data/orl')).toBe('orl');
  });
});

describe('chooseSettings', () => {
  it('picks hyperparameters by validation accuracy, never by test accuracy, pooling seeds', () => {
    const cells = [
      // K=32 has the better test accuracy but the worse validation score.
      cell({ channels: 32, seed: 0 }, [0.9, 0.92], 0.6),
      cell({ channels: 32, seed: 1 }, [0.9, 0.91], 0.62),
      cell({ channels: 64, seed: 0 }, [0.7, 0.72], 0.8),
      cell({ channels: 64, seed: 1 }, [0.71, 0.7], 0.78),
    ];
    const [chosen] = chooseSettings(cells);
    expect(chosen!.setting).toMatchObject({ channels: 64 });
    expect(chosen!.seeds).toEqual([0, 1]);
    expect(chosen!.accuracies).toEqual([0.7, 0.72, 0.71, 0.7]);
    expect(chosen!.validationScore).toBeCloseTo(0.79, 10);
  });
});

describe('buildResultTable', () => {
  const vanilla = cell({ attention: 'none', cutoffEpoch: 0 }, [0.6, 0.62, 0.61, 0.59, 0.6], 0.6);
  const l1 = cell({ attention: 'l1', lambda: 0.01 }, [0.8, 0.81, 0.79, 0.8, 0.82], 0.8);
  const global = cell({ channels: 32, lambda: 0.01 }, [0.8, 0.82, 0.81, 0.79, 0.8], 0.8);

  it('lays out Table 2 with the significance marks of the paper', () => {
    const { table } = buildResultTable([vanilla, l1, global]);
    expect(table.columns).toEqual(['fundus']);
    expect(table.rows.map((row) => row.method)).toEqual(['Vanilla', 'L1 map', 'Global attention']);
    const attention = table.rows[2]!.cells.fundus!;
    expect(attention.mean).toBeCloseTo(0.804, 10);
    // Far from vanilla (bold), indistinguishable from L1 (no star).
    expect(attention.bold).toBe(true);
    expect(attention.star).toBe(false);
    expect(table.rows[0]!.cells.fundus!.bold).toBe(false);
  });

  it('renders Markdown with the chosen settings and the failed cells', () => {
    const text = renderResultsMarkdown(
      'results',
      [vanilla, global],
      [{ key: 'deadbeef00', config: l1.config, error: 'Error: out of memory\n  at x' }],
      3,
    );
    expect(text).toContain('| SmallCNN | Vanilla | 60.40(1.14) |');
    expect(text).toContain('|  | Global attention | **80.40(1.14)** |');
    expect(text).toContain('| fundus | SmallCNN | Global attention | — | 0 | 80.00 | — | key');
    expect(text).toContain('Cells: 2 done, 1 failed, 3 not finished.');
    expect(text).toContain('`deadbeef` smallcnn l1 on fundus: Error: out of memory');
    expect(text).not.toContain('at x');
  });
});

describe('sensitivityRecords', () => {
  it('averages global-attention cells per value of K, lambda and E that varied', () => {
    const records = sensitivityRecords([
      cell({ channels: 32, lambda: 0.01 }, [0.7], 0.7),
      cell({ channels: 32, lambda: 0.001 }, [0.8], 0.7),
      cell({ channels: 64, lambda: 0.01 }, [0.9], 0.7),
      cell({ attention: 'none', cutoffEpoch: 0 }, [0.1], 0.1),
    ]);
    const k = records.filter((record) => record.parameter === 'K');
    expect(k.map((record) => [record.value, record.accuracy])).toEqual([
      [32, expect.closeTo(0.75, 10)],
      [64, expect.closeTo(0.9, 10)],
    ]);
    expect(records.filter((record) => record.parameter === 'lambda')).toHaveLength(2);
    // E (the cut-off) did not vary: no panel.
    expect(records.some((record) => record.parameter === 'E')).toBe(false);
  });
});

describe('baseline rows', () => {
  it('shows the classical baselines as their own group, the mean alone, and the C chosen by CV', () => {
    const cnn = cell({ attention: 'none' }, [0.7, 0.72], 0.7);
    const logistic = cell(
      { backbone: 'pixels', attention: 'none', method: 'logistic-regression', topEpochs: 1 },
      [0.8],
      0.79,
    );
    logistic.result.baseline = {
      c: 0.01,
      validationAccuracyByC: [
        { c: 0.001, accuracy: 0.7 },
        { c: 0.01, accuracy: 0.79 },
      ],
    };
    const { table } = buildResultTable([logistic, cnn]);
    expect(table.rows.map((row) => [row.backbone, row.method])).toEqual([
      ['SmallCNN', 'Vanilla'],
      ['Pixels (linear)', 'Logistic regression'],
    ]);
    const markdown = renderResultsMarkdown('grid', [logistic, cnn], [], 0);
    expect(markdown).toContain('| 80.00 |');
    expect(markdown).toMatch(/\| fundus \| Pixels \(linear\) \| Logistic regression \| C=0\.01 \|/);
    // Baselines carry neutral CNN settings: they must not show up as varied hyperparameters.
    expect(markdown).not.toMatch(/lr=0/);
  });
});

describe('map stability across seeds', () => {
  const withMap = (seed: number, values: number[]): FinishedCell => {
    const finished = cell({ channels: 32, seed }, [0.8, 0.82], 0.7);
    return { ...finished, result: { ...finished.result, map: { height: 2, width: 5, values } } };
  };
  const base = [0.9, 0.8, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.05];

  it('is in the chosen settings, results.md and the sensitivity data: r and top-10% IoU, mean and min', () => {
    const cells = [
      withMap(0, base),
      withMap(
        1,
        base.map((v) => v * 0.5),
      ),
      withMap(2, [...base].reverse()),
    ];
    const [chosen] = chooseSettings(cells);
    expect(chosen!.mapStability!.maps).toBe(3);
    // Seeds 0 and 1 agree exactly (r 1, same top pixel); the reversed map does not.
    const reversed = pearsonCorrelation(base, [...base].reverse());
    expect(chosen!.mapStability!.pearson.mean).toBeCloseTo((1 + 2 * reversed) / 3, 10);
    expect(chosen!.mapStability!.pearson.min).toBeCloseTo(reversed, 10);
    expect(chosen!.mapStability!.topOverlap).toEqual({ mean: 1 / 3, min: 0 });
    const markdown = renderResultsMarkdown('t', cells, [], 0);
    expect(markdown).toContain('| map stability |');
    expect(markdown).toMatch(
      /\| r -?\d\.\d\d \(min -?\d\.\d\d\), top-10% IoU 0\.33 \(min 0\.00\), 3 maps \|/,
    );
    const records = sensitivityRecords([
      ...cells,
      ...[0, 1].map((seed) => {
        const other = withMap(seed, base);
        return { ...other, config: { ...other.config, channels: 64 } };
      }),
    ]);
    const at64 = records.find((record) => record.parameter === 'K' && record.value === 64)!;
    expect(at64).toMatchObject({ mapPearson: expect.closeTo(1, 10), mapTopOverlap: 1 });
  });

  it('says nothing for one seed or for a method without a map', () => {
    const [single] = chooseSettings([withMap(0, base)]);
    expect(single!.mapStability).toBeUndefined();
    expect(renderResultsMarkdown('t', [withMap(0, base)], [], 0)).toContain('| — |');
  });
});
