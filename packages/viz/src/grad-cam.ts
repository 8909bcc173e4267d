// Grad-CAM (Selvaraju et al. 2017) for a tfjs-layers model and a layer chosen by
// name: weights = spatial mean of d(class score)/d(activation), map =
// ReLU(sum_k weight_k * activation_k), scaled to [0,1]. The model's graph is
// replayed eagerly so the gradient can be taken with respect to the chosen
// layer's output; this works for functional graphs (skip connections) and for
// a backbone nested as a layer inside the full model.
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs-layers';
import type { ScalarMap } from './image.js';
import { resizeMap } from './overlay.js';

type Layer = LayersModel['layers'][number];

export interface GradCamOptions {
  /** The layer whose output feature maps are explained (a conv layer, usually the last one). */
  layerName: string;
  /** The class to explain. Default: the predicted class. */
  classIndex?: number;
}

export interface GradCamResult {
  /** At the layer's resolution, in [0,1] (all zeros when nothing speaks for the class). */
  map: ScalarMap;
  /** The map resized bilinearly to the input image's height and width. */
  upsampled: ScalarMap;
  classIndex: number;
  /** The model's output for that class (a probability when the model ends in softmax). */
  score: number;
}

function isContainer(layer: Layer): layer is Layer & LayersModel {
  return (
    Array.isArray((layer as Partial<LayersModel>).layers) && 'inputs' in layer && 'outputs' in layer
  );
}

/** Every layer name, nested models included (for error messages and layer pickers). */
export function layerNames(model: LayersModel): string[] {
  return model.layers.flatMap((layer) => [
    layer.name,
    ...(isContainer(layer) ? layerNames(layer) : []),
  ]);
}

function containsLayer(model: LayersModel, name: string): boolean {
  return model.layers.some(
    (layer) => layer.name === name || (isContainer(layer) && containsLayer(layer, name)),
  );
}

interface Replacement {
  layerName: string;
  /** Called with the layer's computed output; returns what flows on in its place. */
  replace: (output: tf.Tensor) => tf.Tensor;
}

/**
 * Runs the model on concrete tensors layer by layer, in the order tfjs stores
 * them (topological), letting one layer's output be swapped.
 */
function replay(model: LayersModel, inputs: tf.Tensor[], replacement: Replacement): tf.Tensor[] {
  const computed = new Map<number, tf.Tensor>();
  model.inputs.forEach((symbolic, index) => computed.set(symbolic.id, inputs[index]!));
  // A layer applied again outside this model has extra nodes: replay only ours
  // (Sequential keeps no node set of its own; there every node is ours).
  const ownNodes = (model as { containerNodes?: Set<string> }).containerNodes;
  const isOwn = (layer: Layer, nodeIndex: number) =>
    !ownNodes || ownNodes.size === 0 || ownNodes.has(`${layer.name}_ib-${nodeIndex}`);
  for (const layer of model.layers) {
    for (const [nodeIndex, node] of layer.inboundNodes.entries()) {
      if (!isOwn(layer, nodeIndex)) continue;
      const symbolicInputs: SymbolicTensor[] = node.inputTensors;
      if (symbolicInputs.length === 0 || symbolicInputs.some((tensor) => !computed.has(tensor.id)))
        continue;
      if (node.outputTensors.every((tensor) => computed.has(tensor.id))) continue; // an input layer
      const concrete = symbolicInputs.map((tensor) => computed.get(tensor.id)!);
      let outputs: tf.Tensor[];
      if (isContainer(layer) && containsLayer(layer, replacement.layerName)) {
        outputs = replay(layer, concrete, replacement);
      } else {
        const result = layer.apply(
          concrete.length === 1 ? concrete[0]! : concrete,
          node.callArgs ?? {},
        );
        outputs = (Array.isArray(result) ? result : [result]) as tf.Tensor[];
        if (layer.name === replacement.layerName) outputs = [replacement.replace(outputs[0]!)];
      }
      node.outputTensors.forEach((symbolic, index) => computed.set(symbolic.id, outputs[index]!));
    }
  }
  return model.outputs.map((symbolic) => {
    const output = computed.get(symbolic.id);
    if (!output)
      throw new Error(
        `could not replay model '${model.name}': output ${symbolic.name} not reached`,
      );
    return output;
  });
}

/**
 * Grad-CAM of one image. `image` is `[height, width, channels]` or
 * `[1, height, width, channels]`; the model must have one input and one output
 * `[1, classes]`. Uses whatever tfjs backend is active; disposes what it makes.
 */
export function gradCam(
  model: LayersModel,
  image: tf.Tensor,
  options: GradCamOptions,
): GradCamResult {
  if (!containsLayer(model, options.layerName)) {
    throw new RangeError(
      `no layer '${options.layerName}' in model '${model.name}'; layers: ${layerNames(model).join(', ')}`,
    );
  }
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new RangeError('gradCam needs a model with one input and one output');
  }
  const batch = tf.tidy(() => (image.rank === 3 ? tf.expandDims(image, 0) : tf.clone(image)));
  try {
    if (batch.rank !== 4 || batch.shape[0] !== 1) {
      throw new RangeError(
        `gradCam explains one image: expected [h, w, c] or [1, h, w, c], got [${image.shape.join(', ')}]`,
      );
    }
    const [, imageHeight, imageWidth] = batch.shape as [number, number, number, number];

    // First pass: the activation and the prediction.
    let activation: tf.Tensor | undefined;
    const prediction = tf.tidy(
      () =>
        replay(model, [batch], {
          layerName: options.layerName,
          replace: (output) => {
            activation = tf.keep(output);
            return output;
          },
        })[0]!,
    );
    if (!activation) throw new Error(`layer '${options.layerName}' was not reached`);
    const captured = activation;
    try {
      if (captured.rank !== 4) {
        throw new RangeError(
          `layer '${options.layerName}' outputs rank ${captured.rank}; Grad-CAM needs [1, h, w, channels]`,
        );
      }
      const scores = prediction.dataSync();
      const classIndex = options.classIndex ?? scores.indexOf(Math.max(...scores));
      if (!Number.isInteger(classIndex) || classIndex < 0 || classIndex >= scores.length) {
        throw new RangeError(`classIndex ${classIndex} outside 0..${scores.length - 1}`);
      }

      // Second pass: the class score as a function of the layer's output.
      const scoreOfActivation = (value: tf.Tensor) =>
        tf.squeeze(
          tf.slice(
            replay(model, [batch], { layerName: options.layerName, replace: () => value })[0]!,
            [0, classIndex],
            [1, 1],
          ),
        ) as tf.Scalar;
      const cam = tf.tidy(() => {
        const gradient = tf.grad(scoreOfActivation)(captured);
        const weights = tf.mean(gradient, [0, 1, 2]); // one per channel
        const weighted = tf.relu(tf.sum(tf.mul(tf.squeeze(captured, [0]), weights), -1));
        // Divide by the peak however small it is (deep nets at small inputs give
        // peaks far below any fixed floor); an all-zero map stays zero.
        const peak = tf.max(weighted);
        return tf.div(weighted, tf.where(tf.greater(peak, 0), peak, tf.onesLike(peak)));
      });
      const [height, width] = cam.shape as [number, number];
      const map: ScalarMap = { height, width, values: cam.dataSync().slice() };
      cam.dispose();
      return {
        map,
        upsampled: resizeMap(map, imageHeight, imageWidth),
        classIndex,
        score: scores[classIndex]!,
      };
    } finally {
      captured.dispose();
      prediction.dispose();
    }
  } finally {
    batch.dispose();
  }
}
