import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { UsageError } from './errors.js';

/** Every setting of `gsa train`; a config file's keys are these (the flags in camelCase). */
export const TrainConfigSchema = z
  .object({
    data: z.string().min(1),
    backbone: z.string().min(1).default('smallcnn'),
    attention: z.enum(['global', 'l1', 'none']).default('global'),
    size: z.number().int().min(8).optional(),
    epochs: z.number().int().min(1).default(30),
    cutoff: z.number().int().min(0).optional(),
    channels: z.number().int().min(1).default(32),
    lambda: z.number().min(0).default(0.01),
    weightDecay: z.number().min(0).default(1e-4),
    lr: z.number().positive().default(1e-3),
    mapLr: z.number().positive().optional(),
    batch: z.number().int().min(1).default(32),
    seed: z.number().int().min(0).default(0),
    pixelRank: z.union([z.literal('exact'), z.number().int().min(1)]).default('exact'),
    pretrained: z.string().optional(),
    backend: z.enum(['auto', 'cpu', 'wasm', 'webgpu', 'tensorflow']).default('auto'),
    out: z.string().optional(),
    testFraction: z.number().gt(0).lt(1).default(0.2),
    /** With groups in the data (patients, subjects), keep each group on one side of the split. */
    groupSplit: z.boolean().default(true),
    /** Extra options of the backbone (config files only), e.g. `{ widths: [16, 32, 64] }` for smallcnn. */
    backboneOptions: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

export type TrainConfig = z.infer<typeof TrainConfigSchema> & { cutoff: number; out: string };

/** Reads a YAML or JSON config file into a plain object. */
export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(
      `Cannot read the config file ${path}: ${(error as Error).message}`,
      'Check the --config path.',
    );
  }
  let value: unknown;
  try {
    value = /\.json$/i.test(path) ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new UsageError(
      `The config file ${path} is not valid YAML or JSON: ${(error as Error).message.split('\n')[0]}`,
    );
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new UsageError(`The config file ${path} must hold a mapping of settings (key: value).`);
  }
  return value as Record<string, unknown>;
}

/** Validates settings (a config file's, then the flags over them) and fills in defaults. */
export function resolveTrainConfig(
  flags: Record<string, unknown>,
  configFile?: string,
): TrainConfig {
  const fromFile = configFile ? readConfigFile(configFile) : {};
  const merged = {
    ...fromFile,
    ...Object.fromEntries(Object.entries(flags).filter(([, value]) => value !== undefined)),
  };
  const parsed = TrainConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || 'config'}: ${issue.message}`,
    );
    throw new UsageError(`Invalid settings: ${problems.join('; ')}.`, 'See `gsa train --help`.');
  }
  const config = parsed.data;
  const cutoff =
    config.cutoff ??
    (config.attention === 'none' ? 0 : Math.max(1, Math.round(config.epochs * 0.24)));
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

/** Parses a number flag, naming the flag when it is not one. */
export function numberFlag(name: string): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (value.trim() === '' || !Number.isFinite(parsed))
      throw new UsageError(`--${name} expects a number, got '${value}'.`);
    return parsed;
  };
}

export function rankFlag(value: string): number | 'exact' {
  if (value === 'exact') return 'exact';
  const rank = Number(value);
  if (!Number.isInteger(rank) || rank < 1)
    throw new UsageError(`--pixel-rank expects a positive integer or 'exact', got '${value}'.`);
  return rank;
}
