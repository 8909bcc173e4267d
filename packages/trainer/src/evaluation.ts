// Scoring after an epoch (inference mode, never touching training state), and
// precise batch norm before it.
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { applySpatialMap } from '@gsa/attention';
import { batchNormLayers, settleBatchNormStatistics } from './settle-batch-norm.js';
import type { LabelledImages } from './two-phase-options.js';

/** Precise batch norm on up to `limit` training images, evenly spaced through the set. */
export async function settleStatistics(
  backbone: LayersModel,
  images: tf.Tensor4D,
  map: tf.Tensor4D | undefined,
  limit: number,
  batchSize: number,
): Promise<void> {
  if (batchNormLayers(backbone).length === 0) return;
  const count = images.shape[0];
  const subset =
    count <= limit
      ? images
      : tf.tidy(() =>
          tf.gather(
            images,
            tf.tensor1d(
              Int32Array.from({ length: limit }, (_, i) => Math.floor((i * count) / limit)),
              'int32',
            ),
          ),
        );
  try {
    await settleBatchNormStatistics(backbone, subset, map, { batchSize });
  } finally {
    if (subset !== images) subset.dispose();
  }
}

export async function evaluate(
  backbone: LayersModel,
  data: LabelledImages,
  map: tf.Tensor4D | undefined,
  numClasses: number,
  batchSize: number,
): Promise<{ loss: number; accuracy: number }> {
  const count = data.images.shape[0];
  const labels = Int32Array.from(data.labels);
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < count; start += batchSize) {
    const end = Math.min(count, start + batchSize);
    const [loss, hits] = tf.tidy(() => {
      const images = tf.slice(data.images, [start, 0, 0, 0], [end - start, -1, -1, -1]);
      const attended = map ? applySpatialMap(images, map) : images;
      const logits = backbone.apply(attended, { training: false }) as tf.Tensor2D;
      const targets = tf.oneHot(tf.tensor1d(labels.subarray(start, end), 'int32'), numClasses);
      const ce = tf.losses.softmaxCrossEntropy(
        targets,
        logits,
        undefined,
        undefined,
        tf.Reduction.SUM,
      );
      const matches = tf.sum(
        tf.cast(
          tf.equal(tf.argMax(logits, 1), tf.tensor1d(labels.subarray(start, end), 'int32')),
          'float32',
        ),
      );
      return [ce, matches];
    });
    lossSum += (await loss.data())[0]!;
    correct += (await hits.data())[0]!;
    tf.dispose([loss, hits]);
  }
  return { loss: lossSum / count, accuracy: correct / count };
}
