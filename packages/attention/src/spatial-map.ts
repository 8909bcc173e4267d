// Applying a spatial map to images, its L1 penalty and its entropy term: shared by every layer.
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

/** Map values are clipped this far from 0 and 1 before the logarithms. */
const ENTROPY_EPSILON = 1e-6;

/**
 * The decision term: `weight * (mean H over pixels above 0.5 + mean H over
 * the rest) / 2`, H each pixel's binary entropy `-(m log m + (1 - m) log(1 - m))`
 * (log 2 at 0.5, 0 at 0 and 1). Not in the paper: it pays each pixel for
 * deciding, pushing values above 0.5 towards 1 and the rest towards 0. The two
 * sides weigh alike whatever their sizes; a plain mean let the larger side
 * (usually the unimportant pixels) pull the shared output bias, and with it
 * the whole map, towards 0 (the map study in @gsa/trainer's README). Which
 * side a pixel is on carries no gradient.
 */
export function entropyPenalty(map: tf.Tensor, weight: number): tf.Scalar {
  if (!Number.isFinite(weight) || weight < 0) {
    throw new RangeError(`The entropy weight must be a non-negative number, got ${weight}.`);
  }
  return tf.tidy(() => {
    const m = tf.clipByValue(map, ENTROPY_EPSILON, 1 - ENTROPY_EPSILON);
    const entropy = tf.neg(tf.add(tf.mul(m, tf.log(m)), tf.mul(tf.sub(1, m), tf.log1p(tf.neg(m)))));
    // step() has a zero gradient: the sides are labels, not parameters.
    const above = tf.step(tf.sub(m, 0.5));
    const below = tf.sub(1, above);
    const sideMean = (side: tf.Tensor) =>
      tf.div(tf.sum(tf.mul(entropy, side)), tf.maximum(tf.sum(side), 1));
    return tf.mul(tf.add(sideMean(above), sideMean(below)), weight / 2);
  });
}
