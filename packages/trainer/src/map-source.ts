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
  /** The entropy term's weight (0, with the boundary term's: the paper's loss). */
  entropyWeight: number;
  /** The boundary term's weight (0: off). */
  boundaryWeight: number;
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

/**
 * The decision term's default weight (`attention.entropyWeight`): the map
 * study's choice, the smallest weight of those measured (0.15, 0.3, 0.6) that
 * drove most of the true region above 0.9 and most of the rest below 0.1 in
 * every seed at N = 400, grey and RGB; 0.6 cost accuracy and ranking.
 */
export const DEFAULT_MAP_ENTROPY_WEIGHT = 0.3;

/**
 * The boundary term's default weight (`attention.boundaryWeight`): the map
 * study's choice over 16 seeds (README, "Where the backbone puts the
 * boundary"). Beside the entropy term at 0.3 it keeps out the ring a map
 * decided at 0.5 let through, and with it RGB's accuracy; 0.15 decided 12 of
 * 16 maps grey and RGB alike, 0.3 decided fewer (7 and 11) for no clear gain.
 */
export const DEFAULT_MAP_BOUNDARY_WEIGHT = 0.15;

/**
 * How much of the cross-entropy's gradient on the map the running mean keeps
 * per step (a horizon of about 50 steps): one batch's gradient is mostly the
 * images' textures; summed over the map's ranking, about an epoch of them
 * says where the backbone wants the boundary.
 */
export const MAP_GRADIENT_DECAY = 0.98;

/**
 * A decision term's weight (entropy or boundary) at optimiser step `step` (from 1): ramped in
 * quadratically over phase 1, from 0 to `weight` at its last step, so that
 * the map ranks pixels (with the backbone's help) before it is asked to
 * decide. At full weight from the first step one seed in three decided on
 * the wrong side; a linear ramp saturated the map by mid-phase, after which
 * no gradient could move a misplaced border pixel (ROC-AUC 0.94 in RGB).
 */
export function decisionWeightAt(weight: number, step: number, phaseOneSteps: number): number {
  const progress = phaseOneSteps > 0 ? Math.min(1, step / phaseOneSteps) : 1;
  return weight * progress * progress;
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
      entropyWeight: attention.entropyWeight ?? DEFAULT_MAP_ENTROPY_WEIGHT,
      boundaryWeight: attention.boundaryWeight ?? DEFAULT_MAP_BOUNDARY_WEIGHT,
      variables: layer.trainableWeights.map((weight) => weight.read() as tf.Variable),
      computeMap: () => layer.apply(pixelRepresentation) as tf.Tensor4D,
    };
  }
  const { layer, lambda } = attention;
  // Built by a first call (not build()), so that tfjs counts it as used and can
  // dispose it; the call's output is not needed (tidy returns it: dispose it).
  if (!layer.built) {
    tf.dispose(tf.tidy(() => layer.apply(tf.zeros([1, height!, width!, channels!])) as tf.Tensor));
  }
  return {
    layer,
    lambda,
    entropyWeight: 0,
    boundaryWeight: 0,
    variables: layer.trainableWeights.map((weight) => weight.read() as tf.Variable),
    computeMap: () => layer.computeMap(),
  };
}
