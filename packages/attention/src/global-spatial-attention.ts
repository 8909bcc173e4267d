import type * as tf from '@tensorflow/tfjs-core';
import { InputSpec, layers, type LayerVariable, type Shape } from '@tensorflow/tfjs-layers';
import { singleShape, singleTensor, optional, type LayerArgs } from './layer-support.js';
import {
  groupPixelCnnWeights,
  pixelCnnMap,
  pixelCnnWeightSpecs,
  resolvePixelCnnOptions,
  type PixelCnnOptions,
  type PixelCnnWeights,
  type ResolvedPixelCnnOptions,
} from './pixel-cnn.js';

export interface GlobalSpatialAttentionArgs extends PixelCnnOptions, LayerArgs {}

/** Reads pixel-CNN options from layer arguments or a saved config (where absent values are null). */
export function pixelCnnOptionsFrom(args: PixelCnnOptions): ResolvedPixelCnnOptions {
  return resolvePixelCnnOptions({
    channels: optional(args.channels),
    kernelSize: optional(args.kernelSize),
    hiddenLayers: optional(args.hiddenLayers),
    activation: optional(args.activation),
    initialization: optional(args.initialization),
    seed: optional(args.seed),
  });
}

/** The options as config entries; an absent seed is left out rather than saved as null. */
export function pixelCnnConfig(options: ResolvedPixelCnnOptions): tf.serialization.ConfigDict {
  const { seed, ...rest } = options;
  return seed === undefined ? { ...rest } : { ...rest, seed };
}

/** Splits pixel-CNN options from the standard layer arguments. */
export function splitLayerArgs<T extends PixelCnnOptions & LayerArgs>(
  args: T,
): { pixelCnn: PixelCnnOptions; layer: LayerArgs } {
  const { channels, kernelSize, hiddenLayers, activation, initialization, seed, ...layer } = args;
  return {
    pixelCnn: { channels, kernelSize, hiddenLayers, activation, initialization, seed },
    layer,
  };
}

/**
 * The paper's pixel CNN M as a tfjs layer: conv KxK (D -> K, stride 1, same
 * padding) -> activation -> [more K -> K convs] -> conv 1x1 (K -> 1) -> sigmoid.
 *
 * Input: a pixel representation `[1, H, W, D]`, the N training images stacked
 * as channels (D = N*C), or r channels of a low-rank basis. Output: the map
 * `[1, H, W, 1]` in [0, 1]; it keeps the batch axis so that it broadcasts over
 * an image batch `[B, H, W, C]` as it is (see `applySpatialMap`).
 */
export class GlobalSpatialAttention extends layers.Layer {
  static readonly className = 'GlobalSpatialAttention';
  readonly options: ResolvedPixelCnnOptions;
  private weightVariables: LayerVariable[] = [];

  constructor(args: GlobalSpatialAttentionArgs = {}) {
    const { pixelCnn, layer } = splitLayerArgs(args);
    super(layer);
    this.options = pixelCnnOptionsFrom(pixelCnn);
  }

  override build(inputShape: Shape | Shape[]): void {
    const pixelChannels = singleShape(inputShape, GlobalSpatialAttention.className)[3];
    if (pixelChannels == null) {
      throw new RangeError('GlobalSpatialAttention needs a known channel count D in its input.');
    }
    this.weightVariables = pixelCnnWeightSpecs(pixelChannels, this.options).map(
      ({ name, shape, initializer }) => this.addWeight(name, shape, 'float32', initializer),
    );
    this.inputSpec = [new InputSpec({ ndim: 4, axes: { 3: pixelChannels } })];
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [batch, height, width] = singleShape(inputShape, GlobalSpatialAttention.className);
    return [batch ?? null, height ?? null, width ?? null, 1];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const pixels = singleTensor(inputs, GlobalSpatialAttention.className);
    return pixelCnnMap(pixels, this.pixelCnnWeights(), this.options.activation);
  }

  /** The layer's variables grouped as the functional form `pixelCnnMap` takes them. */
  pixelCnnWeights(): PixelCnnWeights {
    if (!this.built) throw new Error('GlobalSpatialAttention has no weights before it is built.');
    return groupPixelCnnWeights(this.weightVariables.map((variable) => variable.read()));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...pixelCnnConfig(this.options), ...super.getConfig() };
  }
}
