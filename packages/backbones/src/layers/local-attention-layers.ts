import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Kwargs, LayerArguments, LayerShape } from './layer-types.js';

/** How compatibility scores become attention weights ("Learn to Pay Attention", eq. 2 and its sigmoid variant). */
export type AttentionNormalization = 'softmax' | 'sigmoid';

export interface SpatialAttentionNormalizationArgs extends LayerArguments {
  /** `'softmax'` over all positions of each image (weights sum to 1), or an independent `'sigmoid'` per position. */
  normalization: AttentionNormalization;
}

function firstInput(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return Array.isArray(inputs) ? inputs[0]! : inputs;
}

function shapeList(inputShape: LayerShape): tfl.Shape[] {
  return (Array.isArray(inputShape[0]) ? inputShape : [inputShape]) as tfl.Shape[];
}

/**
 * Turns compatibility scores `c` `[N, h, w, 1]` into an attention map of the
 * same shape: a softmax over the `h * w` positions of each image (Jetley et
 * al.'s default, so every map sums to 1) or a sigmoid per position.
 */
export class SpatialAttentionNormalization extends tfl.layers.Layer {
  static className = 'SpatialAttentionNormalization';
  readonly normalization: AttentionNormalization;

  constructor(args: SpatialAttentionNormalizationArgs) {
    super(args);
    if (args.normalization !== 'softmax' && args.normalization !== 'sigmoid') {
      throw new Error(
        `SpatialAttentionNormalization: normalization must be 'softmax' or 'sigmoid'; got '${String(args.normalization)}'.`,
      );
    }
    this.normalization = args.normalization;
  }

  override computeOutputShape(inputShape: LayerShape): tfl.Shape {
    return shapeList(inputShape)[0]!;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const scores = firstInput(inputs);
      if (this.normalization === 'sigmoid') return tf.sigmoid(scores);
      const [batch] = scores.shape;
      return tf.reshape(tf.softmax(tf.reshape(scores, [batch!, -1])), scores.shape);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), normalization: this.normalization };
  }
}

export interface AttentionWeightedPoolingArgs extends LayerArguments {
  /** `'sum'` of the weighted features (for softmax maps) or their `'mean'` (for sigmoid maps, as Jetley et al. pool them). */
  reduction: 'sum' | 'mean';
}

/**
 * The attended descriptor `g_a = sum_i a_i * l_i` of "Learn to Pay
 * Attention": inputs `[l, a]` (local features `[N, h, w, C]`, attention
 * `[N, h, w, 1]`), output `[N, C]`; `'mean'` divides by `h * w`.
 */
export class AttentionWeightedPooling extends tfl.layers.Layer {
  static className = 'AttentionWeightedPooling';
  readonly reduction: 'sum' | 'mean';

  constructor(args: AttentionWeightedPoolingArgs) {
    super(args);
    if (args.reduction !== 'sum' && args.reduction !== 'mean') {
      throw new Error(
        `AttentionWeightedPooling: reduction must be 'sum' or 'mean'; got '${String(args.reduction)}'.`,
      );
    }
    this.reduction = args.reduction;
  }

  override computeOutputShape(inputShape: LayerShape): tfl.Shape {
    const [features] = shapeList(inputShape);
    return [features![0] ?? null, features![3] ?? null];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      if (!Array.isArray(inputs) || inputs.length !== 2) {
        throw new Error('AttentionWeightedPooling takes two inputs: [features, attention].');
      }
      const weighted = tf.mul(inputs[0]!, inputs[1]!);
      return this.reduction === 'sum' ? tf.sum(weighted, [1, 2]) : tf.mean(weighted, [1, 2]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), reduction: this.reduction };
  }
}

export interface AlignedBilinearResizeArgs extends LayerArguments {
  /** Output height and width. */
  outputSize: [number, number];
}

/** `[outputSize, inputSize]` weights of a bilinear resize with `align_corners=True`. */
export function alignedBilinearWeights(inputSize: number, outputSize: number): Float32Array {
  const weights = new Float32Array(outputSize * inputSize);
  for (let row = 0; row < outputSize; row++) {
    const source = outputSize > 1 ? (row * (inputSize - 1)) / (outputSize - 1) : 0;
    const low = Math.min(Math.floor(source), inputSize - 1);
    const high = Math.min(low + 1, inputSize - 1);
    const fraction = source - low;
    weights[row * inputSize + low] = weights[row * inputSize + low]! + 1 - fraction;
    weights[row * inputSize + high] = weights[row * inputSize + high]! + fraction;
  }
  return weights;
}

