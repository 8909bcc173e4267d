import * as tfl from '@tensorflow/tfjs-layers';

/** The layers feeding `layer` directly (through its first inbound node: gsa graphs apply each layer once). */
export function inboundLayers(layer: tfl.layers.Layer): tfl.layers.Layer[] {
  return layer.inboundNodes[0]?.inboundLayers ?? [];
}

/** `layers` and every layer of `model` they depend on. */
export function withAncestors(
  model: tfl.LayersModel,
  layers: tfl.layers.Layer[],
): Set<tfl.layers.Layer> {
  const inModel = new Set(model.layers);
  const found = new Set<tfl.layers.Layer>();
  const pending = [...layers];
  while (pending.length > 0) {
    const layer = pending.pop()!;
    if (found.has(layer) || !inModel.has(layer)) continue;
    found.add(layer);
    pending.push(...inboundLayers(layer));
  }
  return found;
}

/**
 * The layers a name stands for: the layer of that name, and every layer
 * inside the torchvision module of that name (`layer3` -> `layer3.0.conv1`,
 * ..., `layer3.5`; `features.denseblock2` -> its dense layers).
 */
export function layersNamed(model: tfl.LayersModel, name: string): tfl.layers.Layer[] {
  const matches = model.layers.filter(
    (layer) => layer.name === name || layer.name.startsWith(`${name}.`),
  );
  if (matches.length === 0) {
    const sample = model.layers
      .map((layer) => layer.name)
      .filter((layerName) => !layerName.endsWith('_pad'))
      .slice(0, 12)
      .join(', ');
    throw new Error(`${model.name} has no layer or module '${name}' (its layers: ${sample}, ...).`);
  }
  return matches;
}

/**
 * Pooling layers that end a backbone's feature part (VGG-att3's last
 * attention pooling takes the last local feature map as its first input).
 */
const GLOBAL_POOLS = new Set([
  'GlobalAveragePooling2D',
  'AdaptiveAveragePooling2D',
  'AttentionWeightedPooling',
]);

const CONVOLUTIONS = new Set(['Conv2D', 'DepthwiseConv2D', 'SeparableConv2D']);

/**
 * The name of the layer that gives the backbone's last feature map (the
 * input of its final global or adaptive pooling), e.g. `layer4.1` for
 * resnet18, `inception5b` for googlenet, `conv_pw_13_relu` for mobilenet_v1:
 * the layer Grad-CAM and feature extraction use. For a model built with
 * `output: 'features'` it is the output layer.
 */
export function featureLayerName(model: tfl.LayersModel): string {
  const main = model.outputs[0]!.sourceLayer;
  const mainBranch = withAncestors(model, [main]);
  // The last pool on the main output's path (GoogLeNet's auxiliary heads pool too).
  // Adaptive pooling in a portable model (`portableModel`) starts with an
  // AveragePooling2D; one that no convolution follows ends the features too
  // (DenseNet's transitions pool between convolutions).
  const layers = model.layers.filter((layer) => mainBranch.has(layer));
  const lastConvolution = layers.findLastIndex((layer) => CONVOLUTIONS.has(layer.getClassName()));
  const pool = layers.findLast(
    (layer, index) =>
      GLOBAL_POOLS.has(layer.getClassName()) ||
      (layer.getClassName() === 'AveragePooling2D' && index > lastConvolution),
  );
  if (pool === undefined) return main.name;
  const source = inboundLayers(pool)[0];
  if (source === undefined) throw new Error(`${model.name}: its pooling layer has no input.`);
  return source.name;
}

/**
 * A model from the same input to the last feature map (or to `layerName`),
 * sharing the layers and weights of `model`: load pretrained weights into
 * the full backbone, then extract features with it.
 */
export function featureExtractor(model: tfl.LayersModel, layerName?: string): tfl.LayersModel {
  const name = layerName ?? featureLayerName(model);
  const layer = model.getLayer(name);
  return tfl.model({
    inputs: model.inputs,
    outputs: layer.output as tfl.SymbolicTensor,
    name: `${model.name}_features`,
  });
}
