import { basename, extname } from 'node:path';
import { z } from 'zod';
import {
  ATTENTION_MODES,
  PIXEL_CNN_INITIALIZATIONS,
  type AttentionMode,
  type PixelCnnInitialization,
} from '@gsa/attention';
import { MAP_LEARNING_RATE_RULE_NAMES, type MapLearningRateRuleName } from '@gsa/trainer';
import {
  ALIGN_METHODS,
  RENAMED_KEYS,
  TRAIN_MODES,
  resolveRunConfig,
  type RunConfig,
} from '../../config.js';
import { readConfigFile } from '../config-file.js';
import { UsageError } from '../../errors.js';

const one = <T extends z.ZodTypeAny>(schema: T) => z.union([schema, z.array(schema).min(1)]);
const mode = z.enum(ATTENTION_MODES);
/** Classical baselines of @gsa/eval on flattened, standardised pixels. */
export const BASELINE_METHODS = ['logistic-regression', 'linear-svm'] as const;
export type BaselineMethod = (typeof BASELINE_METHODS)[number];

/**
 * A grid file: the `gsa train` settings in camelCase, where a list means
 * "one cell per value"; plus the protocol's settings (never expanded).
 */
export const GridSchema = z
  .object({
    data: one(z.string().min(1)),
    backbone: one(z.string().min(1)).optional(),
    backbones: one(z.string().min(1)).optional(),
    attention: one(mode).default(['none', 'l1', 'global']),
    /** Classical baselines to add, one cell per dataset (and size): C chosen by CV on the same folds. */
    baselines: one(z.enum(BASELINE_METHODS)).optional(),
    size: one(z.number().int().min(8)).optional(),
    epochs: one(z.number().int().min(1)).default(30),
    cutoffEpoch: one(z.number().int().min(0)).optional(),
    channels: one(z.number().int().min(1)).optional(),
    lambda: one(z.number().min(0)).optional(),
    weightDecay: one(z.number().min(0)).optional(),
    learningRate: one(z.number().positive()).optional(),
    mapLearningRate: one(
      z.union([z.number().positive(), z.enum(MAP_LEARNING_RATE_RULE_NAMES)]),
    ).optional(),
    mapWarmupSteps: one(z.number().int().min(0)).optional(),
    mapEntropyWeight: one(z.number().min(0)).optional(),
    mapBoundaryWeight: one(z.number().min(0)).optional(),
    mapInitialization: one(z.enum(PIXEL_CNN_INITIALIZATIONS)).optional(),
    standardizePixels: one(z.boolean()).optional(),
    align: one(z.enum(ALIGN_METHODS)).optional(),
    batchSize: one(z.number().int().min(1)).optional(),
    pixelRank: one(z.union([z.literal('exact'), z.number().int().min(1)])).optional(),
    seed: one(z.number().int().min(0)).optional(),
    seeds: one(z.number().int().min(0)).optional(),
    pretrained: z.string().optional(),
    /** With pretrained: what trains ('all' or 'head'), where the frozen part ends, the classifier's rate. */
    train: z.enum(TRAIN_MODES).optional(),
    freezeUntil: z.string().min(1).optional(),
    headLearningRate: z.number().positive().optional(),
    backboneOptions: z.record(z.string(), z.unknown()).optional(),
    /** Stratified CV folds on the training part (paper: 5). */
    folds: z.number().int().min(2).default(5),
    /** Epochs selected by mean validation accuracy (paper: 30; at most `epochs`). */
    topEpochs: z.number().int().min(1).optional(),
    testFraction: z.number().gt(0).lt(1).default(0.2),
    /** The fixed train/test split is the same for every cell (paper: one 80/20 split). */
    splitSeed: z.number().int().min(0).default(0),
    /** With groups in the data (patients, subjects): no group on both sides of the split or of a fold. */
    groupSplit: z.boolean().default(true),
  })
  .strict();

export type GridConfig = z.infer<typeof GridSchema>;

