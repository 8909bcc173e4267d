import * as tfl from '@tensorflow/tfjs-layers';
import type { AlignmentReference } from '@gsa/data';
// Register the custom layers a saved model may hold (FixedSpatialMap, TorchBatchNorm, ...).
import '@gsa/attention';
import { fileSystemHandler } from '@gsa/backbones';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PipelineError } from '../errors.js';
import { readJson, replaceDirectoryAtomically } from './files.js';

/**
 * Saves a model in the tfjs layers format (model.json + weights.bin, written
 * by @gsa/backbones' fileSystemHandler, the one model-file handler) into
 * `directory`, atomically as a whole (`replaceDirectoryAtomically`).
 */
export async function saveModelToDirectory(
  model: tfl.LayersModel,
  directory: string,
): Promise<void> {
  await replaceDirectoryAtomically(directory, async (temporary) => {
    await model.save(fileSystemHandler(temporary));
  });
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
