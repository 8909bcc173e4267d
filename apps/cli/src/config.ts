import { z } from 'zod';
import { BACKEND_NAMES } from '@gsa/backends';
import { PIXEL_CNN_INITIALIZATIONS } from '@gsa/attention';
import {
  RENAMED_KEYS,
  RunConfigSchema,
  UsageError,
  resolveRunConfig,
  type RunConfig,
} from '@gsa/pipeline';
import { MAP_LEARNING_RATE_RULE_NAMES, type MapLearningRateRuleName } from '@gsa/trainer';

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

/** `--map-learning-rate`'s rules, for the help. */
export const MAP_RULES = MAP_LEARNING_RATE_RULE_NAMES.join(' | ');
export const MAP_INITIALIZATIONS = [...PIXEL_CNN_INITIALIZATIONS];

/**
 * The short flags of gsa 0.x (`--lr`, `--batch`, `--cutoff`, `--map-lr`), kept
 * as hidden aliases of the flags named after the settings (`--learning-rate`
 * = `learningRate`), so that old scripts keep working.
 */
export const FLAG_ALIASES: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(RENAMED_KEYS).map(([old, key]) => [kebab(old), key]),
);

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

/** Moves the aliases' values (commander stores `--map-lr` as `mapLr`) to their settings; both given is an error. */
export function takeFlagAliases(flags: Record<string, unknown>): void {
  for (const [old, key] of Object.entries(RENAMED_KEYS)) {
    if (flags[old] === undefined) continue;
    if (flags[key] !== undefined)
      throw new UsageError(
        `--${kebab(old)} and --${kebab(key)} are the same setting; give it once.`,
        `Keep --${kebab(key)}.`,
      );
    flags[key] = flags[old];
    delete flags[old];
  }
}

/** Parses `--map-learning-rate`: a positive number or a rule's name. */
export function mapRateFlag(value: string): number | MapLearningRateRuleName {
  if ((MAP_LEARNING_RATE_RULE_NAMES as readonly string[]).includes(value))
    return value as MapLearningRateRuleName;
  const rate = Number(value);
  if (value.trim() === '' || !Number.isFinite(rate) || rate <= 0)
    throw new UsageError(
      `--map-learning-rate expects a positive number or a rule (${MAP_RULES}), got '${value}'.`,
      'E.g. --map-learning-rate 0.001, or --map-learning-rate backbone.',
    );
  return rate;
}

/** Parses a number flag, naming the flag when it is not one. */
export function numberFlag(name: string): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (value.trim() === '' || !Number.isFinite(parsed))
      throw new UsageError(
        `--${name} expects a number, got '${value}'.`,
        `Give a number, e.g. --${name} ${/^(lr|learning-rate)$/.test(name) ? '0.001' : '10'}.`,
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
