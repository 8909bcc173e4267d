// The run configuration: one vocabulary, one schema. The CLI's flags, a YAML
// or JSON config file, an experiment grid's settings and the docs form are all
// parsed into a RunConfig here, and nothing downstream re-validates it.
import { z } from 'zod';
import { ATTENTION_MODES, PIXEL_CNN_INITIALIZATIONS } from '@gsa/attention';
import { MAP_LEARNING_RATE_RULE_NAMES } from '@gsa/trainer';
import { UsageError } from './errors.js';

/** `align`'s choices: none, or a translation onto the training mean. */
export const ALIGN_METHODS = ['none', 'translate'] as const;
/** What trains with pretrained weights: every layer, or the new classifier only. */
export const TRAIN_MODES = ['all', 'head'] as const;
/** `gsa export`'s formats: tfjs's own layers, the model as gsa saved it, or torchvision's. */
export const EXPORT_FORMATS = ['tfjs', 'gsa', 'torchvision'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** The fraction of epochs the map trains jointly by default (the paper's E = 24 of 100). */
export const DEFAULT_CUTOFF_FRACTION = 0.24;

/** Every setting of a training run; a config file's keys are these (the CLI's flags in camelCase). */
export const RunConfigSchema = z
  .object({
    /** The data SPEC (see @gsa/data/node's datasetSpecSyntax()). */
    data: z.string().min(1),
    backbone: z.string().min(1).default('smallcnn'),
    attention: z.enum(ATTENTION_MODES).default('global'),
    size: z.number().int().min(8).optional(),
    epochs: z.number().int().min(1).default(30),
    /** E: the last epoch of phase 1 (joint training); the map is frozen after it. */
    cutoffEpoch: z.number().int().min(0).optional(),
    /** Channels of the pixel CNN's hidden layers. */
    channels: z.number().int().min(1).default(32),
    /** The map's L1 weight in the loss. */
    lambda: z.number().min(0).default(0.01),
    weightDecay: z.number().min(0).default(1e-4),
    /** The backbone's learning rate (Adam). */
    learningRate: z.number().positive().default(1e-3),
    /**
     * The map's learning rate: one rate for every pixel-CNN weight (the L1
     * map's rate), or a per-weight rule of @gsa/trainer by name (global
     * attention only). Default: the trainer's rule, `inputFanIn`.
     */
    mapLearningRate: z
      .union([z.number().positive(), z.enum(MAP_LEARNING_RATE_RULE_NAMES)])
      .optional(),
    /** Linear warm-up of the pixel CNN's rates, in steps (0: none). Default: a third of phase 1. */
    mapWarmupSteps: z.number().int().min(0).optional(),
    /** Weight of the map's entropy term in phase 1 (global attention; 0, with mapBoundaryWeight 0: the paper's loss). */
    mapEntropyWeight: z.number().min(0).optional(),
    /** Weight of the map's boundary term in phase 1 (global attention; 0: off). */
    mapBoundaryWeight: z.number().min(0).optional(),
    /** How the pixel CNN's weights start. */
    mapInitialization: z.enum(PIXEL_CNN_INITIALIZATIONS).default('pytorch'),
    batchSize: z.number().int().min(1).default(32),
    seed: z.number().int().min(0).default(0),
    pixelRank: z.union([z.literal('exact'), z.number().int().min(1)]).default('exact'),
    /** Standardise each image over its pixels before it enters P (the map study's fix; false: raw intensities). */
    standardizePixels: z.boolean().default(true),
    /**
     * Pretrained weights for the backbone: a path, an http(s) URL, or a name
     * looked up in GSA_WEIGHTS_DIR (`resnet18` -> resnet18.safetensors or
     * resnet18/model.json). The body is loaded; a classifier that does not fit
     * the data's classes is replaced by a fresh one.
     */
    pretrained: z.string().optional(),
    /** With pretrained weights: 'all' fine-tunes every layer, 'head' trains the new classifier only. */
    train: z.enum(TRAIN_MODES).default('all'),
    /** With pretrained weights: freeze this layer (a torchvision module such as `layer2`) and everything before it. */
    freezeUntil: z.string().min(1).optional(),
    /** The classifier's own learning rate (default: learningRate). */
    headLearningRate: z.number().positive().optional(),
    out: z.string().optional(),
    testFraction: z.number().gt(0).lt(1).default(0.2),
    /** With groups in the data (patients, subjects), keep each group on one side of the split. */
    groupSplit: z.boolean().default(true),
    /**
     * Register every image to the training images' mean before anything else
     * ('translate'); the reference travels with the model, so evaluation and
     * prediction align new images the same way.
     */
    align: z.enum(ALIGN_METHODS).default('none'),
    /** Extra options of the backbone (config files only), e.g. `{ widths: [16, 32, 64] }` for smallcnn. */
    backboneOptions: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

/** Keys of gsa 0.x config files, renamed to the trainer's names (one vocabulary). */
export const RENAMED_KEYS: Readonly<Record<string, string>> = {
  lr: 'learningRate',
  batch: 'batchSize',
  cutoff: 'cutoffEpoch',
  mapLr: 'mapLearningRate',
};

/** A validated run configuration, defaults filled in. */
export type RunConfig = z.infer<typeof RunConfigSchema> & { cutoffEpoch: number; out: string };

/**
 * Validates settings (e.g. a config file's, then flags over them) against
 * `schema` (RunConfigSchema, or an extension of it such as the CLI's), fills
 * in defaults and checks what only makes sense together.
 */
export function resolveRunConfig<
  Schema extends z.ZodType<z.infer<typeof RunConfigSchema>> = typeof RunConfigSchema,
>(
  settings: Record<string, unknown>,
  schema: Schema = RunConfigSchema as unknown as Schema,
  hint = 'See `gsa train --help`.',
): z.infer<Schema> & { cutoffEpoch: number; out: string } {
  const defined = Object.fromEntries(
    Object.entries(settings).filter(([, value]) => value !== undefined),
  );
  for (const [old, renamed] of Object.entries(RENAMED_KEYS)) {
    if (old in defined)
      throw new UsageError(
        `The setting '${old}' is now called '${renamed}'.`,
        `Rename it in the config or grid file (the flags --${old.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} and --${renamed.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} both work).`,
      );
  }
  const parsed = schema.safeParse(defined);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || 'config'}: ${issue.message}`,
    );
    throw new UsageError(`Invalid settings: ${problems.join('; ')}.`, hint);
  }
  const config = parsed.data;
  const cutoffEpoch =
    config.cutoffEpoch ??
    (config.attention === 'none'
      ? 0
      : Math.max(1, Math.round(config.epochs * DEFAULT_CUTOFF_FRACTION)));
  if (config.attention !== 'global' && typeof config.mapLearningRate === 'string') {
    throw new UsageError(
      `mapLearningRate '${config.mapLearningRate}' is a rule for the pixel CNN; --attention ${config.attention} has none.`,
      config.attention === 'l1' ? 'Give the L1 map one rate, e.g. 0.01.' : 'Drop it.',
    );
  }
  for (const [name, weight] of [
    ['mapEntropyWeight', config.mapEntropyWeight],
    ['mapBoundaryWeight', config.mapBoundaryWeight],
  ] as const) {
    if (config.attention !== 'global' && weight) {
      throw new UsageError(
        `${name} ${weight} is a decision term of the pixel CNN's map; --attention ${config.attention} has none.`,
        'Drop it, or train --attention global.',
      );
    }
  }
  if (cutoffEpoch > config.epochs) {
    throw new UsageError(
      `--cutoff-epoch ${cutoffEpoch} is after the last epoch (--epochs ${config.epochs}).`,
      'The map is frozen after epoch E: choose E <= epochs.',
    );
  }
  if (config.attention === 'none' && config.cutoffEpoch !== undefined && config.cutoffEpoch > 0) {
    throw new UsageError(
      '--cutoff-epoch has no meaning with --attention none (there is no map to freeze).',
      'Drop --cutoff-epoch, or choose --attention global or l1.',
    );
  }
  if (config.pretrained === undefined && (config.train === 'head' || config.freezeUntil)) {
    throw new UsageError(
      `${config.freezeUntil ? `--freeze-until ${config.freezeUntil}` : '--train head'} freezes pretrained layers, but no --pretrained weights are given: the frozen layers would stay random.`,
      'Pass --pretrained PATH|URL|NAME, or drop it.',
    );
  }
  if (config.train === 'head' && config.freezeUntil) {
    throw new UsageError(
      `--train head and --freeze-until ${config.freezeUntil} both say what trains.`,
      'Choose one: --train head trains the classifier only, --freeze-until LAYER trains everything after LAYER.',
    );
  }
  return {
    ...config,
    cutoffEpoch,
    out: config.out ?? `runs/${config.attention}-${config.backbone}-seed${config.seed}`,
  };
}