/** What one cell runs: a training setting under the paper's protocol. JSON-safe; its hash is the cell key. */
export interface CellConfig {
  data: string;
  backbone: string;
  attention: AttentionMode;
  /**
   * A classical baseline instead of a CNN (backbone 'pixels'): its cell keeps
   * the CNN settings at neutral values so every ledger record has one shape.
   */
  method?: BaselineMethod;
  size?: number;
  epochs: number;
  cutoffEpoch: number;
  channels?: number;
  lambda?: number;
  weightDecay: number;
  learningRate: number;
  mapLearningRate?: number | MapLearningRateRuleName;
  /** The next five only where they differ from the default, so cell keys of older grids stay. */
  mapWarmupSteps?: number;
  mapEntropyWeight?: number;
  mapBoundaryWeight?: number;
  mapInitialization?: PixelCnnInitialization;
  standardizePixels?: boolean;
  /** 'translate' where the cell aligns its images (absent: none). */
  align?: 'translate';
  batchSize: number;
  seed: number;
  pixelRank?: number | 'exact';
  pretrained?: string;
  train?: 'head';
  freezeUntil?: string;
  headLearningRate?: number;
  backboneOptions?: Record<string, unknown>;
  folds: number;
  topEpochs: number;
  testFraction: number;
  splitSeed: number;
  groupSplit: boolean;
}

/** The keys that vary within a grid (besides the seed), for labels and sensitivity plots. */
export const HYPERPARAMETERS = [
  'size',
  'epochs',
  'cutoffEpoch',
  'channels',
  'lambda',
  'weightDecay',
  'learningRate',
  'mapLearningRate',
  'mapWarmupSteps',
  'mapEntropyWeight',
  'mapBoundaryWeight',
  'mapInitialization',
  'standardizePixels',
  'align',
  'batchSize',
  'pixelRank',
] as const;

