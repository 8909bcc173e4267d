import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { StockConvertible, StockLayer } from '../model-tools/portable.js';
import type { Kwargs, LayerArguments, LayerShape } from './layer-types.js';

export interface TorchBatchNormArgs extends LayerArguments {
  /** Added to the variance before the square root. PyTorch's default: 1e-5. */
  epsilon?: number;
  /**
   * PyTorch semantics: `running = (1 - momentum) * running + momentum * batch`.
   * PyTorch's default is 0.1 (the same as Keras/tfjs momentum 0.9).
   */
  momentum?: number;
  /** The scale's initial value: 'ones' (default), or 'zeros' for torchvision's `zero_init_residual`. */
  gammaInit?: 'ones' | 'zeros';
}

/**
 * Batch normalisation over the last (channel) axis with PyTorch's semantics,
 * so that torchvision weights and training behave the same:
 *
 * - `epsilon` 1e-5 and `momentum` 0.1 by default, momentum in PyTorch's sense;
 * - the running variance is updated with the unbiased batch variance (n / (n - 1)),
 *   while the batch itself is normalised with the biased one, as `nn.BatchNorm2d` does;
 * - a frozen layer (`trainable = false`, or its weights frozen through the model)
 *   normalises with its running statistics even when called with `training: true`,
 *   and leaves them unchanged: fine-tuning on top of a frozen pretrained trunk
 *   neither drifts its statistics nor depends on the batch size.
 *
 * Its weights carry the Keras names (`gamma`, `beta`, `moving_mean`,
 * `moving_variance`), so tfjs/Keras checkpoints load into it unchanged.
 */
export class TorchBatchNorm extends tfl.layers.Layer implements StockConvertible {
  static className = 'TorchBatchNorm';
  readonly epsilon: number;
  /** Writable: precise batch norm (`settleBatchNormStatistics` in @gsa/trainer) sets it for one pass. */
  momentum: number;
  readonly gammaInit: 'ones' | 'zeros';
  private gamma?: tfl.LayerVariable;
  private beta?: tfl.LayerVariable;
  private movingMean?: tfl.LayerVariable;
  private movingVariance?: tfl.LayerVariable;

  constructor(args: TorchBatchNormArgs = {}) {
    super(args);
    this.epsilon = args.epsilon ?? 1e-5;
    this.momentum = args.momentum ?? 0.1;
    this.gammaInit = args.gammaInit ?? 'ones';
    this.supportsMasking = true;
  }

  override build(inputShape: LayerShape): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as (number | null)[];
    const channels = shape[shape.length - 1];
    if (channels == null) {
      throw new Error(`${this.name}: the channel (last) axis must have a known size.`);
    }
    this.gamma = this.addWeight(
      'gamma',
      [channels],
      'float32',
      this.gammaInit === 'zeros' ? tfl.initializers.zeros() : tfl.initializers.ones(),
    );
    this.beta = this.addWeight('beta', [channels], 'float32', tfl.initializers.zeros());
    this.movingMean = this.addWeight(
      'moving_mean',
      [channels],
      'float32',
      tfl.initializers.zeros(),
      undefined,
      false,
    );
    this.movingVariance = this.addWeight(
      'moving_variance',
      [channels],
      'float32',
      tfl.initializers.ones(),
      undefined,
      false,
    );
    this.built = true;
  }

  /** True when the layer, or its weights through the enclosing model, are frozen. */
  get frozen(): boolean {
    return !this.trainable || this.gamma?.trainable === false;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      const gamma = this.gamma!.read();
      const beta = this.beta!.read();
      if (kwargs['training'] !== true || this.frozen) {
        return tf.batchNorm(
          x,
          this.movingMean!.read(),
          this.movingVariance!.read(),
          beta,
          gamma,
          this.epsilon,
        );
      }
      const reductionAxes = x.shape.slice(0, -1).map((_, axis) => axis);
      const { mean, variance } = tf.moments(x, reductionAxes);
      const count = x.size / x.shape[x.rank - 1]!;
      this.updateRunningStatistics(mean, variance, count);
      return tf.batchNorm(x, mean, variance, beta, gamma, this.epsilon);
    });
  }

  private updateRunningStatistics(mean: tf.Tensor, variance: tf.Tensor, count: number): void {
    tf.tidy(() => {
      const keep = 1 - this.momentum;
      const unbiasedVariance = count > 1 ? tf.mul(variance, count / (count - 1)) : variance;
      this.movingMean!.write(
        tf.add(tf.mul(this.movingMean!.read(), keep), tf.mul(mean, this.momentum)),
      );
      this.movingVariance!.write(
        tf.add(tf.mul(this.movingVariance!.read(), keep), tf.mul(unbiasedVariance, this.momentum)),
      );
    });
  }

  /** At inference it is tfjs's BatchNormalization with the same epsilon and weights. */
  toStockLayers(): StockLayer[] {
    const config = { axis: -1, epsilon: this.epsilon, momentum: 1 - this.momentum };
    return [{ className: 'BatchNormalization', config: { ...config, center: true, scale: true } }];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      epsilon: this.epsilon,
      momentum: this.momentum,
      gammaInit: this.gammaInit,
    };
  }
}

tf.serialization.registerClass(TorchBatchNorm, 'gsa');
