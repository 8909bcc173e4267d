import * as tf from '@tensorflow/tfjs-core';
import {
  initializers,
  InputSpec,
  layers,
  type LayerVariable,
  type Shape,
} from '@tensorflow/tfjs-layers';
import { optional, singleShape, singleTensor, type LayerArgs } from './layer-support.js';
import { applySpatialMap, asBroadcastMap } from './spatial-map.js';

/**
 * One stock tfjs layer of a custom layer's stock form; the same shape as
 * @gsa/backbones' `StockLayer`, which reads it (no import: the attention
 * layers depend on no other gsa package).
 */
export interface StockLayer {
  className: string;
  config: Record<string, unknown>;
  suffix?: string;
  weights?: tf.Tensor[];
}

export interface FixedSpatialMapArgs extends LayerArgs {
  /** The map: `[H, W]`, `[H, W, 1]` or `[1, H, W, 1]`. Its values are copied. */
  map?: tf.Tensor;
  /** Map height, when no `map` is given (a saved model's config); the weights then fill it. */
  height?: number;
  /** Map width, when no `map` is given. */
  width?: number;
}

/**
 * A constant spatial map in front of a model: `images [B, H, W, C] -> images * map`.
 * Phase 2 of training and every deployed model use it, so inference never
 * needs the pixel representation (the training images). The map is a
 * non-trainable weight: it is saved with the model, and no optimiser moves it,
 * whatever `trainable` says.
 */
export class FixedSpatialMap extends layers.Layer {
  static readonly className = 'FixedSpatialMap';
  readonly height: number;
  readonly width: number;
  private initialValues: Float32Array | undefined;
  private mapVariable: LayerVariable | undefined;

  constructor(args: FixedSpatialMapArgs = {}) {
    const { map, height, width, ...layer } = args;
    super({ ...layer, trainable: false });
    if (map !== undefined) {
      const values = tf.tidy(() => asBroadcastMap(map));
      [, this.height, this.width] = values.shape;
      this.initialValues = values.dataSync() as Float32Array;
      if (values !== map) values.dispose();
    } else {
      const givenHeight = optional(height);
      const givenWidth = optional(width);
      if (givenHeight === undefined || givenWidth === undefined) {
        throw new RangeError('FixedSpatialMap needs a map, or its height and width.');
      }
      this.height = givenHeight;
      this.width = givenWidth;
    }
  }

  override build(inputShape: Shape | Shape[]): void {
    const [, height, width] = singleShape(inputShape, FixedSpatialMap.className);
    if ((height != null && height !== this.height) || (width != null && width !== this.width)) {
      throw new RangeError(
        `FixedSpatialMap holds a ${this.height}x${this.width} map but its input is ${height}x${width}.`,
      );
    }
    const trainable = false;
    this.mapVariable = this.addWeight(
      'map',
      [this.height, this.width],
      'float32',
      initializers.ones(),
      undefined,
      trainable,
    );
    if (this.initialValues !== undefined) {
      const values = this.initialValues;
      const mapVariable = this.mapVariable;
      tf.tidy(() => {
        mapVariable.write(tf.tensor2d(values, [this.height, this.width]));
      });
      this.initialValues = undefined;
    }
    this.inputSpec = [new InputSpec({ ndim: 4 })];
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return singleShape(inputShape, FixedSpatialMap.className);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const images = singleTensor(inputs, FixedSpatialMap.className);
    return applySpatialMap(images, this.variable().read());
  }

  /** The map as `[1, H, W, 1]`. */
  computeMap(): tf.Tensor4D {
    if (this.mapVariable === undefined && this.initialValues !== undefined) {
      return tf.tensor4d(this.initialValues, [1, this.height, this.width, 1]);
    }
    return tf.tidy(() => asBroadcastMap(this.variable().read()));
  }

  private variable(): LayerVariable {
    if (this.mapVariable === undefined) {
      throw new Error('FixedSpatialMap has no weights before it is built (apply it first).');
    }
    return this.mapVariable;
  }

  /**
   * Its form in tfjs's own layers (the protocol of @gsa/backbones'
   * `portableModel`): the image flattened to `[H*W*C]`, a BatchNormalization
   * whose scale is the map repeated over the channels (mean 0, variance 1,
   * epsilon 0, offset 0: `x * map`, exactly), and back to `[H, W, C]`.
   */
  toStockLayers(inputShape: Shape): StockLayer[] {
    const [, height, width, channels] = inputShape;
    if (height !== this.height || width !== this.width || channels == null) {
      throw new RangeError(
        `FixedSpatialMap needs a known ${this.height}x${this.width}xC input for a stock form, got [${inputShape}].`,
      );
    }
    const size = height * width * channels;
    const scale = tf.tidy(() =>
      tf.reshape(
        tf.tile(tf.reshape(this.variable().read(), [height, width, 1]), [1, 1, channels]),
        [size],
      ),
    );
    return [
      { className: 'Reshape', config: { target_shape: [size] }, suffix: 'flat' },
      {
        className: 'BatchNormalization',
        // With an offset (of zeros): tfjs cannot differentiate batch norm without one (Grad-CAM).
        config: { axis: -1, epsilon: 0, center: true, scale: true },
        weights: [scale, tf.zeros([size]), tf.zeros([size]), tf.ones([size])],
      },
      {
        className: 'Reshape',
        config: { target_shape: [height, width, channels] },
        suffix: 'image',
      },
    ];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { height: this.height, width: this.width, ...super.getConfig() };
  }
}
