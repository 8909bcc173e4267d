import * as tf from '@tensorflow/tfjs-core';
import { InputSpec, layers, type LayerVariable, type Shape } from '@tensorflow/tfjs-layers';
import { FixedSpatialMap, type FixedSpatialMapArgs } from './fixed-spatial-map.js';
import { pixelCnnConfig, pixelCnnOptionsFrom, splitLayerArgs } from './global-spatial-attention.js';
import {
  optional,
  singleShape,
  singleTensor,
  validatePenalty,
  type LayerArgs,
} from './layer-support.js';
import {
  groupPixelCnnWeights,
  pixelCnnMap,
  pixelCnnWeightSpecs,
  type PixelCnnOptions,
  type PixelCnnWeights,
  type ResolvedPixelCnnOptions,
} from './pixel-cnn.js';
import { applySpatialMap, attentionPenalty } from './spatial-map.js';

export interface GlobalSpatialAttentionGateArgs extends PixelCnnOptions, LayerArgs {
  /**
   * The pixel representation P, `[1, H, W, D]`. The gate keeps a reference
   * (it is not copied, not saved, not disposed by the gate): keep it alive while
   * the gate trains, and give it again with `setPixelRepresentation` after loading.
   */
  pixels?: tf.Tensor4D;
  /** D, the channels of P. Needed only without `pixels` (a saved model's config). */
  pixelChannels?: number;
  /**
   * lambda of eq. 1: `lambda * mean(|M(P)|)` is added to the model's losses so
   * that `model.fit` minimises it. Default 0.
   */
  penalty?: number;
}

function checkPixels(pixels: tf.Tensor4D, pixelChannels: number | undefined): number {
  if (pixels.rank !== 4 || pixels.shape[0] !== 1) {
    throw new RangeError(`The pixel representation must be [1, H, W, D], got [${pixels.shape}].`);
  }
  const channels = pixels.shape[3];
  if (pixelChannels !== undefined && pixelChannels !== channels) {
    throw new RangeError(
      `The pixel representation has ${channels} channels but the gate was made for ${pixelChannels}.`,
    );
  }
  return channels;
}

/**
 * Global spatial attention in front of any image model: holds the pixel CNN
 * and the pixel representation P, and maps `images [B, H, W, C]` to
 * `images * M(P)`, the map broadcast over batch and channels. Because its input
 * is the images, it goes in front of an existing `tf.LayersModel` (a pretrained
 * one included) and trains with `model.fit`; with `penalty` set, the model's
 * loss is eq. 1 of the paper.
 *
 * It computes the map once per training step: inside a gradient tape the map
 * of `call` is reused by the penalty. After phase 1, `toFixedSpatialMap()`
 * gives the constant map for phase 2 and deployment.
 */
export class GlobalSpatialAttentionGate extends layers.Layer {
  static readonly className = 'GlobalSpatialAttentionGate';
  readonly options: ResolvedPixelCnnOptions;
  readonly pixelChannels: number;
  readonly penalty: number;
  private pixels: tf.Tensor4D | undefined;
  private weightVariables: LayerVariable[] = [];
  /** The map `call` computed inside a gradient tape, for the penalty of the same step. */
  private mapOfThisStep: tf.Tensor4D | undefined;

  constructor(args: GlobalSpatialAttentionGateArgs) {
    const { pixels, pixelChannels, penalty, ...rest } = args;
    const { pixelCnn, layer } = splitLayerArgs(rest);
    super(layer);
    this.options = pixelCnnOptionsFrom(pixelCnn);
    const declaredChannels = optional(pixelChannels);
    if (pixels !== undefined) {
      this.pixelChannels = checkPixels(pixels, declaredChannels);
      this.pixels = pixels;
    } else if (declaredChannels !== undefined) {
      this.pixelChannels = declaredChannels;
    } else {
      throw new RangeError('GlobalSpatialAttentionGate needs pixels (P) or pixelChannels (D).');
    }
    this.penalty = validatePenalty(penalty, GlobalSpatialAttentionGate.className);
    if (this.penalty > 0) this.addLoss(() => this.penaltyOfThisStep());
  }

