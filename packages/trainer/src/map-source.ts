// The map in front of the backbone, as training sees it: the pixel CNN (or
// the L1 map) with its variables, and their parameter groups in Adam.
import * as tf from '@tensorflow/tfjs-core';
import type { layers } from '@tensorflow/tfjs-layers';
import type { ParameterGroup } from './adam.js';
import { mapLearningRates } from './map-learning-rate.js';
import type { AttentionSetup } from './two-phase-options.js';

/** A differentiable map for phase 1, and the variables that make it. */
export interface MapSource {
  computeMap(): tf.Tensor4D;
  variables: tf.Variable[];
  layer: layers.Layer;
  lambda: number;
}

/**
 * The pixel CNN's default warm-up: a third of phase 1's steps. Without it a
 * map whose random start dims the true region can commit to that before the
 * backbone has learned anything the region holds, and never recover (seen in
 * 1 of 3 seeds at N = 400 in the map study).
 */
export function mapWarmupSteps(cutoffEpoch: number, stepsPerEpoch: number): number {
  return Math.round((cutoffEpoch * stepsPerEpoch) / 3);
}

/** The map's parameter groups: one per pixel-CNN weight (rules give each its own rate). */
export function mapParameterGroups(
  attention: AttentionSetup,
  variables: tf.Variable[],
  learningRate: number,
  defaultWarmupSteps: number,
): ParameterGroup[] {
  if (attention.mode === 'none') return [];
  if (attention.mode === 'l1') {
    return [
      {
        variables,
        ...(attention.learningRate === undefined ? {} : { learningRate: attention.learningRate }),
      },
    ];
  }
  const rates = mapLearningRates(
    variables,
    { learningRate, pixelChannels: attention.pixelRepresentation.shape[3] },
    attention.learningRate,
  );
  // PyTorchAdam validates it (one check, one message).
  const warmupSteps = attention.warmupSteps ?? defaultWarmupSteps;
  return variables.map((variable, index) => ({
    variables: [variable],
    learningRate: rates[index]!,
    ...(warmupSteps > 0 ? { warmupSteps } : {}),
  }));
}

export function createMapSource(
  attention: AttentionSetup,
  [height, width, channels]: number[],
): MapSource | undefined {
  if (attention.mode === 'none') return undefined;
  if (attention.mode === 'global') {
    const { layer, pixelRepresentation, lambda } = attention;
    const [, mapHeight, mapWidth] = pixelRepresentation.shape;
    if (mapHeight !== height || mapWidth !== width) {
      throw new RangeError(
        `The pixel representation is ${mapHeight}x${mapWidth} but the images are ${height}x${width}; build it from the same preprocessed training images.`,
      );
    }
    if (!layer.built) tf.dispose(layer.apply(pixelRepresentation) as tf.Tensor);
    return {
      layer,
      lambda,
      variables: layer.trainableWeights.map((weight) => weight.read() as tf.Variable),
      computeMap: () => layer.apply(pixelRepresentation) as tf.Tensor4D,
    };
  }
  const { layer, lambda } = attention;
  // Built by a first call (not build()), so that tfjs counts it as used and can dispose it.
  if (!layer.built)
    tf.tidy(() => layer.apply(tf.zeros([1, height!, width!, channels!])) as tf.Tensor);
  return {
    layer,
    lambda,
    variables: layer.trainableWeights.map((weight) => weight.read() as tf.Variable),
    computeMap: () => layer.computeMap(),
  };
}
