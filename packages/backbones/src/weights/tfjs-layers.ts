import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import {
  applyAssignments,
  type LoadWeightsOptions,
  type WeightAssignment,
  type WeightsReport,
} from './report.js';
import { writeFilesAtomically } from './atomic-write.js';
import { errorMessage, isHttpUrl, localPath } from './sources.js';
// Types only: erased from the output, so browsers never load node built-ins.
import type * as NodeFs from 'node:fs/promises';
import type * as NodePath from 'node:path';

type NodeFs = typeof NodeFs;
type NodePath = typeof NodePath;

async function nodeModules(): Promise<{ fs: NodeFs; path: NodePath }> {
  // On demand, so that browsers never load node built-ins.
  const [fs, path] = await Promise.all([import('node:fs/promises'), import('node:path')]);
  return { fs, path };
}

/** `dir/model.json` for a directory, the path itself for a file. */
async function modelJsonPath(fs: NodeFs, path: NodePath, location: string): Promise<string> {
  const stats = await fs.stat(location).catch(() => undefined);
  return stats?.isDirectory() ? path.join(location, 'model.json') : location;
}

/** Reads and parses `model.json`, naming the file in any error. */
async function readModelJson(fs: NodeFs, jsonPath: string): Promise<tf.io.ModelJSON> {
  let text: string;
  try {
    text = await fs.readFile(jsonPath, 'utf8');
  } catch (error) {
    throw new Error(`Could not read the tfjs model.json ${jsonPath}: ${errorMessage(error)}`, {
      cause: error,
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${jsonPath} is not a tfjs model.json: ${errorMessage(error)}`, {
      cause: error,
    });
  }
  if (
    parsed === null ||
    typeof parsed !== 'object' ||
    !('modelTopology' in parsed || 'weightsManifest' in parsed)
  ) {
    throw new Error(
      `${jsonPath} is not a tfjs model.json: it has neither a modelTopology nor a weightsManifest.`,
    );
  }
  return parsed as tf.io.ModelJSON;
}

/**
 * A tfjs IOHandler on the local file system, for Node without tfjs-node
 * (which is what provides `file://` to tfjs): `load` reads `model.json` and
 * the weight shards its manifest lists; `save` writes `model.json` and one
 * `weights.bin`. `location` is a `model.json` path or its directory (to save:
 * a directory, created if needed).
 *
 * ```ts
 * const model = await tf.loadLayersModel(fileSystemHandler('weights/mobilenet_v1_025_224'));
 * await model.save(fileSystemHandler('out/my-model'));
 * ```
 */
export function fileSystemHandler(location: string | URL): tf.io.IOHandler {
  return {
    async load(): Promise<tf.io.ModelArtifacts> {
      const { fs, path } = await nodeModules();
      const jsonPath = await modelJsonPath(fs, path, await localPath(location));
      const modelJson = await readModelJson(fs, jsonPath);
      const directory = path.dirname(jsonPath);
      return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const shards: ArrayBuffer[] = [];
        for (const group of manifest) {
          specs.push(...group.weights);
          for (const shard of group.paths) {
            const shardPath = path.join(directory, shard);
            const bytes = await fs.readFile(shardPath).catch((error: unknown) => {
              throw new Error(
                `Could not read the weight shard ${shardPath} that ${jsonPath} lists: ${errorMessage(error)} Keep the shards beside their model.json.`,
                { cause: error },
              );
            });
            shards.push(
              bytes.buffer.slice(
                bytes.byteOffset,
                bytes.byteOffset + bytes.byteLength,
              ) as ArrayBuffer,
            );
          }
        }
        return [specs, tf.io.CompositeArrayBuffer.join(shards)];
      });
    },

    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      const { fs, path } = await nodeModules();
      const directory = await localPath(location);
      const weightsFile = 'weights.bin';
      const { weightData, weightSpecs, ...rest } = artifacts;
      const modelJson: tf.io.ModelJSON = {
        ...(rest as Omit<tf.io.ModelJSON, 'weightsManifest'>),
        modelTopology: artifacts.modelTopology ?? {},
        weightsManifest: [{ paths: [weightsFile], weights: weightSpecs ?? [] }],
      };
      // weights.bin before the model.json that lists it, each replaced whole.
      const files = [
        ...(weightData === undefined
          ? []
          : [
              {
                path: path.join(directory, weightsFile),
                data: new Uint8Array(tf.io.CompositeArrayBuffer.join(weightData)),
              },
            ]),
        { path: path.join(directory, 'model.json'), data: JSON.stringify(modelJson) },
      ];
      try {
        await fs.mkdir(directory, { recursive: true });
        await writeFilesAtomically(files);
      } catch (error) {
        throw new Error(
          `Could not save the model to ${directory}: ${errorMessage(error)} Check that the folder is writable; its previous model.json was left as it was.`,
          { cause: error },
        );
      }
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
  };
}

/** The IOHandler for a tfjs layers model: `tf.io.http` for http(s) URLs, the file system otherwise. */
export function layersModelHandler(source: string | URL): tf.io.IOHandler {
  if (isHttpUrl(source)) return tf.io.http(source instanceof URL ? source.href : source);
  return fileSystemHandler(source);
}

/**
 * Loads the weights of a tfjs layers model (`model.json` + shards, from a
 * path, directory or URL) into `model` by weight name (`conv1/kernel`,
 * `conv1_bn/gamma`): a Keras-born checkpoint loads into the gsa backbone of
 * the same architecture (e.g. Google's MobileNet v1 into `mobilenet_v1`).
 */
export async function loadLayersWeights(
  model: tfl.LayersModel,
  source: string | URL | tf.io.IOHandler,
  options: LoadWeightsOptions = {},
): Promise<WeightsReport> {
  const handler =
    typeof source === 'string' || source instanceof URL ? layersModelHandler(source) : source;
  if (handler.load === undefined) throw new Error('This IOHandler cannot load.');
  const artifacts = await handler.load();
  if (artifacts.weightData === undefined || artifacts.weightSpecs === undefined) {
    throw new Error('The tfjs model has no weights: its model.json lists no weightsManifest.');
  }
  const named = tf.io.decodeWeights(artifacts.weightData, artifacts.weightSpecs);
  try {
    const assignments = new Map<tfl.LayerVariable, WeightAssignment>();
    for (const weight of model.weights) {
      const value = named[weight.originalName];
      if (value === undefined) continue;
      assignments.set(weight, {
        weight,
        source: weight.originalName,
        value: () => tf.cast(value, 'float32'),
        shape: value.shape,
      });
    }
    return applyAssignments('tfjs-layers', model, assignments, Object.keys(named), options);
  } finally {
    tf.dispose(Object.values(named));
  }
}
