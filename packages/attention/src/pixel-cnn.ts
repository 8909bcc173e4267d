// The pixel CNN M of the paper, as plain functions: its options, its weights
// and the map it computes. The layers hold the same weights as LayerVariables
// and call `pixelCnnMap`, so the functional and layer forms cannot drift apart.
import * as tf from '@tensorflow/tfjs-core';
import { initializers } from '@tensorflow/tfjs-layers';
import {
  PIXEL_CNN_ACTIVATIONS,
  applyActivation,
  isPixelCnnActivation,
  type PixelCnnActivation,
} from './activations.js';

/**
 * How the conv weights start.
 * - `pytorch` (default): PyTorch's `nn.Conv2d` default, kernel and bias both
 *   uniform in +-1/sqrt(fan_in). The paper and gsa's reference implementation
 *   are PyTorch, so this keeps their starting point.
 * - `glorot`: the tfjs-layers / Keras default, Glorot-uniform kernel, zero bias.
 */
/** How the pixel CNN's weights start: PyTorch's default (uniform in +-1/sqrt(fan_in), with bias) or Glorot. */
export const PIXEL_CNN_INITIALIZATIONS = ['pytorch', 'glorot'] as const;
export type PixelCnnInitialization = (typeof PIXEL_CNN_INITIALIZATIONS)[number];

export interface PixelCnnOptions {
  /** K: channels of each hidden conv. Default 32 (the paper tries 32-256). */
  channels?: number;
  /** Side of the hidden convs' square kernels, odd. Default 3. */
  kernelSize?: number;
  /** Hidden conv layers (each followed by the activation). Default 1, as in the paper. */
  hiddenLayers?: number;
  /** Activation after each hidden conv. Default `relu`. */
  activation?: PixelCnnActivation;
  /** Weight initialisation. Default `pytorch`. */
  initialization?: PixelCnnInitialization;
  /** Seed of the initial weights (weight i uses seed + i); random when absent. */
  seed?: number;
}

export type ResolvedPixelCnnOptions = Required<Omit<PixelCnnOptions, 'seed'>> & {
  seed: number | undefined;
};

/** One convolution's parameters: kernel `[k, k, in, out]` and bias `[out]`. */
export interface ConvWeights<T extends tf.Tensor = tf.Tensor> {
  kernel: T;
  bias: T;
}

/** The pixel CNN's parameters: the hidden convs in order, then the 1x1 output conv. */
export interface PixelCnnWeights<T extends tf.Tensor = tf.Tensor> {
  hidden: ConvWeights<T>[];
  output: ConvWeights<T>;
}

type Initializer = ReturnType<typeof initializers.ones>;

/** Name, shape and initialiser of one pixel-CNN weight, in the layers' weight order. */
export interface PixelCnnWeightSpec {
  name: string;
  shape: number[];
  initializer: Initializer;
}

function positiveInteger(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`${what} must be a positive integer, got ${value}.`);
  }
  return value;
}

/** Fills in the defaults and rejects impossible options with a message that says why. */
export function resolvePixelCnnOptions(options: PixelCnnOptions = {}): ResolvedPixelCnnOptions {
  const {
    channels = 32,
    kernelSize = 3,
    hiddenLayers = 1,
    activation = 'relu',
    initialization = 'pytorch',
    seed,
  } = options;
  positiveInteger(channels, 'channels');
  positiveInteger(hiddenLayers, 'hiddenLayers');
  if (positiveInteger(kernelSize, 'kernelSize') % 2 === 0) {
    // An even kernel with 'same' padding shifts the map by half a pixel.
    throw new RangeError(`kernelSize must be odd, got ${kernelSize}.`);
  }
  if (!isPixelCnnActivation(activation)) {
    throw new RangeError(
      `Unknown activation '${String(activation)}'. Choose one of: ${PIXEL_CNN_ACTIVATIONS.join(', ')}.`,
    );
  }
  if (initialization !== 'pytorch' && initialization !== 'glorot') {
    throw new RangeError(
      `initialization must be 'pytorch' or 'glorot', got '${String(initialization)}'.`,
    );
  }
  if (seed !== undefined && !Number.isFinite(seed)) {
    throw new RangeError(`seed must be a finite number, got ${seed}.`);
  }
  return { channels, kernelSize, hiddenLayers, activation, initialization, seed };
}

