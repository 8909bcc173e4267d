import { backboneDefinition } from '@gsa/backbones';
import {
  mean,
  renderCsvTable,
  renderMarkdownTable,
  resultCell,
  significanceMarks,
  standardDeviation,
  type ResultRow,
  type ResultTable,
} from '@gsa/eval';
import type { SensitivityRecord } from '@gsa/viz';
import type { CellResult } from './cell.js';
import { describeMapAgreement, mapAgreement, type MapAgreement } from './map-agreement.js';
import {
  BASELINE_BACKBONE,
  HYPERPARAMETERS,
  type BaselineMethod,
  type CellConfig,
} from './grid.js';

/** A finished cell as the ledger holds it. */
export interface FinishedCell {
  key: string;
  config: CellConfig;
  result: CellResult;
}

export interface FailedCell {
  key: string;
  config: CellConfig;
  error: string;
}

/** A row's method: an attention mode of a CNN, or a classical baseline. */
export type Method = CellConfig['attention'] | BaselineMethod;

/** The method a cell runs. */
export const methodOf = (config: CellConfig): Method => config.method ?? config.attention;

/** One (data, backbone, method) entry of the table: the hyperparameters chosen by validation, pooled over seeds. */
export interface ChosenSetting {
  data: string;
  backbone: string;
  attention: CellConfig['attention'];
  method: Method;
  /** A baseline's regularisation C, chosen by CV. */
  c?: number;
  /** The hyperparameters of the chosen setting (seed excluded). */
  setting: Partial<Record<(typeof HYPERPARAMETERS)[number], unknown>>;
  seeds: number[];
  /** Test accuracies at the selected epochs, over every seed of the setting. */
  accuracies: number[];
  validationScore: number;
  keys: string[];
  /**
   * Global attention: how alike the seeds' final maps are (2+ seeds), or, with
   * one seed, its folds' maps (`across: 'folds'`).
   */
  mapStability?: MapAgreement & { across?: 'folds' };
}

export const METHOD_NAMES: Record<Method, string> = {
  none: 'Vanilla',
  l1: 'L1 map',
  global: 'Global attention',
  'logistic-regression': 'Logistic regression',
  'linear-svm': 'Linear SVM',
};

/** A short column name for a data SPEC: its folder or file name, plus an IDRiD task. */
export function datasetLabel(spec: string): string {
  const match = /^(\w+):(.*)$/.exec(spec);
  const kind = match && match[1]!.length > 1 ? match[1]! : undefined;
  let path = kind ? match![2]! : spec;
  let task = '';
  if (kind === 'idrid') {
    const parts = /^(.*?)(?::(retinopathy|edema))?$/.exec(path)!;
    path = parts[1]!;
    task = parts[2] ? ` ${parts[2]}` : '';
  }
  const name =
    path
      .replace(/[/\\]+$/, '')
      .split(/[/\\]/)
      .pop()
      ?.replace(/\.npz$/i, '') ?? spec;
  return `${name}${task}`;
}

export function backboneLabel(name: string): string {
  if (name === BASELINE_BACKBONE) return 'Pixels (linear)';
  try {
    return backboneDefinition(name).displayName ?? name;
  } catch {
    return name;
  }
}

/** Backbones with their own per-image attention (VGG-att3, ResAttNet): one row, no map in front. */
export function isLocalAttentionBackbone(name: string): boolean {
  try {
    return backboneDefinition(name).hasLocalAttention === true;
  } catch {
    return false;
  }
}

function settingOf(config: CellConfig): ChosenSetting['setting'] {
  return Object.fromEntries(
    HYPERPARAMETERS.filter((key) => config[key] !== undefined).map((key) => [key, config[key]]),
  );
}

/** How alike the final maps of `cells` (seeds of one setting) are (null when fewer than two have one). */
export function cellMapAgreement(cells: readonly FinishedCell[]): MapAgreement | null {
  return mapAgreement(cells.flatMap((cell) => (cell.result.map ? [cell.result.map.values] : [])));
}

/**
 * For every (data, backbone, mode), the hyperparameter setting with the best
 * validation score (mean over its seeds), never the best test score.
 */
