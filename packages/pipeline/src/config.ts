// The run configuration: one vocabulary, one schema. The CLI's flags, a YAML
// or JSON config file, an experiment grid's settings and the docs form are all
// parsed into a RunConfig here, and nothing downstream re-validates it.
import { z } from 'zod';
import { ATTENTION_MODES } from '@gsa/attention';
import { UsageError } from './errors.js';

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
    cutoff: z.number().int().min(0).optional(),
    /** Channels of the pixel CNN's hidden layers. */
    channels: z.number().int().min(1).default(32),
    /** The map's L1 weight in the loss. */
    lambda: z.number().min(0).default(0.01),
    weightDecay: z.number().min(0).default(1e-4),
    /** The backbone's learning rate (Adam). */
    lr: z.number().positive().default(1e-3),
    /** Overrides the map's per-weight default learning rates with one rate. */
    mapLr: z.number().positive().optional(),
    batch: z.number().int().min(1).default(32),
    seed: z.number().int().min(0).default(0),
    pixelRank: z.union([z.literal('exact'), z.number().int().min(1)]).default('exact'),
    pretrained: z.string().optional(),
    out: z.string().optional(),
    testFraction: z.number().gt(0).lt(1).default(0.2),
    /** With groups in the data (patients, subjects), keep each group on one side of the split. */
    groupSplit: z.boolean().default(true),
    /** Extra options of the backbone (config files only), e.g. `{ widths: [16, 32, 64] }` for smallcnn. */
    backboneOptions: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

/** A validated run configuration, defaults filled in. */
export type RunConfig = z.infer<typeof RunConfigSchema> & { cutoff: number; out: string };

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
): z.infer<Schema> & { cutoff: number; out: string } {
  const defined = Object.fromEntries(
    Object.entries(settings).filter(([, value]) => value !== undefined),
  );
  const parsed = schema.safeParse(defined);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || 'config'}: ${issue.message}`,
    );
    throw new UsageError(`Invalid settings: ${problems.join('; ')}.`, hint);
  }
  const config = parsed.data;
  const cutoff =
    config.cutoff ??
    (config.attention === 'none'
      ? 0
      : Math.max(1, Math.round(config.epochs * DEFAULT_CUTOFF_FRACTION)));
  if (cutoff > config.epochs) {
    throw new UsageError(
      `--cutoff ${cutoff} is after the last epoch (--epochs ${config.epochs}).`,
      'The map is frozen after epoch E: choose E <= epochs.',
    );
  }
  if (config.attention === 'none' && config.cutoff !== undefined && config.cutoff > 0) {
    throw new UsageError(
      '--cutoff has no meaning with --attention none (there is no map to freeze).',
      'Drop --cutoff, or choose --attention global or l1.',
    );
  }
  return {
    ...config,
    cutoff,
    out: config.out ?? `runs/${config.attention}-${config.backbone}-seed${config.seed}`,
  };
}
