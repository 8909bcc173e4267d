import * as tf from '@tensorflow/tfjs-core';
import { join } from 'node:path';
import { alignImageSet, imageCount, type ImageSet } from '@gsa/data';
import { PipelineError } from '../errors.js';
import { readJson, writeJsonAtomic } from './files.js';
import { loadModelFromDirectory, readModelInfo } from './model-files.js';
import { scoreModel, type ModelScore } from '../score.js';
import { splitFromRecord, type SplitRecord } from '../split.js';
import { loadRunData } from './load-data.js';

/** What `gsa eval` measures and writes as JSON: @gsa/pipeline's ModelScore, and what was scored. */
export interface EvaluationReport extends ModelScore {
  run: string;
  data: string;
  /** Which images were scored: the run's own held-out test split (split.json), a SPEC's test split, or all of a SPEC's images. */
  subset: 'run test split' | 'test split' | 'all images';
  classNames: string[];
  /** Where the JSON was written. */
  written: string;
}

interface SavedRunConfig {
  data: string;
  size?: number;
}

/**
 * Scores a run's deployed model (map baked in) on its own held-out test
 * images, as recorded in the run's split.json, or on another dataset whose
 * classes it knows. Writes `eval.json` (or `eval-<name>.json` for `data`)
 * into the run directory.
 */
export async function evaluateRun(
  runDirectory: string,
  options: { data?: string; log?: (text: string) => void } = {},
): Promise<EvaluationReport> {
  const hint = 'Pass the --out directory of a finished `gsa train`.';
  const config = readJson<SavedRunConfig>(
    join(runDirectory, 'config.json'),
    'The run configuration',
    hint,
  );
  const splitPath = join(runDirectory, 'split.json');
  const record =
    options.data === undefined
      ? readJson<SplitRecord>(
          splitPath,
          "The run's split",
          'Runs trained before gsa recorded split.json cannot be scored on their held-out images: train again, or pass --data to score another dataset.',
        )
      : undefined;
  const info = readModelInfo(join(runDirectory, 'model'));
  const [height, width, channels] = info.inputShape;
  const spec = options.data ?? config.data;
  let set = await loadRunData(
    spec,
    // The training's resize; other data is brought to the model's (square) input size.
    config.size ?? (options.data !== undefined && height === width ? height : undefined),
    // The training's standardisation (pretrained weights' statistics), as gsa.json records it.
    info.preprocessing?.normalize === undefined
      ? undefined
      : { normalize: info.preprocessing.normalize, channels: 3 },
  );
  try {
    const { metadata } = set;
    if (metadata.height !== height || metadata.width !== width || metadata.channels !== channels) {
      throw new PipelineError(
        `${spec} gives ${metadata.height}x${metadata.width}x${metadata.channels} images but the model takes ${height}x${width}x${channels}.`,
        'Evaluate on images of the same kind (size and channels) as the training data.',
      );
    }
    const toModelClass = classMapping(set, info.classNames, spec);
    let indices: readonly number[];
    let subset: EvaluationReport['subset'];
    if (record !== undefined) {
      indices = splitFromRecord(set, record, splitPath).test;
      subset = 'run test split';
    } else if (set.splits?.includes('test')) {
      indices = [...set.splits.keys()].filter((index) => set.splits![index] === 'test');
      subset = 'test split';
    } else {
      indices = Array.from({ length: imageCount(set) }, (_, index) => index);
      subset = 'all images';
    }
    options.log?.(`gsa: scoring ${indices.length} images (${subset}) of ${spec}`);
    // A run trained on aligned images scores aligned images (its reference, from gsa.json).
    if (info.alignment) {
      const aligned = await alignImageSet(set, info.alignment, indices);
      if (set.images instanceof tf.Tensor) set.images.dispose();
      set = aligned.set;
    }
    const model = await loadModelFromDirectory(join(runDirectory, 'model'));
    let score: ModelScore;
    try {
      score = await scoreModel(
        model,
        { set, indices },
        indices.map((index) => toModelClass[set.labels[index]!]!),
        info.classNames,
      );
    } finally {
      model.dispose();
    }
    const written = join(
      runDirectory,
      options.data === undefined ? 'eval.json' : `eval-${slug(options.data)}.json`,
    );
    const result: EvaluationReport = {
      run: runDirectory,
      data: spec,
      subset,
      classNames: [...info.classNames],
      ...score,
      written,
    };
    writeJsonAtomic(written, result);
    return result;
  } finally {
    if (set.images instanceof tf.Tensor) set.images.dispose();
  }
}

/** The data's class index -> the model's, by name; every class must be one the model knows. */
function classMapping(set: ImageSet, modelClasses: readonly string[], spec: string): number[] {
  return set.classNames.map((name) => {
    const index = modelClasses.indexOf(name);
    if (index < 0) {
      throw new PipelineError(
        `${spec} has the class '${name}', which the model does not know (it knows ${modelClasses.join(', ')}).`,
        'Evaluate on data labelled with the classes the model was trained on.',
      );
    }
    return index;
  });
}

function slug(spec: string): string {
  const base =
    spec
      .replace(/[/\\]+$/, '')
      .split(/[/\\:]/)
      .filter(Boolean)
      .pop() ?? 'data';
  return base.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/\.(npz|csv)$/i, '');
}