export function chooseSettings(cells: readonly FinishedCell[]): ChosenSetting[] {
  const bySetting = new Map<string, FinishedCell[]>();
  for (const cell of cells) {
    const { data, backbone } = cell.config;
    const id = JSON.stringify([data, backbone, methodOf(cell.config), settingOf(cell.config)]);
    bySetting.set(id, [...(bySetting.get(id) ?? []), cell]);
  }
  const best = new Map<string, ChosenSetting>();
  for (const group of bySetting.values()) {
    const { data, backbone, attention } = group[0]!.config;
    const method = methodOf(group[0]!.config);
    const agreement = method === 'global' ? cellMapAgreement(group) : null;
    // One seed: how alike its folds' maps were.
    const folds = group.length === 1 ? group[0]!.result.foldMapStability : undefined;
    const candidate: ChosenSetting = {
      data,
      backbone,
      attention,
      method,
      ...(agreement ? { mapStability: agreement } : {}),
      ...(!agreement && folds ? { mapStability: { ...folds, across: 'folds' as const } } : {}),
      ...(group[0]!.result.baseline ? { c: group[0]!.result.baseline.c } : {}),
      setting: settingOf(group[0]!.config),
      seeds: group.map((cell) => cell.config.seed).sort((a, b) => a - b),
      accuracies: group.flatMap((cell) => cell.result.selectedTestAccuracies),
      validationScore: mean(group.map((cell) => cell.result.validationScore)),
      keys: group.map((cell) => cell.key),
    };
    const id = JSON.stringify([data, backbone, method]);
    const current = best.get(id);
    if (!current || candidate.validationScore > current.validationScore) best.set(id, candidate);
  }
  return [...best.values()];
}

/**
 * The paper's Table 2: rows are methods per backbone, columns datasets, cells
 * mean(std) test accuracy over the selected epochs (and seeds); global
 * attention is bold when it differs from vanilla at p < 0.01 (Welch's
 * t-test) and starred when it differs from the L1 map.
 */
export function buildResultTable(cells: readonly FinishedCell[]): {
  table: ResultTable;
  chosen: ChosenSetting[];
} {
  const chosen = chooseSettings(cells);
  const columns = [...new Set(cells.map((cell) => datasetLabel(cell.config.data)))];
  const backbones = [...new Set(cells.map((cell) => cell.config.backbone))];
  const find = (data: string, backbone: string, method: Method) =>
    chosen.find(
      (entry) =>
        datasetLabel(entry.data) === data && entry.backbone === backbone && entry.method === method,
    );
  const rows: ResultRow[] = [];
  // The classical baselines come last, as one group of rows.
  const ordered = [
    ...backbones.filter((name) => name !== BASELINE_BACKBONE),
    ...backbones.filter((name) => name === BASELINE_BACKBONE),
  ];
  for (const backbone of ordered) {
    const local = isLocalAttentionBackbone(backbone);
    const methods: readonly Method[] =
      backbone === BASELINE_BACKBONE
        ? ['logistic-regression', 'linear-svm']
        : ['none', 'l1', 'global'];
    for (const attention of methods) {
      if (!columns.some((column) => find(column, backbone, attention))) continue;
      const cellsByColumn: ResultRow['cells'] = Object.fromEntries(
        columns.map((column) => {
          const entry = find(column, backbone, attention);
          if (!entry) return [column, undefined];
          const vanilla = find(column, backbone, 'none');
          const l1 = find(column, backbone, 'l1');
          const marks =
            attention === 'global' && vanilla && canTest(entry, vanilla)
              ? significanceMarks({
                  attention: entry.accuracies,
                  vanilla: vanilla.accuracies,
                  ...(l1 && canTest(entry, l1) ? { l1: l1.accuracies } : {}),
                })
              : {};
          return [column, resultCell(entry.accuracies, marks)];
        }),
      );
      rows.push({
        backbone: backboneLabel(backbone),
        method:
          local && attention === 'none' ? 'Local attention (per image)' : METHOD_NAMES[attention],
        cells: cellsByColumn,
      });
    }
  }
  return { table: { columns, rows }, chosen };
}

/** A t-test needs two values on each side. */
function canTest(a: ChosenSetting, b: ChosenSetting): boolean {
  return a.accuracies.length >= 2 && b.accuracies.length >= 2;
}

