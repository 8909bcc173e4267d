import type * as tfl from '@tensorflow/tfjs-layers';

/** Batch-norm running statistics: weights in tfjs, buffers (not parameters) in PyTorch. */
const RUNNING_STATISTICS = new Set(['moving_mean', 'moving_variance']);

/** The weight's own name without its layer (`conv1/kernel` -> `kernel`). */
export function weightShortName(weight: tfl.LayerVariable): string {
  const name = weight.originalName;
  return name.slice(name.lastIndexOf('/') + 1);
}

/**
 * PyTorch's parameter count, `sum(p.numel() for p in model.parameters())`:
 * every weight except batch-norm running statistics (tfjs' `countParams()`
 * counts those too). `trainableOnly` counts what an optimiser would update.
 */
export function countParameters(
  model: tfl.LayersModel,
  options: { trainableOnly?: boolean } = {},
): number {
  const weights = options.trainableOnly ? model.trainableWeights : model.weights;
  let count = 0;
  for (const weight of weights) {
    if (RUNNING_STATISTICS.has(weightShortName(weight))) continue;
    count += weight.shape.reduce<number>((product, size) => product * (size ?? 0), 1);
  }
  return count;
}
