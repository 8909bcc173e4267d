import { z } from 'zod';
import { BACKEND_NAMES } from '@gsa/backends';
import { RunConfigSchema, UsageError, resolveRunConfig, type RunConfig } from '@gsa/pipeline';

/** `--backend`'s choices: auto, then every backend @gsa/backends knows. */
export const BACKEND_CHOICES = ['auto', ...BACKEND_NAMES] as const;

/**
 * Every setting of `gsa train`: the pipeline's RunConfig plus the backend,
 * which the CLI chooses before the run. A config file's keys are these.
 */
export const TrainConfigSchema = RunConfigSchema.extend({
  backend: z.enum(BACKEND_CHOICES).default('auto'),
}).strict();

export type TrainConfig = RunConfig & { backend: (typeof BACKEND_CHOICES)[number] };

/** Validates settings (a config file's, then the flags over them) and fills in defaults. */
export async function resolveTrainConfig(
  flags: Record<string, unknown>,
  configFile?: string,
): Promise<TrainConfig> {
  // Loaded on use: @gsa/pipeline/node pulls in every package, and `gsa --help` needs none.
  const { readConfigFile } = await import('@gsa/pipeline/node');
  const fromFile = configFile ? readConfigFile(configFile) : {};
  const merged = {
    ...fromFile,
    ...Object.fromEntries(Object.entries(flags).filter(([, value]) => value !== undefined)),
  };
  return resolveRunConfig(merged, TrainConfigSchema);
}

/** Parses a number flag, naming the flag when it is not one. */
export function numberFlag(name: string): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (value.trim() === '' || !Number.isFinite(parsed))
      throw new UsageError(
        `--${name} expects a number, got '${value}'.`,
        `Give a number, e.g. --${name} ${name === 'lr' || name === 'map-lr' ? '0.001' : '10'}.`,
      );
    return parsed;
  };
}

export function rankFlag(value: string): number | 'exact' {
  if (value === 'exact') return 'exact';
  const rank = Number(value);
  if (!Number.isInteger(rank) || rank < 1)
    throw new UsageError(
      `--pixel-rank expects a positive integer or 'exact', got '${value}'.`,
      "Give 'exact' (the default) or a rank such as --pixel-rank 16.",
    );
  return rank;
}
