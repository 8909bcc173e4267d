import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  cellTrainSettings,
  expandGrid,
  GridSchema,
  readGridFile,
  type GridConfig,
} from './grid.js';

const grid = (value: Record<string, unknown>): GridConfig => GridSchema.parse(value);

function gridFile(text: string, name = 'grid.yaml'): string {
  const path = join(mkdtempSync(join(tmpdir(), 'gsa-grid-')), name);
  writeFileSync(path, text);
  return path;
}

describe('expandGrid', () => {
  it('makes one cell per combination, dropping the settings a mode does not use', () => {
    const cells = expandGrid(
      grid({
        data: 'folder:/data/a',
        backbones: ['smallcnn', 'resnet18'],
        attention: ['none', 'l1', 'global'],
        epochs: 10,
        channels: [32, 64],
        lambda: [0.01, 0.001],
        seeds: [0, 1],
      }),
    );
    // vanilla: 2 backbones x 2 seeds; L1: x 2 lambdas; global: x 2 channels x 2 lambdas.
    const count = (mode: string) => cells.filter((cell) => cell.attention === mode).length;
    expect([count('none'), count('l1'), count('global')]).toEqual([4, 8, 16]);
    expect(cells).toHaveLength(28);

    const vanilla = cells.find((cell) => cell.attention === 'none')!;
    expect(vanilla).not.toHaveProperty('channels');
    expect(vanilla).not.toHaveProperty('lambda');
    expect(vanilla.cutoffEpoch).toBe(0);
    const l1 = cells.find((cell) => cell.attention === 'l1')!;
    expect(l1).not.toHaveProperty('channels');
    const global = cells.find((cell) => cell.attention === 'global')!;
    // The paper's cut-off: about 24% of the epochs; the protocol's defaults.
    expect(global).toMatchObject({ cutoffEpoch: 2, channels: 32, pixelRank: 'exact', folds: 5 });
    expect(global.topEpochs).toBe(10);
    expect(new Set(cells.map((cell) => JSON.stringify(cell))).size).toBe(cells.length);
  });

  it('is stable: the same grid gives the same cells in the same order', () => {
    const value = { data: ['a', 'b'], attention: ['global', 'none'], seeds: [2, 1] };
    expect(expandGrid(grid(value))).toEqual(expandGrid(grid(value)));
    expect(expandGrid(grid(value)).map((cell) => [cell.data, cell.attention, cell.seed])).toEqual([
      ['a', 'global', 2],
      ['a', 'global', 1],
      ['a', 'none', 2],
      ['a', 'none', 1],
      ['b', 'global', 2],
      ['b', 'global', 1],
      ['b', 'none', 2],
      ['b', 'none', 1],
    ]);
  });

  it('names the cell and the value that cannot run', () => {
    expect(() => expandGrid(grid({ data: 'a', epochs: [10, 4], cutoffEpoch: 6 }))).toThrow(
      /epochs=4.*--cutoff-epoch 6 is after the last epoch/,
    );
    expect(() => expandGrid(grid({ data: 'a', epochs: 5, topEpochs: 8 }))).toThrow(
      /topEpochs 8 is more than the 5 epochs/,
    );
  });
});

describe('baselines in a grid', () => {
  it('adds one cell per dataset and size for each classical baseline, on the same split settings', () => {
    const cells = expandGrid(
      grid({
        data: ['folder:/a', 'folder:/b'],
        attention: 'global',
        baselines: ['logistic-regression', 'linear-svm'],
        size: [32, 64],
        seeds: [0, 1],
        folds: 3,
        splitSeed: 7,
      }),
    );
    const baselines = cells.filter((cell) => cell.method !== undefined);
    // 2 methods x 2 datasets x 2 sizes; seeds do not multiply them (no random initialisation).
    expect(baselines).toHaveLength(8);
    expect(cells.filter((cell) => cell.method === undefined)).toHaveLength(2 * 2 * 2);
    expect(baselines[0]).toMatchObject({
      backbone: 'pixels',
      method: 'logistic-regression',
      data: 'folder:/a',
      size: 32,
      folds: 3,
      splitSeed: 7,
      topEpochs: 1,
    });
    expect(new Set(cells.map((cell) => JSON.stringify(cell))).size).toBe(cells.length);
    expect(() => grid({ data: 'a', baselines: ['random-forest'] })).toThrow(/baselines/);
  });
});

describe('readGridFile', () => {
  it('reads the YAML of the issue', () => {
    const path = gridFile(
      'data: jaffe:/data/jaffe\nbackbones: [smallcnn, resnet18]\nattention: [none, l1, global]\nsize: 64\nepochs: 100\ncutoffEpoch: 25\nchannels: [32, 64]\nlambda: [0.01, 0.001]\nseeds: [0, 1, 2]\n',
    );
    const cells = expandGrid(readGridFile(path));
    // 2 backbones x 3 seeds x (1 vanilla + 2 L1 lambdas + 4 global settings).
    expect(cells).toHaveLength(2 * 3 * (1 + 2 + 4));
    expect(cells.every((cell) => cell.size === 64 && cell.epochs === 100)).toBe(true);
    expect(
      cells.filter((cell) => cell.attention !== 'none').every((c) => c.cutoffEpoch === 25),
    ).toBe(true);
  });

  it('rejects unknown keys, wrong types and doubled keys with the file named', () => {
    expect(() => readGridFile(gridFile('data: a\nbackbonez: [x]\n'))).toThrow(
      /Invalid grid file .*grid\.yaml.*backbonez/,
    );
    expect(() => readGridFile(gridFile('data: a\nepochs: ten\n'))).toThrow(/epochs/);
    expect(() => readGridFile(gridFile('data: a\nseed: 1\nseeds: [1, 2]\n'))).toThrow(
      /both seed and seeds/,
    );
    expect(() => readGridFile(gridFile('{"data": "a", "folds": 1}', 'grid.json'))).toThrow(/folds/);
    expect(() => readGridFile('/nonexistent/grid.yaml')).toThrow(/Cannot read the config file/);
    expect(() => readGridFile(gridFile('data: a\nlr: [0.1, 0.01]\n'))).toThrow(
      /grid\.yaml sets 'lr', which is now called 'learningRate'/,
    );
  });

  it("expands the map study's settings, and keeps them out of cells that leave them at their default", () => {
    const cells = expandGrid(
      readGridFile(
        gridFile(
          'data: a\nattention: global\nmapLearningRate: [inputFanIn, backbone]\nmapInitialization: [pytorch, glorot]\n',
        ),
      ),
    );
    expect(cells.map((cell) => [cell.mapLearningRate, cell.mapInitialization])).toEqual([
      ['inputFanIn', undefined],
      ['inputFanIn', 'glorot'],
      ['backbone', undefined],
      ['backbone', 'glorot'],
    ]);
    expect(cellTrainSettings(cells[3]!)).toMatchObject({
      mapLearningRate: 'backbone',
      mapInitialization: 'glorot',
      standardizePixels: true,
    });
  });
});
