import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { StockConvertible, StockLayer } from '../model-tools/portable.js';
import type { Kwargs, LayerArguments, LayerShape } from './layer-types.js';

export interface AdaptiveAveragePooling2DArgs extends LayerArguments {
  /** Output height and width. */
  outputSize: [number, number];
}

/**
 * The bins of PyTorch's adaptive average pooling along one axis: output `i`
 * averages inputs `floor(i * n / m)` to `ceil((i + 1) * n / m) - 1`. Bins may
 * overlap, and when `m > n` an input feeds several outputs.
 */
export function adaptivePoolingBins(inputSize: number, outputSize: number): [number, number][] {
  return Array.from({ length: outputSize }, (_, index) => [
    Math.floor((index * inputSize) / outputSize),
    Math.ceil(((index + 1) * inputSize) / outputSize),
  ]);
}

/** `[outputSize, inputSize]`: row i holds 1 / binLength over bin i. */
function poolingMatrix(inputSize: number, outputSize: number): tf.Tensor2D {
  const values = new Float32Array(outputSize * inputSize);
  adaptivePoolingBins(inputSize, outputSize).forEach(([start, end], row) => {
    for (let column = start; column < end; column++) {
      values[row * inputSize + column] = 1 / (end - start);
    }
  });
  return tf.tensor2d(values, [outputSize, inputSize]);
}

/**
 * PyTorch's `nn.AdaptiveAvgPool2d(outputSize)` on NHWC tensors: VGG pools its
 * features to 7x7 and GoogLeNet's auxiliary heads to 4x4 with it, whatever
 * the input size, so torchvision's classifier weights fit. Identity when the
 * sizes already match, plain average pooling when they divide evenly, and
 * otherwise two products with constant bin matrices (one per axis), which
 * every backend can differentiate.
 */
export class AdaptiveAveragePooling2D extends tfl.layers.Layer implements StockConvertible {
  static className = 'AdaptiveAveragePooling2D';
  readonly outputSize: [number, number];

  constructor(args: AdaptiveAveragePooling2DArgs) {
    super(args);
    const [height, width] = args.outputSize;
    if (!(Number.isInteger(height) && Number.isInteger(width) && height > 0 && width > 0)) {
      throw new Error(
        `AdaptiveAveragePooling2D: outputSize must be two positive integers, got ${JSON.stringify(args.outputSize)}.`,
      );
    }
    this.outputSize = [height, width];
  }

  override computeOutputShape(inputShape: LayerShape): tfl.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    return [shape[0] ?? null, this.outputSize[0], this.outputSize[1], shape[3] ?? null];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0]! : inputs) as tf.Tensor4D;
      const [batch, height, width, channels] = x.shape;
      const [outHeight, outWidth] = this.outputSize;
      if (height === outHeight && width === outWidth) return tf.clone(x);
      if (height % outHeight === 0 && width % outWidth === 0) {
        const window: [number, number] = [height / outHeight, width / outWidth];
        return tf.avgPool(x, window, window, 'valid');
      }
      // Pool the rows: [N, W, C, H] x [H, outH] -> [N, W, C, outH].
      const rowsLast = tf.reshape(tf.transpose(x, [0, 2, 3, 1]), [-1, height]);
      const pooledRows = tf.matMul(rowsLast, poolingMatrix(height, outHeight), false, true);
      // Pool the columns: [N, outH, C, W] x [W, outW] -> [N, outH, C, outW].
      const columnsLast = tf.reshape(
        tf.transpose(tf.reshape(pooledRows, [batch, width, channels, outHeight]), [0, 3, 2, 1]),
        [-1, width],
      );
      const pooled = tf.matMul(columnsLast, poolingMatrix(width, outWidth), false, true);
      return tf.transpose(tf.reshape(pooled, [batch, outHeight, channels, outWidth]), [0, 1, 3, 2]);
    });
  }

  /**
   * For its input size: an AveragePooling2D when the sizes divide (a 1x1 one,
   * an identity, when they are equal), or otherwise a 1x1 AveragePooling2D
   * followed by the two bin-matrix products of `call` as bias-free Dense
   * layers over the rows and then the columns, between Permutes. The leading
   * pool keeps the layer's place as its backbone's last pool (`featureLayerName`).
   */
  toStockLayers(inputShape: tfl.Shape): StockLayer[] {
    const [, height, width] = inputShape;
    if (height == null || width == null) {
      throw new Error(`${this.name}: a stock form needs a known input height and width.`);
    }
    const [outHeight, outWidth] = this.outputSize;
    const averagePooling = (window: number[]): StockLayer => ({
      className: 'AveragePooling2D',
      config: {
        pool_size: window,
        strides: window,
        padding: 'valid',
        data_format: 'channels_last',
      },
    });
    if (height % outHeight === 0 && width % outWidth === 0) {
      return [averagePooling([height / outHeight, width / outWidth])];
    }
    const pool = (units: number, input: number, suffix: string): StockLayer => ({
      className: 'Dense',
      config: { units, use_bias: false, activation: 'linear' },
      suffix,
      weights: [tf.tidy(() => tf.transpose(poolingMatrix(input, units)))],
    });
    return [
      averagePooling([1, 1]),
      { className: 'Permute', config: { dims: [2, 3, 1] }, suffix: 'rows_last' }, // [N, W, C, H]
      pool(outHeight, height, 'rows'),
      { className: 'Permute', config: { dims: [3, 2, 1] }, suffix: 'columns_last' }, // [N, outH, C, W]
      pool(outWidth, width, 'columns'),
      { className: 'Permute', config: { dims: [1, 3, 2] }, suffix: 'image' }, // [N, outH, outW, C]
    ];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), outputSize: [...this.outputSize] };
  }
}

tf.serialization.registerClass(AdaptiveAveragePooling2D, 'gsa');
