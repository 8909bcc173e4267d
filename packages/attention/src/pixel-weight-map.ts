import * as tf from '@tensorflow/tfjs-core';
import {
  initializers,
  InputSpec,
  layers,
  type LayerVariable,
  type Shape,
} from '@tensorflow/tfjs-layers';
import { FixedSpatialMap, type FixedSpatialMapArgs } from './fixed-spatial-map.js';
import { singleShape, singleTensor, validatePenalty, type LayerArgs } from './layer-support.js';
import { applySpatialMap, asBroadcastMap, attentionPenalty } from './spatial-map.js';

export interface PixelWeightMapArgs extends LayerArgs {
  /**
   * Coefficient of the map's L1 penalty, `penalty * mean(|map|)` (averaged over
   * pixels), added to the model's losses so that `model.fit` minimises it. Default 0.
   */
  penalty?: number;
}

/**
 * The paper's "L1" baseline: a trainable H x W weight map, initialised to 1,
 * applied like the attention map (`images [B, H, W, C] -> images * map`), with
 * an L1 penalty averaged over pixels.
 *
 * Under Adam each weight moves at most about the learning rate per step, so at
 * the paper's lr 1e-4 the map barely leaves 1. Its weight is its own variable
 * group (`trainableVariables(pixelWeightMap)`); give it its own optimiser with
 * `minimizeWithGroups`.
 */
export class PixelWeightMap extends layers.Layer {
  static readonly className = 'PixelWeightMap';
  readonly penalty: number;
  private mapVariable: LayerVariable | undefined;

  constructor(args: PixelWeightMapArgs = {}) {
    const { penalty, ...layer } = args;
    super(layer);
    this.penalty = validatePenalty(penalty, PixelWeightMap.className);
    if (this.penalty > 0) {
      this.addLoss(() => attentionPenalty(this.variable().read(), this.penalty));
    }
  }

  override build(inputShape: Shape | Shape[]): void {
    const [, height, width] = singleShape(inputShape, PixelWeightMap.className);
    if (height == null || width == null) {
      throw new RangeError('PixelWeightMap needs images of a fixed height and width.');
    }
    this.mapVariable = this.addWeight('map', [height, width], 'float32', initializers.ones());
    this.inputSpec = [new InputSpec({ ndim: 4 })];
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return singleShape(inputShape, PixelWeightMap.className);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const images = singleTensor(inputs, PixelWeightMap.className);
    return applySpatialMap(images, this.variable().read());
  }

  /** The map as `[1, H, W, 1]` (differentiable: use it for penalties in a custom loop). */
  computeMap(): tf.Tensor4D {
    return tf.tidy(() => asBroadcastMap(this.variable().read()));
  }

  /** A `FixedSpatialMap` holding a copy of the current map, for phase 2 and deployment. */
  toFixedSpatialMap(args: Omit<FixedSpatialMapArgs, 'map'> = {}): FixedSpatialMap {
    const map = this.computeMap();
    try {
      return new FixedSpatialMap({ ...args, map });
    } finally {
      map.dispose();
    }
  }

  private variable(): LayerVariable {
    if (this.mapVariable === undefined) {
      throw new Error('PixelWeightMap has no weights before it is built (apply it first).');
    }
    return this.mapVariable;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { penalty: this.penalty, ...super.getConfig() };
  }
}
