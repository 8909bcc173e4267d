import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { StockConvertible, StockLayer } from '../model-tools/portable.js';
import type { Kwargs, LayerArguments } from './layer-types.js';

export interface FixedChannelAffineArgs extends LayerArguments {
  /** One factor per channel. */
  scale: number[];
  /** One offset per channel. */
  offset: number[];
}

/**
 * `x * scale[c] + offset[c]` per channel, with constants, not weights. It is
 * torchvision GoogLeNet's `transform_input`, which maps an ImageNet-normalised
 * image to the scale its pretrained (TensorFlow-trained) weights expect.
 */
export class FixedChannelAffine extends tfl.layers.Layer implements StockConvertible {
  static className = 'FixedChannelAffine';
  readonly scale: number[];
  readonly offset: number[];

  constructor(args: FixedChannelAffineArgs) {
    super(args);
    if (args.scale.length !== args.offset.length) {
      throw new Error('FixedChannelAffine: scale and offset need one value per channel each.');
    }
    this.scale = [...args.scale];
    this.offset = [...args.offset];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      return tf.add(tf.mul(x, tf.tensor1d(this.scale)), tf.tensor1d(this.offset));
    });
  }

  /** A BatchNormalization with mean 0 and variance 1 (epsilon 0): `x * gamma + beta`, exactly. */
  toStockLayers(): StockLayer[] {
    const channels = this.scale.length;
    return [
      {
        className: 'BatchNormalization',
        config: { axis: -1, epsilon: 0, center: true, scale: true },
        weights: [
          tf.tensor1d(this.scale),
          tf.tensor1d(this.offset),
          tf.zeros([channels]),
          tf.ones([channels]),
        ],
      },
    ];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), scale: [...this.scale], offset: [...this.offset] };
  }
}

tf.serialization.registerClass(FixedChannelAffine, 'gsa');
