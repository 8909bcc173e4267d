// Portable models: a LayersModel rewritten with tfjs-layers' own layers only,
// so plain `@tensorflow/tfjs` loads it with no @gsa import. Each custom layer
// says how it is written in stock layers (`toStockLayers`); the rewrite works
// on the saved topology (model.json's form), keeps every nested model, and
// carries every weight over by layer name.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/** One stock layer standing in for (part of) a custom layer. */
export interface StockLayer {
  /** A tfjs-layers class: 'BatchNormalization', 'Reshape', 'Dense', ... */
  className: string;
  /** Its config as model.json holds it (snake_case keys and values), without `name`. */
  config: Record<string, unknown>;
  /** Named `<custom layer>_<suffix>`; without one it takes the custom layer's own name. */
  suffix?: string;
  /** Its weights in the layer's own order; without them, the custom layer's (same names, same order). */
  weights?: tf.Tensor[];
}

/**
 * A custom layer that can be written as stock layers: the chain, applied in
 * order, computes what the layer computes at inference. Every gsa layer a
 * deployed model holds implements it (FixedSpatialMap, TorchBatchNorm,
 * AdaptiveAveragePooling2D, FixedChannelAffine).
 */
export interface StockConvertible {
  toStockLayers(inputShape: tfl.Shape): StockLayer[];
}

/**
 * The layer classes @tensorflow/tfjs-layers 4.x registers itself: what a
 * portable model may hold. (Models nest as `Model`, `Functional` or `Sequential`.)
 */
export const STOCK_LAYER_CLASSES: ReadonlySet<string> = new Set([
  'Activation', 'Add', 'AlphaDropout', 'Average', 'AveragePooling1D', 'AveragePooling2D',
  'AveragePooling3D', 'BatchNormalization', 'Bidirectional', 'CategoryEncoding', 'CenterCrop',
  'Concatenate', 'Conv1D', 'Conv2D', 'Conv2DTranspose', 'Conv3D', 'Conv3DTranspose', 'ConvLSTM2D',
  'Cropping2D', 'Dense', 'DepthwiseConv2D', 'Dot', 'Dropout', 'ELU', 'Embedding', 'Flatten',
  'Functional', 'GaussianDropout', 'GaussianNoise', 'GlobalAveragePooling1D',
  'GlobalAveragePooling2D', 'GlobalMaxPooling1D', 'GlobalMaxPooling2D', 'GRU', 'InputLayer',
  'LayerNormalization', 'LeakyReLU', 'LSTM', 'Masking', 'MaxPooling1D', 'MaxPooling2D',
  'MaxPooling3D', 'Maximum', 'Minimum', 'Model', 'Multiply', 'Permute', 'PReLU', 'ReLU',
  'RepeatVector', 'Rescaling', 'Reshape', 'Resizing', 'SeparableConv2D', 'Sequential', 'SimpleRNN',
  'Softmax', 'SpatialDropout1D', 'ThresholdedReLU', 'TimeDistributed', 'UpSampling2D',
  'ZeroPadding2D',
]); // prettier-ignore

/** A model that holds a layer with no stock form. */
export class NotPortableError extends Error {
  constructor(readonly layers: readonly string[]) {
    super(
      `These layers have no form in tfjs's own layers: ${layers.join(', ')}. ` +
        'Save the model as it is and load it with the package that defines them imported.',
    );
    this.name = 'NotPortableError';
  }
}

type NodeReference = [string, number, number, Record<string, unknown>?];

interface LayerEntry {
  name: string;
  class_name: string;
  config: Record<string, unknown>;
  inbound_nodes: NodeReference[][];
}

interface GraphConfig {
  layers: LayerEntry[];
  input_layers: NodeReference[];
  output_layers: NodeReference[];
}

function isGraphConfig(config: unknown): config is GraphConfig {
  const candidate = config as Partial<GraphConfig> | null;
  return Array.isArray(candidate?.layers) && Array.isArray(candidate?.output_layers);
}

function hasStockForm(layer: tfl.layers.Layer): layer is tfl.layers.Layer & StockConvertible {
  return typeof (layer as Partial<StockConvertible>).toStockLayers === 'function';
}

/** Weights given by a stock form, by the path of model names down to their layer. */
type GivenWeights = Map<string, tf.Tensor[]>;

/**
 * `model` with every custom layer replaced by its stock form
 * (`StockConvertible`): a new model of tfjs-layers' own layers only, with the
 * same weights and, at inference, the same outputs (tests hold them within
 * 1e-5). Saved, it loads with `tf.loadLayersModel` from plain
 * `@tensorflow/tfjs`. Nested models stay nested. Throws `NotPortableError`,
 * naming them, when a layer has neither a stock class nor a stock form.
 * `model` is left as it is; dispose the result when done.
 */
export async function portableModel(model: tfl.LayersModel): Promise<tfl.LayersModel> {
  const topology = model.toJSON(undefined, false) as { config: unknown };
  if (!isGraphConfig(topology.config)) {
    throw new TypeError(`${model.name} is not a functional model (its config lists no layers).`);
  }
  const given: GivenWeights = new Map();
  try {
    const unknown: string[] = [];
    rewriteGraph(topology.config, model, [], given, unknown);
    if (unknown.length > 0) throw new NotPortableError(unknown);
    const portable = await tfl.models.modelFromJSON({
      modelTopology: topology as unknown as tf.io.ModelJSON['modelTopology'],
    });
    try {
      copyWeights(model, portable, [], given);
    } catch (error) {
      portable.dispose();
      throw error;
    }
    return portable;
  } finally {
    for (const weights of given.values()) tf.dispose(weights);
  }
}