/**
 * PyTorch's `nn.UpsamplingBilinear2d(size)` (bilinear, `align_corners=True`)
 * on NHWC tensors, the Residual Attention Network's mask upsampling. Built as
 * two products with constant interpolation matrices (one per axis) rather
 * than `tf.image.resizeBilinear`, because wasm has no gradient kernel for
 * the latter; the result is the same.
 */
export class AlignedBilinearResize extends tfl.layers.Layer {
  static className = 'AlignedBilinearResize';
  readonly outputSize: [number, number];

  constructor(args: AlignedBilinearResizeArgs) {
    super(args);
    const [height, width] = args.outputSize;
    if (!(Number.isInteger(height) && Number.isInteger(width) && height > 0 && width > 0)) {
      throw new Error(
        `AlignedBilinearResize: outputSize must be two positive integers, got ${JSON.stringify(args.outputSize)}.`,
      );
    }
    this.outputSize = [height, width];
  }

  override computeOutputShape(inputShape: LayerShape): tfl.Shape {
    const [shape] = shapeList(inputShape);
    return [shape![0] ?? null, this.outputSize[0], this.outputSize[1], shape![3] ?? null];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = firstInput(inputs) as tf.Tensor4D;
      const [batch, height, width, channels] = x.shape;
      const [outHeight, outWidth] = this.outputSize;
      if (height === outHeight && width === outWidth) return tf.clone(x);
      const rows = tf.tensor2d(alignedBilinearWeights(height, outHeight), [outHeight, height]);
      const columns = tf.tensor2d(alignedBilinearWeights(width, outWidth), [outWidth, width]);
      // Rows: [N, W, C, H] x [H, outH]; columns: [N, outH, C, W] x [W, outW].
      const rowsLast = tf.reshape(tf.transpose(x, [0, 2, 3, 1]), [-1, height]);
      const resizedRows = tf.matMul(rowsLast, rows, false, true);
      const columnsLast = tf.reshape(
        tf.transpose(tf.reshape(resizedRows, [batch, width, channels, outHeight]), [0, 3, 2, 1]),
        [-1, width],
      );
      const resized = tf.matMul(columnsLast, columns, false, true);
      return tf.transpose(
        tf.reshape(resized, [batch, outHeight, channels, outWidth]),
        [0, 1, 3, 2],
      );
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), outputSize: [...this.outputSize] };
  }
}

export interface ConstantPadding2DArgs extends LayerArguments {
  /** `[[top, bottom], [left, right]]`. */
  padding: [[number, number], [number, number]];
  /** The fill value. */
  value: number;
}

/**
 * Pads height and width with a constant. With the lowest float32 it gives
 * PyTorch's `-inf` padding of max pools on inputs that may be negative
 * (tfjs' `'same'` pools pad asymmetrically at stride 2).
 */
export class ConstantPadding2D extends tfl.layers.Layer {
  static className = 'ConstantPadding2D';
  readonly padding: [[number, number], [number, number]];
  readonly value: number;

  constructor(args: ConstantPadding2DArgs) {
    super(args);
    this.padding = [
      [args.padding[0][0], args.padding[0][1]],
      [args.padding[1][0], args.padding[1][1]],
    ];
    this.value = args.value;
  }

  override computeOutputShape(inputShape: LayerShape): tfl.Shape {
    const [shape] = shapeList(inputShape);
    const grow = (size: number | null | undefined, [before, after]: [number, number]) =>
      size == null ? null : size + before + after;
    return [
      shape![0] ?? null,
      grow(shape![1], this.padding[0]),
      grow(shape![2], this.padding[1]),
      shape![3] ?? null,
    ];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() =>
      tf.pad(firstInput(inputs), [[0, 0], this.padding[0], this.padding[1], [0, 0]], this.value),
    );
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      padding: this.padding.map((pair) => [...pair]),
      value: this.value,
    };
  }
}

/** The lowest finite float32: PyTorch's `-inf` padding without infinities in gradients. */
export const LOWEST_FLOAT32 = -3.4028234663852886e38;

tf.serialization.registerClass(SpatialAttentionNormalization, 'gsa');
tf.serialization.registerClass(AttentionWeightedPooling, 'gsa');
tf.serialization.registerClass(AlignedBilinearResize, 'gsa');
tf.serialization.registerClass(ConstantPadding2D, 'gsa');
