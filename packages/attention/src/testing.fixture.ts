// Helpers shared by this package's tests (excluded from the build).
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedDataDirectory as sharedData, sharedDataPath } from '@gsa/tooling/shared-data';

/** The shared data folder (DESIGN.md section 5). */
export const sharedDataDirectory = sharedData();

interface ModelJson {
  modelTopology: object;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

/** Loads a tfjs layers model (model.json + shards) from a folder without tfjs-node's file://. */
export async function loadLayersModelFromDirectory(directory: string): Promise<tfl.LayersModel> {
  const json = JSON.parse(readFileSync(join(directory, 'model.json'), 'utf8')) as ModelJson;
  const shards = json.weightsManifest.flatMap((group) =>
    group.paths.map((path) => readFileSync(join(directory, path))),
  );
  const weightData = new Uint8Array(Buffer.concat(shards)).buffer;
  return tfl.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
      weightData,
    }),
  );
}

export function hasSharedFile(relativePath: string): boolean {
  return sharedDataPath(relativePath) !== undefined;
}

/** Saves a model to memory with `model.save` and loads it back with `tf.loadLayersModel`. */
export async function saveAndLoad(model: tfl.LayersModel): Promise<tfl.LayersModel> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (saved === undefined) throw new Error('model.save wrote nothing');
  // Through JSON text, as model.json is: options that serialise to null must survive it.
  const topology = JSON.parse(JSON.stringify(saved.modelTopology)) as object;
  return tfl.loadLayersModel(tf.io.fromMemory({ ...saved, modelTopology: topology }));
}

/** A small GAP classifier, the kind of backbone gsa puts the attention in front of. */
export function smallBackbone(
  size: number,
  channels: number,
  classes: number,
  seed: number,
): tfl.Sequential {
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({
        inputShape: [size, size, channels],
        filters: 4,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: tfl.initializers.glorotUniform({ seed }),
      }),
      tfl.layers.globalAveragePooling2d({}),
      tfl.layers.dense({
        units: classes,
        kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 1 }),
      }),
    ],
  });
}

/** Seeded images `[count, size, size, channels]` in [0, 1] and one-hot labels. */
export function labelledImages(
  count: number,
  size: number,
  channels: number,
  classes: number,
  seed: number,
): { images: tf.Tensor4D; labels: tf.Tensor2D } {
  return tf.tidy(() => {
    const images = tf.randomUniform([count, size, size, channels], 0, 1, 'float32', seed);
    const indices = tf.tensor1d(
      Array.from({ length: count }, (_, index) => index % classes),
      'int32',
    );
    return {
      images: images as tf.Tensor4D,
      labels: tf.cast(tf.oneHot(indices, classes), 'float32') as tf.Tensor2D,
    };
  });
}

/**
 * The pixel representation of a batch: the images stacked as channels,
 * `[N, H, W, C] -> [1, H, W, N*C]` (image-major, as @gsa/data builds it).
 */
export function stackAsPixels(images: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [count, height, width, channels] = images.shape;
    const channelsLast = tf.transpose(images, [1, 2, 0, 3]);
    return tf.reshape(channelsLast, [1, height, width, count * channels]);
  });
}

export function maxAbsDifference(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

export interface GradientCheck {
  checked: number;
  maxAbsoluteError: number;
  /** Largest |analytic - numeric| / (abs + rel * |numeric|) over all entries; <= 1 passes. */
  worstToleranceRatio: number;
}

/**
 * Compares the gradient of `loss` with central finite differences, entry by
 * entry, for every variable. float32 rounding limits the numeric side, so the
 * step is large-ish and the tolerance mixes absolute and relative error.
 */
export function checkGradients(
  loss: () => tf.Scalar,
  variables: tf.Variable[],
  options: { step: number; absolute: number; relative: number },
): GradientCheck {
  const { grads } = tf.variableGrads(loss, variables);
  const lossValue = (): number => tf.tidy(() => loss().dataSync()[0]!);
  let checked = 0;
  let maxAbsoluteError = 0;
  let worstToleranceRatio = 0;
  for (const variable of variables) {
    const analytic = grads[variable.name]!.dataSync();
    const original = variable.dataSync().slice();
    for (let index = 0; index < original.length; index++) {
      const perturbed = original.slice();
      perturbed[index] = original[index]! + options.step;
      setValues(variable, perturbed);
      const above = lossValue();
      perturbed[index] = original[index]! - options.step;
      setValues(variable, perturbed);
      const below = lossValue();
      const numeric = (above - below) / (2 * options.step);
      const error = Math.abs(analytic[index]! - numeric);
      maxAbsoluteError = Math.max(maxAbsoluteError, error);
      worstToleranceRatio = Math.max(
        worstToleranceRatio,
        error / (options.absolute + options.relative * Math.abs(numeric)),
      );
      checked++;
    }
    setValues(variable, original);
  }
  tf.dispose(Object.values(grads));
  return { checked, maxAbsoluteError, worstToleranceRatio };
}

function setValues(variable: tf.Variable, values: tf.TypedArray): void {
  tf.tidy(() => variable.assign(tf.tensor(values, variable.shape)));
}

/** One optimiser step, its returned loss disposed. */
export function trainStep(
  optimizer: tf.Optimizer,
  loss: () => tf.Scalar,
  variables?: tf.Variable[],
): void {
  tf.dispose(optimizer.minimize(loss, true, variables) ?? []);
}
