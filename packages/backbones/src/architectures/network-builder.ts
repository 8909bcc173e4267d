import * as tfl from '@tensorflow/tfjs-layers';
import { AdaptiveAveragePooling2D } from '../layers/adaptive-average-pooling.js';
import { FixedChannelAffine } from '../layers/fixed-channel-affine.js';
import { ConstantPadding2D, LOWEST_FLOAT32 } from '../layers/local-attention-layers.js';
import { TorchBatchNorm } from '../layers/torch-batch-norm.js';
import type { WeightInit } from '../types.js';

type SymbolicTensor = tfl.SymbolicTensor;
type Initializer = ReturnType<typeof tfl.initializers.zeros>;

/** How a convolution or dense kernel starts, in PyTorch's terms. */
export type KernelInit =
  /** `nn.init.kaiming_normal_(w, mode, nonlinearity='relu')`: N(0, 2 / fan). */
  | { kind: 'kaimingNormal'; mode: 'fanIn' | 'fanOut' }
  /** N(0, stddev). */
  | { kind: 'normal'; stddev: number }
  /** PyTorch's own `reset_parameters` of nn.Conv2d / nn.Linear: U(+-1/sqrt(fan_in)). */
  | { kind: 'torchDefault' }
  /** Keras' default (glorot uniform), for networks that come from Keras. */
  | { kind: 'glorotUniform' };

/** How a bias starts: zeros, or PyTorch's default U(+-1/sqrt(fan_in)). */
export type BiasInit = 'zeros' | 'torchDefault';

export interface Conv2dSpec {
  name: string;
  filters: number;
  /** A square size, or `[height, width]` (then without padding). */
  kernelSize: number | [number, number];
  stride?: number;
  /** PyTorch's symmetric zero padding in pixels, or TensorFlow's `'same'` (for Keras-born nets). */
  padding?: number | 'same';
  bias?: boolean;
  kernelInit: KernelInit;
  biasInit?: BiasInit;
}

export interface MaxPool2dSpec {
  name: string;
  kernelSize: number;
  stride: number;
  padding?: number;
  ceilMode?: boolean;
  /**
   * The input is a ReLU output. Then padding with zeros equals PyTorch's
   * padding with -infinity (every window holds a real value >= 0), which is
   * how pools whose padding tfjs cannot express are built.
   */
  inputIsNonNegative?: boolean;
  /**
   * Pad with the lowest float32 (a `ConstantPadding2D` layer): PyTorch's
   * -infinity padding for inputs that may be negative.
   */
  padWithLowest?: boolean;
}

