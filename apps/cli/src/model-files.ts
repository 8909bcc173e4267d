import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
// Register the custom layers a saved model may hold (FixedSpatialMap, TorchBatchNorm, ...).
import '@gsa/attention';
import '@gsa/backbones';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { CliError } from './errors.js';
import { writeError } from './files.js';

let temporaries = 0;

/**
 * Saves a model in the tfjs layers format (model.json + weights.bin) into
 * `directory`, atomically: a temporary directory beside it, unique per call
 * (pid, counter, random) so that two saves never share one, then a rename.
 */
export async function saveModelToDirectory(
  model: tfl.LayersModel,
  directory: string,
): Promise<void> {
  const temporary = join(
    dirname(directory),
    `.${basename(directory)}.tmp-${process.pid}-${++temporaries}-${randomBytes(4).toString('hex')}`,
  );
  try {
    mkdirSync(dirname(temporary), { recursive: true });
    // Not recursive: an existing folder of that name is an error, never shared.
    mkdirSync(temporary);
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        const weightData = artifacts.weightData
          ? new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData))
          : new Uint8Array();
        // write-file-atomic fsyncs, so the rename never publishes unflushed data.
        writeFileAtomic.sync(
          join(temporary, 'weights.bin'),
          Buffer.from(weightData.buffer, weightData.byteOffset, weightData.byteLength),
        );
        const modelJson = {
          format: artifacts.format ?? 'layers-model',
          generatedBy: artifacts.generatedBy,
          convertedBy: artifacts.convertedBy ?? null,
          modelTopology: artifacts.modelTopology,
          weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
        };
        writeFileAtomic.sync(join(temporary, 'model.json'), JSON.stringify(modelJson));
        return {
          modelArtifactsInfo: {
            dateSaved: new Date(),
            modelTopologyType: 'JSON',
            weightDataBytes: weightData.byteLength,
          },
        };
      }),
    );
    rmSync(directory, { recursive: true, force: true });
    renameSync(temporary, directory);
  } catch (error) {
    rmSync(temporary, { recursive: true, force: true });
    throw error instanceof CliError ? error : writeError(directory, error);
  }
}

/** Loads a model saved by `saveModelToDirectory` (or any single-shard tfjs layers model). */
export async function loadModelFromDirectory(directory: string): Promise<tfl.LayersModel> {
  const modelPath = join(directory, 'model.json');
  if (!existsSync(modelPath)) {
    throw new CliError(
      `No model at ${directory} (model.json is missing).`,
      'Pass the model/ folder of a gsa run, or one made by `gsa export`.',
    );
  }
  const modelJson = JSON.parse(readFileSync(modelPath, 'utf8')) as {
    modelTopology: object;
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  const weightSpecs = modelJson.weightsManifest.flatMap((group) => group.weights);
  const buffers = modelJson.weightsManifest.flatMap((group) =>
    group.paths.map((path) => readFileSync(join(directory, path))),
  );
  const joined = Buffer.concat(buffers);
  const weightData = joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.byteLength);
  return tfl.loadLayersModel(
    tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs, weightData }),
  );
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
}

/** Reads a model folder's gsa.json, naming the folder when it is missing or broken. */
export function readModelInfo(modelDirectory: string): ModelInfo {
  const path = join(modelDirectory, 'gsa.json');
  const hint = 'Pass the model/ folder of a gsa run, or one made by `gsa export`.';
  if (!existsSync(path)) {
    throw new CliError(`${modelDirectory} has no gsa.json (class names and preprocessing).`, hint);
  }
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as ModelInfo;
  } catch (error) {
    throw new CliError(`${path} is not valid JSON: ${(error as Error).message}`, hint);
  }
}
