// Small pieces the layers share: their constructor arguments, single-input
// unwrapping and config values that survive tfjs's JSON round trip.
import type * as tf from '@tensorflow/tfjs-core';
import type { Shape, layers } from '@tensorflow/tfjs-layers';

/** The standard tfjs-layers constructor arguments (`name`, `trainable`, `inputShape`, ...). */
export type LayerArgs = NonNullable<ConstructorParameters<typeof layers.Layer>[0]>;

export function singleTensor(inputs: tf.Tensor | tf.Tensor[], layer: string): tf.Tensor4D {
  const tensor = Array.isArray(inputs) ? inputs[0] : inputs;
  if (tensor === undefined || (Array.isArray(inputs) && inputs.length !== 1)) {
    throw new RangeError(`${layer} takes exactly one input tensor.`);
  }
  if (tensor.rank !== 4) {
    throw new RangeError(`${layer} expects a rank-4 NHWC tensor, got [${tensor.shape}].`);
  }
  return tensor as tf.Tensor4D;
}

export function singleShape(inputShape: Shape | Shape[], layer: string): Shape {
  const shape = Array.isArray(inputShape[0]) ? (inputShape as Shape[]) : [inputShape as Shape];
  if (shape.length !== 1 || shape[0]!.length !== 4) {
    throw new RangeError(
      `${layer} expects one rank-4 NHWC input, got ${JSON.stringify(inputShape)}.`,
    );
  }
  return shape[0]!;
}

/** tfjs saves an undefined config value as null; read both as absent. */
export function optional<T>(value: T | null | undefined): T | undefined {
  return value === null ? undefined : value;
}

export function validatePenalty(penalty: number | null | undefined, layer: string): number {
  const value = optional(penalty) ?? 0;
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(`${layer}: penalty must be a non-negative number, got ${value}.`);
  }
  return value;
}
