// Applying a spatial map to images, and its L1 penalty: shared by every layer.
import * as tf from '@tensorflow/tfjs-core';

/**
 * Reshapes a map given as `[H, W]`, `[H, W, 1]` or `[1, H, W, 1]` to
 * `[1, H, W, 1]`, the shape that broadcasts over a batch `[B, H, W, C]`.
 */
export function asBroadcastMap(map: tf.Tensor): tf.Tensor4D {
  const shape = map.shape;
  const isMap =
    shape.length === 2 ||
    (shape.length === 3 && shape[2] === 1) ||
    (shape.length === 4 && shape[0] === 1 && shape[3] === 1);
  if (!isMap) {
    throw new RangeError(`A spatial map is [H, W], [H, W, 1] or [1, H, W, 1], got [${shape}].`);
  }
  const height = shape.length === 4 ? shape[1]! : shape[0]!;
  const width = shape.length === 4 ? shape[2]! : shape[1]!;
  return map.rank === 4 ? (map as tf.Tensor4D) : tf.reshape(map, [1, height, width, 1]);
}

/**
 * `images * map`, the map broadcast over the batch and the channels:
 * `X_i * M(P)` of the paper. `images` is `[B, H, W, C]`; `map` is `[H, W]`,
 * `[H, W, 1]` or `[1, H, W, 1]` with the same H and W.
 */
export function applySpatialMap(images: tf.Tensor4D, map: tf.Tensor): tf.Tensor4D {
  if (images.rank !== 4) {
    throw new RangeError(`Images must be [B, H, W, C], got [${images.shape}].`);
  }
  return tf.tidy(() => {
    const broadcast = asBroadcastMap(map);
    const [, mapHeight, mapWidth] = broadcast.shape;
    const [, height, width] = images.shape;
    if (mapHeight !== height || mapWidth !== width) {
      throw new RangeError(
        `The map is ${mapHeight}x${mapWidth} but the images are ${height}x${width}.`,
      );
    }
    return tf.mul(images, broadcast);
  });
}

/**
 * The L1 term of the paper's eq. 1, `lambda * mean(|M(P)|)`. It averages over
 * the map's pixels (the paper writes a norm; the mean keeps lambda's meaning
 * independent of the image size, and matches the L1 baseline's penalty).
 */
export function attentionPenalty(map: tf.Tensor, lambda: number): tf.Scalar {
  if (!Number.isFinite(lambda) || lambda < 0) {
    throw new RangeError(`lambda must be a non-negative number, got ${lambda}.`);
  }
  return tf.tidy(() => tf.mul(tf.mean(tf.abs(map)), lambda));
}
