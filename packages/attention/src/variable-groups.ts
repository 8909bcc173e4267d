// Custom training loops work on tf.Variables; layers and models hold
// LayerVariables. These helpers bridge the two and give each group of
// variables its own optimiser (PyTorch's parameter groups).
import * as tf from '@tensorflow/tfjs-core';
import type { LayerVariable } from '@tensorflow/tfjs-layers';

/** Anything with trainable weights: a layer or a `tf.LayersModel`. */
export interface HasTrainableWeights {
  readonly trainableWeights: LayerVariable[];
  /** Layers create their weights when first applied; until then they list none. */
  readonly built?: boolean;
  readonly name?: string;
}

/**
 * The tf.Variables an optimiser should update for these layers or models: their
 * `trainableWeights`, so a frozen layer (`trainable = false`) contributes none.
 * Pass the result as `optimizer.minimize(loss, true, variables)`. A layer
 * that was never applied has no weights yet: that is an error, not an empty
 * list, since the optimiser would silently never train it.
 */
export function trainableVariables(...owners: HasTrainableWeights[]): tf.Variable[] {
  const unbuilt = owners.find((owner) => owner.built === false);
  if (unbuilt !== undefined) {
    throw new Error(
      `'${unbuilt.name ?? 'layer'}' has no weights yet: apply it once (for example ` +
        '`tf.tidy(() => loss())`, or `layer.apply(input)`) before listing its variables; ' +
        'otherwise the optimiser would never update it.',
    );
  }
  const variables = owners.flatMap((owner) => owner.trainableWeights.map(variableOf));
  return [...new Set(variables)];
}

/** The tf.Variable behind a LayerVariable (`read()` returns it, typed as a plain Tensor). */
export function variableOf(weight: LayerVariable): tf.Variable {
  const value = weight.read();
  if (!isVariable(value)) {
    throw new TypeError(`Weight '${weight.name}' is not backed by a tf.Variable.`);
  }
  return value;
}

function isVariable(tensor: tf.Tensor): tensor is tf.Variable {
  return 'assign' in tensor && 'trainable' in tensor;
}

export interface VariableGroup {
  optimizer: tf.Optimizer;
  variables: tf.Variable[];
}

/**
 * One training step in which each group of variables has its own optimiser:
 * the gradients are computed once, then each optimiser applies its group's.
 * Use it to give the L1 baseline's map (or the attention) its own learning
 * rate. Returns the loss before the step; the caller disposes it.
 */
export function minimizeWithGroups(loss: () => tf.Scalar, groups: VariableGroup[]): tf.Scalar {
  const seen = new Set<string>();
  for (const { variables } of groups) {
    for (const variable of variables) {
      if (seen.has(variable.name)) {
        throw new RangeError(`Variable '${variable.name}' is in more than one group.`);
      }
      seen.add(variable.name);
    }
  }
  const { value, grads } = tf.variableGrads(
    loss,
    groups.flatMap((group) => group.variables),
  );
  for (const { optimizer, variables } of groups) {
    const groupGradients: tf.NamedTensorMap = {};
    for (const variable of variables) {
      const gradient = grads[variable.name];
      if (gradient != null) groupGradients[variable.name] = gradient;
    }
    if (Object.keys(groupGradients).length > 0) optimizer.applyGradients(groupGradients);
  }
  tf.dispose(Object.values(grads).filter((gradient) => gradient != null));
  return value;
}