/** results.md: the table, how to read it, the chosen settings, and any failed cells. */
export function renderResultsMarkdown(
  title: string,
  cells: readonly FinishedCell[],
  failed: readonly FailedCell[],
  pending: number,
): string {
  const lines = [`# ${title}`, ''];
  if (cells.length === 0) {
    lines.push('No cell has finished yet.', '');
  } else {
    const { table, chosen } = buildResultTable(cells);
    // Only what the grid varied is worth a column's space.
    const varying = HYPERPARAMETERS.filter(
      (key) =>
        new Set(
          cells
            .filter((cell) => cell.config.method === undefined) // baselines: no CNN settings
            .filter((cell) => !(key === 'cutoffEpoch' && cell.config.attention === 'none'))
            .filter((cell) => cell.config[key] !== undefined)
            .map((cell) => JSON.stringify(cell.config[key])),
        ).size > 1,
    );
    lines.push(
      'Test accuracy (%) mean(std) over the epochs chosen by cross-validation on the training part (and over seeds), as in Table 2 of Xu et al. **Bold**: global attention differs from vanilla at p < 0.01 (Welch t-test); \\*: it differs from the L1 map at p < 0.01.',
      '',
      renderMarkdownTable(table),
      '## Chosen settings',
      '',
      "Per dataset, backbone and method, the hyperparameters with the best mean validation accuracy (never the test accuracy). Map stability: for global attention with two or more seeds, how alike the seeds' final maps are (pairwise Pearson r and overlap of their top 10% pixels, mean and minimum).",
      '',
      '| data | backbone | method | setting | seeds | validation | map stability | cells |',
      '| --- | --- | --- | --- | --- | ---: | --- | --- |',
      ...chosen.map(
        (entry) =>
          `| ${datasetLabel(entry.data)} | ${backboneLabel(entry.backbone)} | ${METHOD_NAMES[entry.method]} | ${entry.c === undefined ? describeSetting(entry.setting, varying) : `C=${entry.c}`} | ${entry.seeds.join(', ')} | ${(entry.validationScore * 100).toFixed(2)} | ${entry.mapStability ? `${describeMapAgreement(entry.mapStability)}${entry.mapStability.across === 'folds' ? ' (folds)' : ''}` : '—'} | ${entry.keys.map((key) => key.slice(0, 8)).join(', ')} |`,
      ),
      '',
    );
  }
  lines.push(`Cells: ${cells.length} done, ${failed.length} failed, ${pending} not finished.`, '');
  if (failed.length > 0) {
    lines.push('## Failed cells', '');
    for (const cell of failed) {
      lines.push(
        `- \`${cell.key.slice(0, 8)}\` ${cell.config.backbone} ${methodOf(cell.config)} on ${datasetLabel(cell.config.data)}: ${cell.error.split('\n')[0]}`,
      );
    }
    lines.push('');
  }
  return lines.join('\n');
}

export function renderResultsCsv(cells: readonly FinishedCell[]): string {
  return renderCsvTable(buildResultTable(cells).table);
}

function describeSetting(setting: ChosenSetting['setting'], keys: readonly string[]): string {
  const entries = Object.entries(setting).filter(([key]) => keys.includes(key));
  return entries.length === 0 ? '—' : entries.map(([k, v]) => `${k}=${String(v)}`).join(' ');
}

/** A point of the sensitivity plot, with how alike the maps behind it are (results.json only). */
export interface SensitivityPoint extends SensitivityRecord {
  /** Mean pairwise Pearson r of the maps behind the point. */
  mapPearson?: number;
  /** Mean pairwise overlap (IoU) of their top 10% pixels. */
  mapTopOverlap?: number;
}

const SENSITIVITY: [keyof CellConfig, SensitivityRecord['parameter']][] = [
  ['channels', 'K'],
  ['lambda', 'lambda'],
  ['cutoffEpoch', 'E'],
];

/**
 * The paper's Fig. 7 from global-attention cells: test accuracy against each
 * of K, lambda and E that the grid varied, one line per dataset and backbone;
 * each point averages the cells with that value (the other settings and seeds pooled).
 */
export function sensitivityRecords(cells: readonly FinishedCell[]): SensitivityPoint[] {
  const global = cells.filter((cell) => cell.config.attention === 'global');
  const records: SensitivityPoint[] = [];
  for (const [key, parameter] of SENSITIVITY) {
    const values = [...new Set(global.map((cell) => cell.config[key]))].filter(
      (value): value is number => typeof value === 'number',
    );
    if (values.length < 2) continue;
    const series = [
      ...new Set(
        global.map(
          (cell) => `${datasetLabel(cell.config.data)} ${backboneLabel(cell.config.backbone)}`,
        ),
      ),
    ];
    for (const name of series) {
      for (const value of values) {
        const matching = global.filter(
          (cell) =>
            cell.config[key] === value &&
            `${datasetLabel(cell.config.data)} ${backboneLabel(cell.config.backbone)}` === name,
        );
        if (matching.length === 0) continue;
        const means = matching.map((cell) => cell.result.testMean);
        const agreement = cellMapAgreement(matching);
        records.push({
          parameter,
          value,
          accuracy: mean(means),
          ...(means.length > 1 ? { accuracyStd: standardDeviation(means) } : {}),
          series: name,
          ...(agreement
            ? { mapPearson: agreement.pearson.mean, mapTopOverlap: agreement.topOverlap.mean }
            : {}),
        });
      }
    }
  }
  return records;
}