function convWeightSpecs(
  prefix: string,
  kernelShape: [number, number, number, number],
  initialization: PixelCnnInitialization,
  kernelSeed: number | undefined,
  biasSeed: number | undefined,
): PixelCnnWeightSpec[] {
  const [height, width, inChannels, outChannels] = kernelShape;
  if (initialization === 'glorot') {
    return [
      {
        name: `${prefix}/kernel`,
        shape: kernelShape,
        initializer: initializers.glorotUniform({ seed: kernelSeed }),
      },
      { name: `${prefix}/bias`, shape: [outChannels], initializer: initializers.zeros() },
    ];
  }
  // PyTorch: kaiming_uniform(a=sqrt(5)) is U(+-1/sqrt(fan_in)), i.e. variance
  // scaling with scale 1/3; its bias is U(+-1/sqrt(fan_in)) too.
  const bound = 1 / Math.sqrt(height * width * inChannels);
  return [
    {
      name: `${prefix}/kernel`,
      shape: kernelShape,
      initializer: initializers.varianceScaling({
        scale: 1 / 3,
        mode: 'fanIn',
        distribution: 'uniform',
        seed: kernelSeed,
      }),
    },
    {
      name: `${prefix}/bias`,
      shape: [outChannels],
      initializer: initializers.randomUniform({ minval: -bound, maxval: bound, seed: biasSeed }),
    },
  ];
}

/**
 * The pixel CNN's weights for a pixel representation of `pixelChannels`
 * channels (D = N*C for the exact one, r for a low-rank basis), in order:
 * `conv1/kernel`, `conv1/bias`, ..., `output/kernel`, `output/bias`.
 */
export function pixelCnnWeightSpecs(
  pixelChannels: number,
  options: PixelCnnOptions = {},
): PixelCnnWeightSpec[] {
  positiveInteger(pixelChannels, 'pixelChannels');
  const { channels, kernelSize, hiddenLayers, initialization, seed } =
    resolvePixelCnnOptions(options);
  const seedAt = (index: number): number | undefined =>
    seed === undefined ? undefined : seed + index;
  const specs: PixelCnnWeightSpec[] = [];
  for (let layer = 0; layer < hiddenLayers; layer++) {
    const inChannels = layer === 0 ? pixelChannels : channels;
    specs.push(
      ...convWeightSpecs(
        `conv${layer + 1}`,
        [kernelSize, kernelSize, inChannels, channels],
        initialization,
        seedAt(2 * layer),
        seedAt(2 * layer + 1),
      ),
    );
  }
  specs.push(
    ...convWeightSpecs(
      'output',
      [1, 1, channels, 1],
      initialization,
      seedAt(2 * hiddenLayers),
      seedAt(2 * hiddenLayers + 1),
    ),
  );
  return specs;
}

/** Groups a flat weight list (in `pixelCnnWeightSpecs` order) into hidden and output convs. */
export function groupPixelCnnWeights<T extends tf.Tensor>(flat: readonly T[]): PixelCnnWeights<T> {
  if (flat.length < 4 || flat.length % 2 !== 0) {
    throw new RangeError(`Expected kernel/bias pairs for at least two convs, got ${flat.length}.`);
  }
  const convs: ConvWeights<T>[] = [];
  for (let index = 0; index < flat.length; index += 2) {
    convs.push({ kernel: flat[index]!, bias: flat[index + 1]! });
  }
  const output = convs.pop()!;
  return { hidden: convs, output };
}

