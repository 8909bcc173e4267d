// The gradient of FusedBatchNorm (tf.batchNorm) without Tile. tfjs-core's own
// gradient tiles the per-channel 1/sqrt(variance + epsilon) to the full input
// shape and multiplies full-size tensors for every parameter's gradient; on
// wasm that Tile alone was 45% of a smallcnn training step (64x64, batch 32;
// `GSA_BENCH=kernel-profile pnpm bench` in @gsa/backbones). Here every
// per-channel factor stays per channel and broadcasts, and the parameters'
// gradients are per-channel factors times two reductions, sum(dy) and
// sum((x - mean) * dy). Same mathematics, far fewer full-size tensors.
// useBackend registers it when it runs, after the stock gradients (which
// tfjs-layers registers on import), so that this one stays.
import * as tf from '@tensorflow/tfjs-core';
import type { GradConfig, NamedAttrMap } from '@tensorflow/tfjs-core';

/** The axes of `x` that a parameter of shape `parameterShape` broadcasts over. */
function reductionAxes(parameterShape: readonly number[], xShape: readonly number[]): number[] {
  const offset = xShape.length - parameterShape.length;
  return xShape.flatMap((size, axis) =>
    axis < offset || (parameterShape[axis - offset] === 1 && size !== 1) ? [axis] : [],
  );
}

export const batchNormGradientConfig: GradConfig = {
  kernelName: tf.FusedBatchNorm,
  inputsToSave: ['x', 'mean', 'variance', 'scale'],
  gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: NamedAttrMap) => {
    const gradient = dy as tf.Tensor;
    const { varianceEpsilon } = attrs as unknown as { varianceEpsilon: number };
    const [x, mean, variance, scale] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor?];
    const axes = reductionAxes(mean.shape, x.shape);
    // Parameters broadcast over x's leading axes: per-channel factors stay per channel.
    const perParameter = (full: tf.Tensor) =>
      tf.reshape(axes.length > 0 ? tf.sum(full, axes) : full, mean.shape);
    const inverseDeviation = tf.rsqrt(tf.add(variance, tf.scalar(varianceEpsilon)));
    const scaleValue = scale ?? tf.onesLike(mean);
    const scaled = tf.mul(inverseDeviation, scaleValue); // scale / sqrt(variance + epsilon)
    const sumOfGradient = () => perParameter(gradient);
    const sumOfCentredGradient = () => perParameter(tf.mul(tf.sub(x, mean), gradient));
    return {
      x: () => tf.mul(gradient, scaled),
      mean: () => tf.neg(tf.mul(scaled, sumOfGradient())),
      variance: () =>
        tf.mul(
          tf.mul(tf.mul(tf.square(inverseDeviation), scaled), tf.scalar(-0.5)),
          sumOfCentredGradient(),
        ),
      scale: () => tf.mul(inverseDeviation, sumOfCentredGradient()),
      offset: () => sumOfGradient(),
    };
  },
};

/** Registers the Tile-free batch-norm gradient (for every backend: it is tfjs-core's). */
export function registerBatchNormGradient(): void {
  tf.registerGradient(batchNormGradientConfig);
}
