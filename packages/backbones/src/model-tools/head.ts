import * as tfl from '@tensorflow/tfjs-layers';
import { inboundLayers } from './graph.js';

type LayerConstructor = new (args: Record<string, unknown>) => tfl.layers.Layer;

/** PyTorch's nn.Linear / nn.Conv2d initialisation, U(+-1/sqrt(fan_in)). */
function torchDefaultInitializer(fanIn: number, seed: number | undefined) {
  const bound = 1 / Math.sqrt(fanIn);
  return tfl.initializers.randomUniform({ minval: -bound, maxval: bound, seed });
}

/** Layers that may follow a classifier: they reshape the logits and hold no weights. */
const SHAPE_LAYERS = new Set(['Reshape', 'Flatten', 'Dropout', 'Activation']);

/** An output's classifier (a Dense, or a 1x1 Conv2D) and the shape layers after it (MobileNet's final reshape). */
function classifierOf(output: tfl.SymbolicTensor): {
  head: tfl.layers.Layer;
  kind: 'dense' | 'conv';
  trailing: tfl.layers.Layer[];
} {
  const trailing: tfl.layers.Layer[] = [];
  let head = output.sourceLayer;
  const noClassifier = () =>
    new Error(
      `The output ${output.sourceLayer.name} does not end in a classifier (a Dense or 1x1 Conv2D layer); build the backbone with output: 'logits'.`,
    );
  while (head.weights.length === 0) {
    if (!SHAPE_LAYERS.has(head.getClassName())) throw noClassifier();
    trailing.unshift(head);
    const previous = inboundLayers(head);
    if (previous.length !== 1) throw noClassifier();
    head = previous[0]!;
  }
  const className = head.getClassName();
  if (className === 'Dense') return { head, kind: 'dense', trailing };
  const { kernelSize } = head.getConfig() as { kernelSize?: number[] };
  if (className !== 'Conv2D' || !kernelSize?.every((size) => size === 1)) throw noClassifier();
  return { head, kind: 'conv', trailing };
}

/**
 * The classifier layer of every output (the Dense or 1x1 Conv2D that makes the
 * logits; GoogLeNet's auxiliary heads too): what fine-tuning replaces and
 * `trainable: 'head'` trains.
 */
export function classifierLayers(model: tfl.LayersModel): tfl.layers.Layer[] {
  return [...new Set(model.outputs.map((output) => classifierOf(output).head))];
}

function replaceOutput(
  output: tfl.SymbolicTensor,
  numClasses: number,
  seed: number | undefined,
): tfl.SymbolicTensor {
  const { head, kind, trailing } = classifierOf(output);
  const input = head.inboundNodes[0]!.inputTensors[0]!;
  const fanIn = input.shape[input.shape.length - 1]!;
  const kernelInitializer = torchDefaultInitializer(fanIn, seed);
  const biasInitializer = torchDefaultInitializer(fanIn, seed === undefined ? undefined : seed + 1);
  let x: tfl.SymbolicTensor;
  if (kind === 'dense') {
    x = tfl.layers
      .dense({ name: head.name, units: numClasses, kernelInitializer, biasInitializer })
      .apply(input) as tfl.SymbolicTensor;
  } else {
    const { kernelSize, padding } = head.getConfig() as {
      kernelSize: number[];
      padding: 'same' | 'valid';
    };
    x = tfl.layers
      .conv2d({
        name: head.name,
        filters: numClasses,
        kernelSize,
        padding,
        kernelInitializer,
        biasInitializer,
      })
      .apply(input) as tfl.SymbolicTensor;
  }
  for (const layer of trailing) {
    const config = { ...layer.getConfig() };
    if (layer.getClassName() === 'Reshape') config['targetShape'] = [numClasses];
    x = new (layer.constructor as LayerConstructor)(config).apply(x) as tfl.SymbolicTensor;
  }
  return x;
}

/**
 * A model with a new classifier for `numClasses` classes (PyTorch's fresh
 * nn.Linear initialisation; named as the old one, so torchvision names still
 * map) on every output (GoogLeNet's auxiliary heads too). Every other layer,
 * and its weights, is shared with `model`: keep training the new model, and
 * do not dispose the old one while you use it.
 */
export function replaceHead(
  model: tfl.LayersModel,
  numClasses: number,
  options: { seed?: number } = {},
): tfl.LayersModel {
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new Error(`replaceHead: numClasses must be a positive integer; got ${numClasses}.`);
  }
  const outputs = model.outputs.map((output, index) =>
    replaceOutput(
      output,
      numClasses,
      options.seed === undefined ? undefined : options.seed + 2 * index,
    ),
  );
  return tfl.model({
    inputs: model.inputs,
    outputs: outputs.length === 1 ? outputs[0]! : outputs,
    name: model.name,
  });
}
