import * as tf from '@tensorflow/tfjs-core';

/**
 * The hidden activation of the pixel CNN. The paper does not name one; `relu`
 * is the default. `leakyRelu` uses PyTorch's default slope (0.01), not tfjs's
 * (0.2), so that results stay comparable with a PyTorch reference.
 */
export type PixelCnnActivation =
  'relu' | 'leakyRelu' | 'elu' | 'selu' | 'tanh' | 'softplus' | 'swish' | 'linear';

const LEAKY_RELU_SLOPE = 0.01;

const ACTIVATIONS: Record<PixelCnnActivation, (x: tf.Tensor4D) => tf.Tensor4D> = {
  relu: (x) => tf.relu(x),
  leakyRelu: (x) => tf.leakyRelu(x, LEAKY_RELU_SLOPE),
  elu: (x) => tf.elu(x),
  selu: (x) => tf.selu(x),
  tanh: (x) => tf.tanh(x),
  softplus: (x) => tf.softplus(x),
  swish: (x) => tf.mul(x, tf.sigmoid(x)),
  linear: (x) => x,
};

/** Every accepted activation name. */
export const PIXEL_CNN_ACTIVATIONS = Object.keys(ACTIVATIONS) as PixelCnnActivation[];

export function isPixelCnnActivation(name: unknown): name is PixelCnnActivation {
  return typeof name === 'string' && Object.hasOwn(ACTIVATIONS, name);
}

export function applyActivation(name: PixelCnnActivation, x: tf.Tensor4D): tf.Tensor4D {
  return ACTIVATIONS[name](x);
}