/** PyTorch's output size of a pooling window (`nn.MaxPool2d`, `ceil_mode` included). */
export function torchPoolOutputSize(
  size: number,
  kernelSize: number,
  stride: number,
  padding: number,
  ceilMode: boolean,
): number {
  const span = size + 2 * padding - kernelSize;
  let out = (ceilMode ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  // PyTorch: the last window must start inside the input or its left padding.
  if (ceilMode && (out - 1) * stride >= size + padding) out -= 1;
  return out;
}

function spatialShape(x: SymbolicTensor): [number, number, number] {
  const [, height, width, channels] = x.shape;
  if (height == null || width == null || channels == null) {
    throw new Error(`gsa backbones need a fixed input size; got shape ${JSON.stringify(x.shape)}.`);
  }
  return [height, width, channels];
}

/**
 * Builds a tfjs functional model with PyTorch's layer semantics: explicit
 * symmetric padding (tfjs' `'same'` pads stride-2 layers asymmetrically),
 * `ceil_mode` pooling, channel-first flattening, PyTorch-style batch norm and
 * PyTorch-style initial weights, each layer named after its torchvision
 * module so that state_dict keys map onto it.
 */
export class NetworkBuilder {
  private initializerCount = 0;

  constructor(private readonly settings: { seed?: number; weightInit?: WeightInit }) {}

  input(shape: [number, number, number]): SymbolicTensor {
    for (const size of shape) {
      if (!Number.isInteger(size) || size <= 0) {
        throw new Error(
          `inputShape must be three positive integers [H, W, C]; got ${JSON.stringify(shape)}.`,
        );
      }
    }
    return tfl.input({ shape, name: 'input' });
  }

  private nextSeed(): number | undefined {
    const seed = this.settings.seed;
    this.initializerCount += 1;
    return seed === undefined ? undefined : seed * 10_007 + this.initializerCount;
  }

  private kernelInitializer(init: KernelInit, fanIn: number, fanOut: number): Initializer {
    if (this.settings.weightInit === 'none') return tfl.initializers.zeros();
    const seed = this.nextSeed();
    switch (init.kind) {
      case 'kaimingNormal': {
        const fan = init.mode === 'fanIn' ? fanIn : fanOut;
        return tfl.initializers.randomNormal({ mean: 0, stddev: Math.sqrt(2 / fan), seed });
      }
      case 'normal':
        return tfl.initializers.randomNormal({ mean: 0, stddev: init.stddev, seed });
      case 'torchDefault': {
        const bound = 1 / Math.sqrt(fanIn);
        return tfl.initializers.randomUniform({ minval: -bound, maxval: bound, seed });
      }
      case 'glorotUniform':
        return tfl.initializers.glorotUniform({ seed });
    }
  }

  private biasInitializer(init: BiasInit, fanIn: number): Initializer {
    if (this.settings.weightInit === 'none' || init === 'zeros') return tfl.initializers.zeros();
    const bound = 1 / Math.sqrt(fanIn);
    return tfl.initializers.randomUniform({ minval: -bound, maxval: bound, seed: this.nextSeed() });
  }

  /** Zero padding: `[[top, bottom], [left, right]]`. */
  zeroPad(
    x: SymbolicTensor,
    name: string,
    padding: [[number, number], [number, number]],
  ): SymbolicTensor {
    return tfl.layers.zeroPadding2d({ padding, name }).apply(x) as SymbolicTensor;
  }

  /** `nn.Conv2d` (square kernel, symmetric padding) or a Keras `Conv2D`. */
  conv2d(x: SymbolicTensor, spec: Conv2dSpec): SymbolicTensor {
    const { name, filters, kernelSize, stride = 1, padding = 0, bias = false } = spec;
    const [, , inChannels] = spatialShape(x);
    const [kernelHeight, kernelWidth] =
      typeof kernelSize === 'number' ? [kernelSize, kernelSize] : kernelSize;
    const fanIn = inChannels * kernelHeight * kernelWidth;
    const fanOut = filters * kernelHeight * kernelWidth;
    if (kernelHeight !== kernelWidth && padding !== 0) {
      throw new Error(`${name}: a non-square kernel takes no padding.`);
    }
    const [input, tfPadding] = this.explicitPadding(x, name, kernelHeight, stride, padding);
    return tfl.layers
      .conv2d({
        name,
        filters,
        kernelSize: [kernelHeight, kernelWidth],
        strides: stride,
        padding: tfPadding,
        useBias: bias,
        kernelInitializer: this.kernelInitializer(spec.kernelInit, fanIn, fanOut),
        biasInitializer: this.biasInitializer(spec.biasInit ?? 'zeros', fanIn),
      })
      .apply(input) as SymbolicTensor;
  }

  /** A Keras `DepthwiseConv2D` (MobileNet). */
  depthwiseConv2d(
    x: SymbolicTensor,
    spec: { name: string; kernelSize: number; stride?: number; depthMultiplier?: number },
  ): SymbolicTensor {
    const [, , channels] = spatialShape(x);
    const multiplier = spec.depthMultiplier ?? 1;
    const area = spec.kernelSize * spec.kernelSize;
    return tfl.layers
      .depthwiseConv2d({
        name: spec.name,
        kernelSize: spec.kernelSize,
        strides: spec.stride ?? 1,
        padding: 'same',
        depthMultiplier: multiplier,
        useBias: false,
        depthwiseInitializer: this.kernelInitializer(
          { kind: 'glorotUniform' },
          area,
          area * multiplier * channels,
        ),
      })
      .apply(x) as SymbolicTensor;
  }

  /**
   * tfjs knows only `'valid'` and `'same'`, and `'same'` is symmetric only at
   * stride 1; any other PyTorch padding becomes a ZeroPadding2D layer.
   */
  private explicitPadding(
    x: SymbolicTensor,
    name: string,
    kernelSize: number,
    stride: number,
    padding: number | 'same',
  ): [SymbolicTensor, 'valid' | 'same'] {
    if (padding === 'same') return [x, 'same'];
    if (padding === 0) return [x, 'valid'];
    if (stride === 1 && kernelSize % 2 === 1 && padding * 2 === kernelSize - 1) return [x, 'same'];
    return [
      this.zeroPad(x, `${name}_pad`, [
        [padding, padding],
        [padding, padding],
      ]),
      'valid',
    ];
  }

  batchNorm(
    x: SymbolicTensor,
    name: string,
    options: { epsilon?: number; momentum?: number; gammaInit?: 'ones' | 'zeros' } = {},
  ): SymbolicTensor {
    return new TorchBatchNorm({ name, ...options }).apply(x) as SymbolicTensor;
  }

  relu(x: SymbolicTensor, name: string): SymbolicTensor {
    return tfl.layers.activation({ activation: 'relu', name }).apply(x) as SymbolicTensor;
  }

  sigmoid(x: SymbolicTensor, name: string): SymbolicTensor {
    return tfl.layers.activation({ activation: 'sigmoid', name }).apply(x) as SymbolicTensor;
  }

  /** Elementwise product (broadcasting). */
  multiply(inputs: SymbolicTensor[], name: string): SymbolicTensor {
    return tfl.layers.multiply({ name }).apply([...inputs]) as SymbolicTensor;
  }

  relu6(x: SymbolicTensor, name: string): SymbolicTensor {
    return tfl.layers.activation({ activation: 'relu6', name }).apply(x) as SymbolicTensor;
  }

  /** `nn.MaxPool2d` with PyTorch's padding and `ceil_mode`. */
  maxPool2d(x: SymbolicTensor, spec: MaxPool2dSpec): SymbolicTensor {
    const { name, kernelSize, stride, padding = 0, ceilMode = false } = spec;
    const [height, width] = spatialShape(x);
    const outHeight = torchPoolOutputSize(height, kernelSize, stride, padding, ceilMode);
    const outWidth = torchPoolOutputSize(width, kernelSize, stride, padding, ceilMode);
    if (outHeight < 1 || outWidth < 1) {
      throw new Error(`${name}: the input (${height}x${width}) is too small for this network.`);
    }
    // Rows past the bottom/right edge that ceil_mode windows reach.
    const extraHeight = Math.max(0, (outHeight - 1) * stride + kernelSize - (height + 2 * padding));
    const extraWidth = Math.max(0, (outWidth - 1) * stride + kernelSize - (width + 2 * padding));
    let input = x;
    let tfPadding: 'valid' | 'same' = 'valid';
    if (padding > 0 || extraHeight > 0 || extraWidth > 0) {
      const symmetricSame = stride === 1 && kernelSize % 2 === 1 && padding * 2 === kernelSize - 1;
      if (symmetricSame && extraHeight === 0 && extraWidth === 0) {
        tfPadding = 'same'; // tfjs ignores padded cells: PyTorch's -infinity padding
      } else if (spec.inputIsNonNegative) {
        input = this.zeroPad(x, `${name}_pad`, [
          [padding, padding + extraHeight],
          [padding, padding + extraWidth],
        ]);
      } else if (spec.padWithLowest) {
        input = new ConstantPadding2D({
          name: `${name}_pad`,
          padding: [
            [padding, padding + extraHeight],
            [padding, padding + extraWidth],
          ],
          value: LOWEST_FLOAT32,
        }).apply(x) as SymbolicTensor;
      } else {
        throw new Error(
          `${name}: this pooling needs a non-negative input (a ReLU output) or padWithLowest.`,
        );
      }
    }
    const output = tfl.layers
      .maxPooling2d({ name, poolSize: kernelSize, strides: stride, padding: tfPadding })
      .apply(input) as SymbolicTensor;
    if (output.shape[1] !== outHeight || output.shape[2] !== outWidth) {
      throw new Error(
        `${name}: built ${output.shape[1]}x${output.shape[2]}, PyTorch gives ${outHeight}x${outWidth}.`,
      );
    }
    return output;
  }

  /** `nn.AvgPool2d(kernelSize, stride)` without padding. */
  avgPool2d(x: SymbolicTensor, name: string, kernelSize: number, stride: number): SymbolicTensor {
    return tfl.layers
      .averagePooling2d({ name, poolSize: kernelSize, strides: stride, padding: 'valid' })
      .apply(x) as SymbolicTensor;
  }

  /** `nn.AdaptiveAvgPool2d(1)` followed by `torch.flatten(x, 1)`: `[N, C]`. */
  globalAveragePool(x: SymbolicTensor, name: string): SymbolicTensor {
    return tfl.layers.globalAveragePooling2d({ name }).apply(x) as SymbolicTensor;
  }

  /** `nn.AdaptiveAvgPool2d((height, width))`. */
  adaptiveAveragePool(
    x: SymbolicTensor,
    name: string,
    outputSize: [number, number],
  ): SymbolicTensor {
    return new AdaptiveAveragePooling2D({ name, outputSize }).apply(x) as SymbolicTensor;
  }

  /**
   * `torch.flatten(x, 1)` on an NCHW tensor: the features in channel-major
   * order, so that torchvision's classifier weights fit without reordering.
   */
  flattenChannelsFirst(x: SymbolicTensor, name: string): SymbolicTensor {
    const channelsFirst = tfl.layers.permute({ dims: [3, 1, 2], name: `${name}_nchw` }).apply(x);
    return tfl.layers.flatten({ name }).apply(channelsFirst) as SymbolicTensor;
  }

  /** `nn.Linear`. */
  dense(
    x: SymbolicTensor,
    spec: { name: string; units: number; kernelInit: KernelInit; biasInit?: BiasInit },
  ): SymbolicTensor {
    const fanIn = x.shape[x.shape.length - 1];
    if (fanIn == null) throw new Error(`${spec.name}: the input size must be known.`);
    return tfl.layers
      .dense({
        name: spec.name,
        units: spec.units,
        kernelInitializer: this.kernelInitializer(spec.kernelInit, fanIn, spec.units),
        biasInitializer: this.biasInitializer(spec.biasInit ?? 'zeros', fanIn),
      })
      .apply(x) as SymbolicTensor;
  }

  /** `nn.Dropout(rate)`, seeded when the network is. */
  dropout(x: SymbolicTensor, name: string, rate: number): SymbolicTensor {
    const seed = this.nextSeed();
    return tfl.layers
      .dropout({ name, rate, ...(seed === undefined ? {} : { seed }) })
      .apply(x) as SymbolicTensor;
  }

  add(inputs: SymbolicTensor[], name: string): SymbolicTensor {
    return tfl.layers.add({ name }).apply([...inputs]) as SymbolicTensor;
  }

  /** `torch.cat(inputs, 1)`; one input passes through unchanged, as in PyTorch. */
  concatenate(inputs: SymbolicTensor[], name: string): SymbolicTensor {
    if (inputs.length === 1) return inputs[0]!;
    // A copy: tfjs keeps the array as the node's inputs, and callers keep appending to theirs.
    return tfl.layers.concatenate({ axis: -1, name }).apply([...inputs]) as SymbolicTensor;
  }

  channelAffine(
    x: SymbolicTensor,
    name: string,
    scale: number[],
    offset: number[],
  ): SymbolicTensor {
    return new FixedChannelAffine({ name, scale, offset }).apply(x) as SymbolicTensor;
  }

  reshape(x: SymbolicTensor, name: string, targetShape: number[]): SymbolicTensor {
    return tfl.layers.reshape({ name, targetShape }).apply(x) as SymbolicTensor;
  }

  model(input: SymbolicTensor, outputs: SymbolicTensor[], name: string): tfl.LayersModel {
    return tfl.model({
      inputs: input,
      outputs: outputs.length === 1 ? outputs[0]! : outputs,
      name,
    });
  }
}
