import * as tfl from '@tensorflow/tfjs-layers';
import type { AlignmentReference } from '@gsa/data';
// Register the custom layers a saved model may hold (FixedSpatialMap, TorchBatchNorm, ...).
import '@gsa/attention';
import { fileSystemHandler } from '@gsa/backbones';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { PipelineError } from '../errors.js';
import { writeError } from './files.js';

let temporaries = 0;

/**
 * Saves a model in the tfjs layers format (model.json + weights.bin, written
 * by @gsa/backbones' fileSystemHandler, the one model-file handler) into
 * `directory`, atomically as a whole: a temporary directory beside it, unique
 * per call (pid, counter, random) so that two saves never share one, then a
 * rename.
 */
export async function saveModelToDirectory(
  model: tfl.LayersModel,
  directory: string,
): Promise<void> {
  const temporary = join(
    dirname(directory),
    `.${basename(directory)}.tmp-${process.pid}-${++temporaries}-${randomBytes(4).toString('hex')}`,
  );
  // A process that exits mid-save (a second Ctrl-C) leaves no half model behind.
  const cleanUp = (): void => rmSync(temporary, { recursive: true, force: true });
  process.once('exit', cleanUp);
  try {
    mkdirSync(dirname(temporary), { recursive: true });
    // Not recursive: an existing folder of that name is an error, never shared.
    mkdirSync(temporary);
    await model.save(fileSystemHandler(temporary));
    rmSync(directory, { recursive: true, force: true });
    renameSync(temporary, directory);
  } catch (error) {
    cleanUp();
    throw error instanceof PipelineError ? error : writeError(directory, error);
  } finally {
    process.removeListener('exit', cleanUp);
  }
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
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as ModelInfo;
  } catch (error) {
    throw new PipelineError(`${path} is not valid JSON: ${(error as Error).message}`, hint);
  }
}
