import * as tf from '@tensorflow/tfjs-core';

export interface VggStyleNetOptions {
  /** Square input size in pixels. Default 64. */
  inputSize?: number;
  inputChannels?: number;
  /** Output channels of each conv block (conv 3x3 + ReLU + 2x2 max pool). Default 32-64-128-128. */
  blocks?: number[];
  classes?: number;
  seed?: number;
}

/**
 * A small VGG-style classifier in plain tfjs-core ops, seeded so that every
 * backend starts from the same weights: the reference workload for backend
 * conformance and the training-step benchmark.
 */
export class VggStyleNet {
  readonly variables: tf.Variable[] = [];
  private readonly convs: { filter: tf.Variable; bias: tf.Variable }[] = [];
  private readonly dense: { weights: tf.Variable; bias: tf.Variable };

  constructor(options: VggStyleNetOptions = {}) {
    const { inputSize = 64, inputChannels = 3, blocks = [32, 64, 128, 128], classes = 3 } = options;
    let seed = options.seed ?? 0;
    let channels = inputChannels;
    let size = inputSize;
    for (const outChannels of blocks) {
      const limit = Math.sqrt(6 / (9 * channels)); // He uniform
      const filter = tf.variable(
        tf.randomUniform([3, 3, channels, outChannels], -limit, limit, 'float32', seed++),
      );
      const bias = tf.variable(tf.zeros([outChannels]));
      this.convs.push({ filter, bias });
      channels = outChannels;
      size = Math.floor(size / 2);
    }
    const features = size * size * channels;
    const limit = Math.sqrt(6 / (features + classes));
    this.dense = {
      weights: tf.variable(tf.randomUniform([features, classes], -limit, limit, 'float32', seed++)),
      bias: tf.variable(tf.zeros([classes])),
    };
    for (const { filter, bias } of this.convs) this.variables.push(filter, bias);
    this.variables.push(this.dense.weights, this.dense.bias);
  }

  predict(images: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => {
      let x: tf.Tensor4D = images;
      for (const { filter, bias } of this.convs) {
        x = tf.relu(tf.add(tf.conv2d(x, filter as tf.Tensor4D, 1, 'same'), bias)) as tf.Tensor4D;
        x = tf.maxPool(x, 2, 2, 'valid');
      }
      const flat = tf.reshape(x, [x.shape[0], -1]);
      return tf.add(tf.matMul(flat, this.dense.weights as tf.Tensor2D), this.dense.bias);
    });
  }

  /**
   * One optimiser step on softmax cross-entropy; resolves to the loss before
   * the step once the backend has finished it (async reads work on GPUs too).
   */
  async trainStep(
    optimizer: tf.Optimizer,
    images: tf.Tensor4D,
    oneHotLabels: tf.Tensor2D,
  ): Promise<number> {
    const loss = optimizer.minimize(
      () => tf.losses.softmaxCrossEntropy(oneHotLabels, this.predict(images)) as tf.Scalar,
      true,
      this.variables,
    );
    if (loss === null) throw new Error('The optimiser returned no loss.');
    const value = (await loss.data())[0]!;
    loss.dispose();
    return value;
  }

  dispose(): void {
    for (const variable of this.variables) variable.dispose();
  }
}

/** A seeded batch of random images and one-hot labels. */
export function randomBatch(
  batchSize: number,
  inputSize: number,
  classes: number,
  seed: number,
  inputChannels = 3,
): { images: tf.Tensor4D; labels: tf.Tensor2D } {
  return tf.tidy(() => {
    const images = tf.randomUniform(
      [batchSize, inputSize, inputSize, inputChannels],
      0,
      1,
      'float32',
      seed,
    ) as tf.Tensor4D;
    const classIndices = Array.from(
      { length: batchSize },
      (_, index) => (index * 7 + seed) % classes,
    );
    const labels = tf.cast(
      tf.oneHot(tf.tensor1d(classIndices, 'int32'), classes),
      'float32',
    ) as tf.Tensor2D;
    return { images, labels };
  });
}