/** The class names of every layer in `model`, nested models' layers included. */
export function layerClassNames(model: tfl.LayersModel): Set<string> {
  const names = new Set<string>();
  for (const layer of model.layers) {
    names.add(layer.getClassName());
    if (layer instanceof tfl.LayersModel) {
      for (const name of layerClassNames(layer)) names.add(name);
    }
  }
  return names;
}

/**
 * The class names of every layer in a saved topology (model.json's
 * `modelTopology`), nested models' layers included: what a model folder
 * holds, read without loading its weights.
 */
export function savedLayerClasses(topology: unknown): Set<string> {
  const names = new Set<string>();
  const visit = (entry: unknown) => {
    const { class_name: className, config } = (entry ?? {}) as {
      class_name?: unknown;
      config?: { layers?: unknown };
    };
    if (typeof className === 'string') names.add(className);
    if (Array.isArray(config?.layers)) config.layers.forEach(visit);
  };
  const root = topology as { model_config?: unknown } | null;
  visit(root?.model_config ?? topology);
  return names;
}

function rewriteGraph(
  graph: GraphConfig,
  model: tfl.LayersModel,
  path: readonly string[],
  given: GivenWeights,
  unknown: string[],
): void {
  const names = new Set(graph.layers.map((entry) => entry.name));
  // A replaced layer's consumers read the last layer of its chain.
  const renamed = new Map<string, string>();
  const replacement = new Map<string, LayerEntry[]>();
  for (const entry of graph.layers) {
    const layer = model.getLayer(entry.name);
    if (layer instanceof tfl.LayersModel && isGraphConfig(entry.config)) {
      rewriteGraph(entry.config, layer, [...path, entry.name], given, unknown);
    } else if (layer instanceof tfl.LayersModel) {
      // A nested Sequential is kept as it is: it must hold stock layers only.
      for (const name of layerClassNames(layer)) {
        if (!STOCK_LAYER_CLASSES.has(name))
          unknown.push(`${[...path, entry.name].join('/')} (${name})`);
      }
    } else if (hasStockForm(layer)) {
      const chain = chainEntries(entry, layer, names, path, given);
      replacement.set(entry.name, chain);
      renamed.set(entry.name, chain[chain.length - 1]!.name);
    } else if (!STOCK_LAYER_CLASSES.has(entry.class_name)) {
      unknown.push(`${[...path, entry.name].join('/')} (${entry.class_name})`);
    }
  }
  const rename = (reference: NodeReference): NodeReference => {
    const [name, ...rest] = reference;
    return [renamed.get(name) ?? name, ...rest];
  };
  graph.layers = graph.layers.flatMap((entry) => {
    const rewired = {
      ...entry,
      inbound_nodes: entry.inbound_nodes.map((node) => node.map(rename)),
    };
    const chain = replacement.get(entry.name);
    if (!chain) return [rewired];
    chain[0]!.inbound_nodes = rewired.inbound_nodes;
    return chain;
  });
  graph.output_layers = graph.output_layers.map(rename);
}

function chainEntries(
  entry: LayerEntry,
  layer: tfl.layers.Layer & StockConvertible,
  names: Set<string>,
  path: readonly string[],
  given: GivenWeights,
): LayerEntry[] {
  // A node's input shapes are one shape, or a list of them.
  const shapes = layer.inboundNodes[0]?.inputShapes;
  const inputShape = Array.isArray(shapes?.[0]) ? (shapes as tfl.Shape[]) : [shapes as tfl.Shape];
  if (layer.inboundNodes.length !== 1 || inputShape.length !== 1 || inputShape[0] === undefined) {
    throw new TypeError(
      `${entry.name}: only a layer applied once, to one input, can be rewritten in stock layers.`,
    );
  }
  const chain = layer.toStockLayers(inputShape[0]);
  const trainable = entry.config['trainable'] ?? true;
  let previous: string | undefined;
  return chain.map((stock) => {
    const name = stock.suffix === undefined ? entry.name : `${entry.name}_${stock.suffix}`;
    if (name !== entry.name) {
      if (names.has(name)) {
        throw new TypeError(`${entry.name}'s stock form needs the name ${name}, already taken.`);
      }
      names.add(name);
    }
    if (stock.weights) given.set([...path, name].join('/'), stock.weights);
    const rewritten: LayerEntry = {
      name,
      class_name: stock.className,
      config: { ...stock.config, name, trainable },
      inbound_nodes: previous === undefined ? [] : [[[previous, 0, 0, {}]]],
    };
    previous = name;
    return rewritten;
  });
}

function copyWeights(
  source: tfl.LayersModel,
  target: tfl.LayersModel,
  path: readonly string[],
  given: GivenWeights,
): void {
  for (const layer of target.layers) {
    if (layer instanceof tfl.LayersModel) {
      copyWeights(
        source.getLayer(layer.name) as tfl.LayersModel,
        layer,
        [...path, layer.name],
        given,
      );
      continue;
    }
    if (layer.weights.length === 0) continue;
    const weights = given.get([...path, layer.name].join('/'));
    layer.setWeights(weights ?? source.getLayer(layer.name).getWeights());
  }
}