/** Fresh trainable variables for the functional form `pixelCnnMap`. */
export function createPixelCnnVariables(
  pixelChannels: number,
  options: PixelCnnOptions = {},
): PixelCnnWeights<tf.Variable> {
  const flat = pixelCnnWeightSpecs(pixelChannels, options).map(({ shape, initializer }) =>
    tf.tidy(() => tf.variable(initializer.apply(shape, 'float32'))),
  );
  return groupPixelCnnWeights(flat);
}

/**
 * Parameter count of the pixel CNN. Default options (one 3x3 hidden conv):
 * `K*(9*D + 1) + (K + 1)`, the paper's count.
 */
export function pixelCnnParameterCount(
  pixelChannels: number,
  options: PixelCnnOptions = {},
): number {
  return pixelCnnWeightSpecs(pixelChannels, options).reduce(
    (total, { shape }) => total + shape.reduce((product, side) => product * side, 1),
    0,
  );
}

/**
 * The functional form of the pixel CNN: `sigmoid(conv1x1(act(conv(P))))` with
 * stride 1 and same (zero) padding. `pixels` is `[1, H, W, D]` (or a batch of
 * pixel representations); the result is the map `[1, H, W, 1]` in [0, 1].
 */
export function pixelCnnMap(
  pixels: tf.Tensor4D,
  weights: PixelCnnWeights,
  activation: PixelCnnActivation = 'relu',
): tf.Tensor4D {
  if (pixels.rank !== 4) {
    throw new RangeError(`The pixel representation must be [1, H, W, D], got [${pixels.shape}].`);
  }
  const firstKernel = weights.hidden[0]?.kernel ?? weights.output.kernel;
  if (firstKernel.shape[2] !== pixels.shape[3]) {
    throw new RangeError(
      `The pixel representation has ${pixels.shape[3]} channels but the first conv expects ${firstKernel.shape[2]}.`,
    );
  }
  return tf.tidy(() => {
    let features = pixels;
    for (const { kernel, bias } of weights.hidden) {
      const convolved = tf.conv2d(features, kernel as tf.Tensor4D, 1, 'same');
      features = applyActivation(activation, tf.add(convolved, bias));
    }
    const logits = tf.add(
      tf.conv2d(features, weights.output.kernel as tf.Tensor4D, 1, 'same'),
      weights.output.bias,
    );
    return tf.sigmoid(logits) as tf.Tensor4D;
  });
}

/**
 * The first-layer kernel for a low-rank pixel representation. If the exact
 * representation is `P = B·A` (per pixel, `P[..., d] = sum_j B[..., j] * A[j, d]`),
 * with `B` the `[1, H, W, r]` basis (eigen-images) and `A` the `[r, D]`
 * coefficients, then the first conv is linear in P and
 * `conv(P, W) = conv(B, W·A)` where `(W·A)[u, v, j, k] = sum_d A[j, d] * W[u, v, d, k]`.
 * So the pixel CNN on B with this kernel gives the same map as on P with W,
 * at a cost independent of N.
 */
export function kernelForLowRank(kernel: tf.Tensor4D, coefficients: tf.Tensor2D): tf.Tensor4D {
  const [height, width, inChannels, outChannels] = kernel.shape;
  const [rank, coefficientChannels] = coefficients.shape;
  if (coefficientChannels !== inChannels) {
    throw new RangeError(
      `The coefficients map ${coefficientChannels} channels but the kernel takes ${inChannels}.`,
    );
  }
  return tf.tidy(() => {
    // [D, k*k*K], mix the D input channels, then back to [k, k, r, K].
    const byInput = tf.reshape(tf.transpose(kernel, [2, 0, 1, 3]), [inChannels, -1]);
    const mixed = tf.matMul(coefficients, byInput);
    return tf.transpose(tf.reshape(mixed, [rank, height, width, outChannels]), [1, 2, 0, 3]);
  });
}
