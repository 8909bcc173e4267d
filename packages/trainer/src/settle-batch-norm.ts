import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { applySpatialMap } from '@gsa/attention';

/**
 * "Precise batch norm": runs the training images through the backbone in
 * training mode, without updating any weight, until the batch-norm moving
 * statistics match the final weights. With PyTorch's momentum of 0.1 they lag
 * the weights by tens of steps, which in short, fast runs makes inference-mode
 * accuracy swing far from training-mode accuracy. Call it once after training,
 * before evaluating or deploying; it changes nothing but those statistics.
 */
export async function settleBatchNormStatistics(
  backbone: LayersModel,
  images: tf.Tensor4D,
  map?: { height: number; width: number; values: Float32Array },
  options: { passes?: number; batchSize?: number } = {},
): Promise<void> {
  const passes = options.passes ?? 20;
  const batchSize = options.batchSize ?? 32;
  const count = images.shape[0];
  const mapTensor = map ? tf.tensor4d(map.values, [1, map.height, map.width, 1]) : undefined;
  try {
    for (let pass = 0; pass < passes; pass++) {
      for (let start = 0; start < count; start += batchSize) {
        tf.tidy(() => {
          const batch = tf.slice(
            images,
            [start, 0, 0, 0],
            [Math.min(batchSize, count - start), -1, -1, -1],
          );
          backbone.apply(mapTensor ? applySpatialMap(batch, mapTensor) : batch, { training: true });
        });
      }
      await tf.nextFrame();
    }
  } finally {
    mapTensor?.dispose();
  }
}