/** Reads and validates a grid file (YAML or JSON). */
export function readGridFile(path: string): GridConfig {
  const settings = readConfigFile(path);
  for (const [old, renamed] of Object.entries(RENAMED_KEYS))
    if (old in settings)
      throw new UsageError(
        `The grid file ${path} sets '${old}', which is now called '${renamed}'.`,
        `Rename the key to ${renamed}.`,
      );
  const parsed = GridSchema.safeParse(settings);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || 'grid'}: ${issue.message}`,
    );
    throw new UsageError(
      `Invalid grid file ${path}: ${problems.join('; ')}.`,
      'Keys are the `gsa train` flags in camelCase (a list means one cell per value), plus baselines, folds, topEpochs, testFraction, splitSeed and groupSplit.',
    );
  }
  const grid = parsed.data;
  if (grid.backbone !== undefined && grid.backbones !== undefined)
    throw new UsageError(`The grid file ${path} sets both backbone and backbones.`, 'Keep one.');
  if (grid.seed !== undefined && grid.seeds !== undefined)
    throw new UsageError(`The grid file ${path} sets both seed and seeds.`, 'Keep one.');
  return grid;
}

/** The default output folder of a grid file: experiments/<file name without extension>. */
export function defaultExperimentDirectory(gridPath: string): string {
  return `experiments/${basename(gridPath, extname(gridPath))}`;
}

const list = <T>(value: T | readonly T[] | undefined): (T | undefined)[] =>
  value === undefined ? [undefined] : Array.isArray(value) ? [...(value as T[])] : [value as T];

/**
 * Every cell of the grid, in a stable order (data, backbone, attention, then
 * the hyperparameters, then the seed). Settings a mode does not use are
 * dropped (vanilla has no map; L1 has no pixel CNN), so no two cells are the
 * same training; duplicates are removed.
 */
export function expandGrid(grid: GridConfig): CellConfig[] {
  const axes: [string, unknown[]][] = [
    ['data', list(grid.data)],
    ['backbone', list(grid.backbones ?? grid.backbone ?? 'smallcnn')],
    ['attention', list(grid.attention)],
    ...HYPERPARAMETERS.map((key): [string, unknown[]] => [key, list(grid[key])]),
    ['seed', list(grid.seeds ?? grid.seed ?? 0)],
  ];
  const cells: CellConfig[] = [];
  const seen = new Set<string>();
  const visit = (index: number, chosen: Record<string, unknown>) => {
    if (index === axes.length) {
      const cell = toCell(grid, chosen);
      const identity = JSON.stringify(cell);
      if (!seen.has(identity)) {
        seen.add(identity);
        cells.push(cell);
      }
      return;
    }
    const [key, values] = axes[index]!;
    for (const value of values) visit(index + 1, { ...chosen, [key]: value });
  };
  visit(0, {});
  for (const method of grid.baselines === undefined ? [] : list(grid.baselines)) {
    for (const data of list(grid.data)) {
      for (const size of list(grid.size)) cells.push(baselineCell(grid, method!, data!, size));
    }
  }
  return cells;
}

/** The backbone name of a baseline cell: the flattened pixels are its features. */
export const BASELINE_BACKBONE = 'pixels';

function baselineCell(
  grid: GridConfig,
  method: BaselineMethod,
  data: string,
  size: number | undefined,
): CellConfig {
  return {
    data,
    backbone: BASELINE_BACKBONE,
    attention: 'none',
    method,
    ...(size === undefined ? {} : { size }),
    epochs: 1,
    cutoffEpoch: 0,
    weightDecay: 0,
    learningRate: 0,
    batchSize: 1,
    seed: 0,
    folds: grid.folds,
    topEpochs: 1,
    testFraction: grid.testFraction,
    splitSeed: grid.splitSeed,
    groupSplit: grid.groupSplit,
  };
}

function toCell(grid: GridConfig, chosen: Record<string, unknown>): CellConfig {
  const flags = Object.fromEntries(
    Object.entries(chosen).filter(([, value]) => value !== undefined),
  );
  let config: RunConfig;
  try {
    config = resolveRunConfig({
      ...flags,
      // Grid-wide settings; resolveRunConfig drops those left undefined.
      pretrained: grid.pretrained,
      train: grid.train,
      freezeUntil: grid.freezeUntil,
      headLearningRate: grid.headLearningRate,
      backboneOptions: grid.backboneOptions,
      // Vanilla cells take no cut-off even when the grid lists one for the attention modes.
      ...(chosen.attention === 'none' ? { cutoffEpoch: undefined } : {}),
      testFraction: grid.testFraction,
      out: 'unused',
    });
  } catch (error) {
    throw new UsageError(
      `A cell of the grid is invalid (${describe(chosen)}): ${(error as Error).message}`,
      'Fix that value in the grid file.',
    );
  }
  const topEpochs = grid.topEpochs ?? Math.min(30, config.epochs);
  if (topEpochs > config.epochs) {
    throw new UsageError(
      `topEpochs ${topEpochs} is more than the ${config.epochs} epochs of a cell (${describe(chosen)}).`,
      'Choose topEpochs <= epochs.',
    );
  }
  return {
    data: config.data,
    backbone: config.backbone,
    attention: config.attention,
    ...(config.size === undefined ? {} : { size: config.size }),
    epochs: config.epochs,
    cutoffEpoch: config.cutoffEpoch,
    ...(config.attention === 'global'
      ? { channels: config.channels, pixelRank: config.pixelRank }
      : {}),
    ...(config.attention === 'none' ? {} : { lambda: config.lambda }),
    weightDecay: config.weightDecay,
    learningRate: config.learningRate,
    ...(config.attention !== 'none' && config.mapLearningRate !== undefined
      ? { mapLearningRate: config.mapLearningRate }
      : {}),
    ...(config.attention === 'global'
      ? {
          ...(config.mapWarmupSteps === undefined ? {} : { mapWarmupSteps: config.mapWarmupSteps }),
          ...(config.mapEntropyWeight === undefined
            ? {}
            : { mapEntropyWeight: config.mapEntropyWeight }),
          ...(config.mapBoundaryWeight === undefined
            ? {}
            : { mapBoundaryWeight: config.mapBoundaryWeight }),
          ...(config.mapInitialization === 'pytorch'
            ? {}
            : { mapInitialization: config.mapInitialization }),
          ...(config.standardizePixels ? {} : { standardizePixels: false }),
        }
      : {}),
    ...(config.align === 'none' ? {} : { align: config.align }),
    batchSize: config.batchSize,
    seed: config.seed,
    ...(config.pretrained === undefined ? {} : { pretrained: config.pretrained }),
    ...(config.train === 'all' ? {} : { train: config.train }),
    ...(config.freezeUntil === undefined ? {} : { freezeUntil: config.freezeUntil }),
    ...(config.headLearningRate === undefined ? {} : { headLearningRate: config.headLearningRate }),
    ...(config.backboneOptions === undefined ? {} : { backboneOptions: config.backboneOptions }),
    folds: grid.folds,
    topEpochs,
    testFraction: grid.testFraction,
    splitSeed: grid.splitSeed,
    groupSplit: grid.groupSplit,
  };
}

function describe(chosen: Record<string, unknown>): string {
  return Object.entries(chosen)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${String(value)}`)
    .join(', ');
}

/** The same cell as `gsa train` settings (for running it). */
export function cellTrainSettings(cell: CellConfig): RunConfig {
  return resolveRunConfig({
    ...Object.fromEntries(
      Object.entries(cell).filter(([key]) => !['folds', 'topEpochs', 'splitSeed'].includes(key)),
    ),
    out: 'unused',
  });
}
