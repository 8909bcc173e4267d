import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { applySpatialMap } from '@gsa/attention';

/** A batch-norm layer whose moving statistics follow a momentum. */
interface MomentumLayer {
  momentum: number;
  trainable: boolean;
}

interface BatchNormLayer {
  layer: MomentumLayer;
  /** tfjs/Keras keep `momentum` of the old statistics; PyTorch (gsa's TorchBatchNorm) takes `momentum` of the batch's. */
  sense: 'keras' | 'pytorch';
}

/** Every batch-norm layer in `model`, nested models included. */
export function batchNormLayers(model: LayersModel): BatchNormLayer[] {
  const found: BatchNormLayer[] = [];
  const visit = (layers: readonly { getClassName(): string }[]) => {
    for (const layer of layers) {
      const name = layer.getClassName();
      if (name === 'BatchNormalization') {
        found.push({ layer: layer as unknown as MomentumLayer, sense: 'keras' });
      } else if (name === 'TorchBatchNorm') {
        found.push({ layer: layer as unknown as MomentumLayer, sense: 'pytorch' });
      } else if ('layers' in layer && Array.isArray(layer.layers)) {
        visit(layer.layers as { getClassName(): string }[]);
      }
    }
  };
  visit(model.layers);
  return found;
}

/**
 * "Precise batch norm": sets every batch-norm layer's moving statistics to
 * the equally weighted average of its batch statistics over `passes` pass(es)
 * of `images` in training mode, with the current weights. During training the
 * moving statistics are an exponential average that lags the weights by tens
 * of steps (PyTorch's momentum 0.1), which in short, fast runs makes
 * inference-mode accuracy swing far from what the weights can do. It changes
 * nothing but those statistics (frozen layers keep theirs), so training is
 * unaffected; call it before evaluating or deploying.
 */
export async function settleBatchNormStatistics(
  backbone: LayersModel,
  images: tf.Tensor4D,
  map?: { height: number; width: number; values: Float32Array } | tf.Tensor4D,
  options: { passes?: number; batchSize?: number } = {},
): Promise<void> {
  const passes = options.passes ?? 1;
  const batchSize = options.batchSize ?? 32;
  if (!Number.isInteger(passes) || passes < 1)
    throw new RangeError(`passes must be a whole number of at least 1, got ${passes}.`);
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(`batchSize must be a whole number of at least 1, got ${batchSize}.`);
  const layers = batchNormLayers(backbone);
  if (layers.length === 0) return;
  const momenta = layers.map(({ layer }) => layer.momentum);
  const count = images.shape[0];
  const ownMap = map !== undefined && !(map instanceof tf.Tensor);
  const mapTensor = ownMap
    ? tf.tensor4d(map.values, [1, map.height, map.width, 1])
    : (map as tf.Tensor4D | undefined);
  try {
    let batches = 0;
    for (let pass = 0; pass < passes; pass++) {
      for (let start = 0; start < count; start += batchSize) {
        // The k-th batch gets weight 1/(k+1): a running mean of the batch statistics.
        const weight = 1 / (batches + 1);
        for (const { layer, sense } of layers) {
          // A frozen Keras layer would still update in training mode: keep its statistics.
          const keep = sense === 'keras' && !layer.trainable ? 1 : 1 - weight;
          layer.momentum = sense === 'keras' ? keep : 1 - keep;
        }
        tf.tidy(() => {
          const batch = tf.slice(
            images,
            [start, 0, 0, 0],
            [Math.min(batchSize, count - start), -1, -1, -1],
          );
          backbone.apply(mapTensor ? applySpatialMap(batch, mapTensor) : batch, { training: true });
        });
        batches++;
      }
      await tf.nextFrame();
    }
  } finally {
    layers.forEach(({ layer }, index) => (layer.momentum = momenta[index]!));
    if (ownMap) mapTensor?.dispose();
  }
}
