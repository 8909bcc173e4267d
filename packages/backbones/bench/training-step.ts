// One training step of a backbone as the benchmarks time it: forward in
// training mode (batch norm on batch statistics), softmax cross-entropy,
// backward and one update of every trainable weight.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/** A step over `images` (one-hot `labels`) that waits for the loss. */
export function trainingStep(
  model: tfl.LayersModel,
  images: tf.Tensor,
  labels: tf.Tensor,
  optimizer: tf.Optimizer,
): () => void {
  const variables = model.trainableWeights.map((weight) => weight.read() as tf.Variable);
  return () => {
    const loss = optimizer.minimize(
      () =>
        tf.losses.softmaxCrossEntropy(
          labels,
          model.apply(images, { training: true }) as tf.Tensor,
        ) as tf.Scalar,
      true,
      variables,
    );
    loss?.dataSync();
    loss?.dispose();
  };
}