  /** Gives (or replaces) the pixel representation P, `[1, H, W, D]`; the gate keeps a reference. */
  setPixelRepresentation(pixels: tf.Tensor4D): void {
    checkPixels(pixels, this.pixelChannels);
    this.pixels = pixels;
  }

  get hasPixelRepresentation(): boolean {
    return this.pixels !== undefined && !this.pixels.isDisposed;
  }

  override build(inputShape: Shape | Shape[]): void {
    const [, height, width] = singleShape(inputShape, GlobalSpatialAttentionGate.className);
    if (this.pixels !== undefined) {
      const [, pixelHeight, pixelWidth] = this.pixels.shape;
      if ((height != null && height !== pixelHeight) || (width != null && width !== pixelWidth)) {
        throw new RangeError(
          `The pixel representation is ${pixelHeight}x${pixelWidth} but the images are ${height}x${width}.`,
        );
      }
    }
    this.weightVariables = pixelCnnWeightSpecs(this.pixelChannels, this.options).map(
      ({ name, shape, initializer }) => this.addWeight(name, shape, 'float32', initializer),
    );
    this.inputSpec = [new InputSpec({ ndim: 4 })];
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return singleShape(inputShape, GlobalSpatialAttentionGate.className);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const images = singleTensor(inputs, GlobalSpatialAttentionGate.className);
    const insideGradientTape = tf.engine().state.gradientDepth > 0;
    if (this.penalty > 0 && insideGradientTape) {
      // Left outside a tidy on purpose: the enclosing training step's scope
      // disposes it, after the penalty has used it.
      const map = this.computeMap();
      this.mapOfThisStep = map;
      return applySpatialMap(images, map);
    }
    return tf.tidy(() => applySpatialMap(images, this.computeMap()));
  }

  /** M(P) as `[1, H, W, 1]`, differentiable with respect to the pixel CNN's weights. */
  computeMap(): tf.Tensor4D {
    if (this.pixels === undefined || this.pixels.isDisposed) {
      const what = this.pixels === undefined ? 'has no' : 'was given a since-disposed';
      throw new Error(
        `GlobalSpatialAttentionGate ${what} pixel representation: call setPixelRepresentation(P) ` +
          '(a loaded model does not hold P), or deploy the map as a FixedSpatialMap.',
      );
    }
    return pixelCnnMap(this.pixels, this.pixelCnnWeights(), this.options.activation);
  }

  /** The pixel CNN's variables, grouped as `pixelCnnMap` takes them. */
  pixelCnnWeights(): PixelCnnWeights {
    if (!this.built) {
      throw new Error(
        'GlobalSpatialAttentionGate has no weights before it is built (apply it first).',
      );
    }
    return groupPixelCnnWeights(this.weightVariables.map((variable) => variable.read()));
  }

  /** A `FixedSpatialMap` holding the current map M(P): phase 2 and deployment need no P. */
  toFixedSpatialMap(args: Omit<FixedSpatialMapArgs, 'map'> = {}): FixedSpatialMap {
    const map = this.computeMap();
    try {
      return new FixedSpatialMap({ ...args, map });
    } finally {
      map.dispose();
    }
  }

  private penaltyOfThisStep(): tf.Scalar {
    const cached = this.mapOfThisStep;
    this.mapOfThisStep = undefined;
    return tf.tidy(() => {
      const map = cached !== undefined && !cached.isDisposed ? cached : this.computeMap();
      return attentionPenalty(map, this.penalty);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      pixelChannels: this.pixelChannels,
      penalty: this.penalty,
      ...pixelCnnConfig(this.options),
      ...super.getConfig(),
    };
  }
}
