// The run's train/test split: computed once by @gsa/data's holdout (the one
// split every gsa path uses), recorded by image id in split.json, and read
// back from there by evaluation, so "held out" can never drift.
import { DataError, holdout, type ImageSet } from '@gsa/data';
import { PipelineError } from './errors.js';

export interface SplitSettings {
  readonly testFraction: number;
  readonly seed: number;
  /** With groups in the data (patients, subjects), keep each group on one side. */
  readonly groupSplit: boolean;
}

/** Indices into the set: what trains and what is held out. */
export interface RunSplit {
  /** 'column': the data's own split ('val' rows train with 'train'); else a seeded hold-out. */
  readonly method: 'column' | 'group' | 'stratified';
  readonly train: readonly number[];
  readonly test: readonly number[];
}

/** split.json: the split by image id, so that it survives re-ordering and is checked on reuse. */
export interface SplitRecord {
  readonly format: 'gsa-split-1';
  readonly method: RunSplit['method'];
  readonly settings: SplitSettings;
  readonly train: readonly string[];
  readonly test: readonly string[];
}

/**
 * The run's split: the data's split column when it marks test images, else a
 * seeded hold-out, group-aware when the data has groups and `groupSplit` is on.
 */
export function splitRun(set: ImageSet, settings: SplitSettings): RunSplit {
  const groupAware = settings.groupSplit && set.groups !== undefined;
  try {
    const split = holdout(set, {
      testFraction: settings.testFraction,
      seed: settings.seed,
      groupAware,
    });
    const train = [...split.train, ...split.validation].sort((a, b) => a - b);
    return { method: split.method, train, test: split.test };
  } catch (error) {
    if (!(error instanceof DataError)) throw error;
    throw new PipelineError(
      `Cannot split ${set.metadata.location ?? 'the data'}${groupAware ? ' by group' : ''}: ${error.message}`,
      groupAware
        ? 'Pass --no-group-split (then one group may be on both sides: right when the groups are the classes, as face identities are), or add images from more groups.'
        : 'Check --test-fraction, or add images.',
      1,
      { cause: error },
    );
  }
}

export function splitRecord(set: ImageSet, split: RunSplit, settings: SplitSettings): SplitRecord {
  return {
    format: 'gsa-split-1',
    method: split.method,
    settings: {
      testFraction: settings.testFraction,
      seed: settings.seed,
      groupSplit: settings.groupSplit,
    },
    train: split.train.map((index) => set.ids[index]!),
    test: split.test.map((index) => set.ids[index]!),
  };
}

/**
 * The indices of a recorded split in `set`. Every recorded id must be in the
 * set; a missing one means the data changed since the run, and is an error
 * naming it (scoring anyway could put training images in the "held-out" set).
 */
export function splitFromRecord(set: ImageSet, record: SplitRecord, source: string): RunSplit {
  if (
    record.format !== 'gsa-split-1' ||
    !Array.isArray(record.train) ||
    !Array.isArray(record.test)
  ) {
    throw new PipelineError(
      `${source} is not a gsa split record (format '${String(record.format)}').`,
      'It is written by `gsa train`; do not edit it.',
    );
  }
  const position = new Map(set.ids.map((id, index) => [id, index]));
  const missing: string[] = [];
  const indices = (ids: readonly string[]) =>
    ids.flatMap((id) => {
      const index = position.get(id);
      if (index === undefined) missing.push(id);
      return index === undefined ? [] : [index];
    });
  const train = indices(record.train);
  const test = indices(record.test);
  if (missing.length > 0) {
    const shown =
      missing.slice(0, 3).join(', ') +
      (missing.length > 3 ? `, ... (${missing.length} in all)` : '');
    throw new PipelineError(
      `The data no longer matches the run's split (${source}): ${shown} ${missing.length === 1 ? 'is' : 'are'} not in ${set.metadata.location ?? 'the data'}.`,
      'Evaluate on the data the run was trained on, or pass --data to score another dataset as a whole.',
    );
  }
  return { method: record.method, train, test };
}
