import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { AlignmentReference } from '@gsa/data';
// Register the custom layers a saved model may hold (FixedSpatialMap, TorchBatchNorm, ...).
import '@gsa/attention';
import {
  fileSystemHandler,
  NotPortableError,
  portableModel,
  savedLayerClasses,
  STOCK_LAYER_CLASSES,
} from '@gsa/backbones';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PipelineError } from '../errors.js';
import { readJson, replaceDirectoryAtomically } from './files.js';

/**
 * Saves a model in the tfjs layers format (model.json + weights.bin, written
 * by @gsa/backbones' fileSystemHandler, the one model-file handler) and any
 * `files` beside it (name -> contents) into `directory`, atomically as a whole
 * (`replaceDirectoryAtomically`).
 */
export async function saveModelToDirectory(
  model: tfl.LayersModel,
  directory: string,
  files: Record<string, string> = {},
): Promise<void> {
  await replaceDirectoryAtomically(directory, async (temporary) => {
    await model.save(fileSystemHandler(temporary));
    for (const [name, contents] of Object.entries(files)) {
      writeFileSync(join(temporary, name), contents);
    }
  });
}

/**
 * Whether every layer of the model saved in `directory` is one of tfjs's own
 * (plain `@tensorflow/tfjs` loads it), from its model.json alone.
 */
export function isPortableModelDirectory(directory: string): boolean {
  const { modelTopology } = readJson<{ modelTopology?: unknown }>(
    join(directory, 'model.json'),
    'The model file',
    'Pass the model/ folder of a gsa run, or one made by `gsa export`.',
  );
  return [...savedLayerClasses(modelTopology)].every((name) => STOCK_LAYER_CLASSES.has(name));
}

/**
 * `model` in tfjs's own layers (`portableModel`), checked to give the same
 * outputs on a probe batch; undefined when a layer has no stock form
 * (VGG-att3 and the residual attention networks keep their own layers).
 */
export async function portableForm(model: tfl.LayersModel): Promise<tfl.LayersModel | undefined> {
  let portable: tfl.LayersModel;
  try {
    portable = await portableModel(model);
  } catch (error) {
    if (error instanceof NotPortableError) return undefined;
    throw error;
  }
  const [, height, width, channels] = model.inputs[0]!.shape as number[];
  const difference = tf.tidy(() => {
    const probe = tf.randomUniform([2, height!, width!, channels!], 0, 1, 'float32', 0);
    const outputs = (form: tfl.LayersModel) => [form.predict(probe)].flat() as tf.Tensor[];
    const expected = outputs(model);
    const actual = outputs(portable);
    return Math.max(
      ...expected.map((tensor, index) => {
        const scale = Math.max(1, tf.max(tf.abs(tensor)).dataSync()[0]!);
        return tf.max(tf.abs(tf.sub(tensor, actual[index]!))).dataSync()[0]! / scale;
      }),
    );
  });
  if (!(difference <= 1e-5)) {
    portable.dispose();
    throw new PipelineError(
      `The model rewritten in tfjs's own layers differs from ${model.name} by ${difference} on a probe batch.`,
      'This is a bug in gsa: please report it with the backbone and input size.',
    );
  }
  return portable;
}

/**
 * Saves a deployed model into `directory` (atomically) in its portable form
 * when it has one (`portableForm`), else as it is; says which.
 */
export async function saveDeployedModel(
  model: tfl.LayersModel,
  directory: string,
): Promise<{ portable: boolean }> {
  const portable = await portableForm(model);
  try {
    await saveModelToDirectory(portable ?? model, directory);
  } finally {
    portable?.dispose();
  }
  return { portable: portable !== undefined };
}

/** The backbone a deployed model nests (`image -> [map] -> backbone`), if it nests one. */
export function nestedBackbone(model: tfl.LayersModel): tfl.LayersModel | undefined {
  return model.layers.find((layer): layer is tfl.LayersModel => layer instanceof tfl.LayersModel);
}

/** Loads a model saved by `saveModelToDirectory` (or any tfjs layers model folder). */
export async function loadModelFromDirectory(directory: string): Promise<tfl.LayersModel> {
  if (!existsSync(join(directory, 'model.json'))) {
    throw new PipelineError(
      `No model at ${directory} (model.json is missing).`,
      'Pass the model/ folder of a gsa run, or one made by `gsa export`.',
    );
  }
  return tfl.loadLayersModel(fileSystemHandler(directory));
}

/** `gsa.json` beside a deployed model: what `predict` and `eval` need besides the weights. */
export interface ModelInfo {
  classNames: readonly string[];
  inputShape: [number, number, number];
  preprocessing: {
    size?: readonly [number, number];
    scaled?: boolean;
    normalize?: { readonly mean: readonly number[]; readonly std: readonly number[] };
    channels?: 'keep' | 1 | 3;
  } | null;
  attention?: string;
  backbone?: string;
  /** Where the run aligned its images (`--align translate`): new images are moved onto it first. */
  alignment?: AlignmentReference;
}

/** Reads a model folder's gsa.json, naming the folder when it is missing or broken. */
export function readModelInfo(modelDirectory: string): ModelInfo {
  const path = join(modelDirectory, 'gsa.json');
  const hint = 'Pass the model/ folder of a gsa run, or one made by `gsa export`.';
  if (!existsSync(path)) {
    throw new PipelineError(
      `${modelDirectory} has no gsa.json (class names and preprocessing).`,
      hint,
    );
  }
  return readJson<ModelInfo>(path, 'The model information', hint);
}
