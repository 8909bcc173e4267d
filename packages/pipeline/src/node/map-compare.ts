// Map stability between runs: `gsa maps compare RUN...`, and the sibling runs
// a report compares its map with (the same data and settings, another seed).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { mapStability, type MapStability } from '@gsa/eval';
import { PipelineError, UsageError } from '../errors.js';

export interface RunMapComparison {
  runs: string[];
  height: number;
  width: number;
  stability: MapStability;
}

interface SavedMap {
  height: number;
  width: number;
  values: number[];
}

/** A run's learned map (attention-map.json), with an error that says why there is none. */
export function readRunMap(run: string): SavedMap {
  const path = join(run, 'attention-map.json');
  if (!existsSync(join(run, 'config.json')))
    throw new PipelineError(
      `${run} is not a gsa run directory (no config.json).`,
      'Pass the --out directories of `gsa train` runs.',
    );
  if (!existsSync(path))
    throw new PipelineError(
      `${run} has no learned map (attention-map.json): a run with --attention none has none, and an unfinished run has none yet.`,
      'Compare runs trained with --attention global (or l1).',
    );
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as SavedMap;
  } catch (error) {
    throw new PipelineError(
      `${path} is not valid JSON: ${(error as Error).message}`,
      'Train the run again.',
    );
  }
}

/** Pairwise Pearson r and top-10% IoU of the maps of `runs` (two or more, one map size). */
export function compareRunMaps(runs: readonly string[]): RunMapComparison {
  if (runs.length < 2)
    throw new UsageError(
      `Comparing maps needs at least two runs, got ${runs.length}.`,
      'Pass two or more run directories.',
    );
  const maps = runs.map((run) => ({ run, map: readRunMap(run) }));
  const { height, width } = maps[0]!.map;
  for (const { run, map } of maps) {
    if (map.height !== height || map.width !== width)
      throw new UsageError(
        `${run}'s map is ${map.height}x${map.width}, ${maps[0]!.run}'s is ${height}x${width}: only maps of one size compare.`,
        'Compare runs on the same data at the same --size.',
      );
  }
  return {
    runs: [...runs],
    height,
    width,
    stability: mapStability(maps.map(({ map }) => map.values))!,
  };
}

/** The settings that make two runs siblings: everything but the seed (and where they went). */
const NOT_COMPARED = new Set(['seed', 'out', 'gsaVersion']);

/**
 * Finished runs beside `run` (in the same parent folder) trained on the same
 * data with the same settings but another seed, that have a map.
 */
export function siblingRuns(run: string): string[] {
  const here = resolve(run);
  const parent = dirname(here);
  const own = readConfig(here);
  if (!own) return [];
  const same = (other: Record<string, unknown>) =>
    [...new Set([...Object.keys(own), ...Object.keys(other)])]
      .filter((key) => !NOT_COMPARED.has(key))
      .every((key) => JSON.stringify(own[key]) === JSON.stringify(other[key]));
  return readdirSync(parent, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && entry.name !== basename(here))
    .map((entry) => join(parent, entry.name))
    .filter((candidate) => {
      const config = readConfig(candidate);
      return (
        config !== undefined &&
        existsSync(join(candidate, 'attention-map.json')) &&
        config.seed !== own.seed &&
        same(config)
      );
    })
    .sort();
}

function readConfig(run: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(readFileSync(join(run, 'config.json'), 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
