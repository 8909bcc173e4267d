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
  checkLambda(lambda);
  return tf.tidy(() => tf.mul(tf.mean(tf.abs(map)), lambda));
}

/** The one check of lambda and of the decision terms' weights. */
function checkNonNegative(value: number, name: string): void {
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative number, got ${value}.`);
  }
}

const checkLambda = (lambda: number) => checkNonNegative(lambda, 'lambda');

/**
 * The mean of `values` over the pixels where `side` is 1 (0 for an empty
 * side): the decision terms weigh each side of their split alike.
 */
function sideMean(values: tf.Tensor, side: tf.Tensor): tf.Tensor {
  return tf.div(tf.sum(tf.mul(values, side)), tf.maximum(tf.sum(side), 1));
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
  checkNonNegative(weight, 'The entropy weight');
  return tf.tidy(() => {
    const m = tf.clipByValue(map, ENTROPY_EPSILON, 1 - ENTROPY_EPSILON);
    const entropy = tf.neg(tf.add(tf.mul(m, tf.log(m)), tf.mul(tf.sub(1, m), tf.log1p(tf.neg(m)))));
    // step() has a zero gradient: the sides are labels, not parameters.
    const above = tf.step(tf.sub(m, 0.5));
    const below = tf.sub(1, above);
    return tf.mul(tf.add(sideMean(entropy, above), sideMean(entropy, below)), weight / 2);
  });
}

/**
 * Where the loss places the map's decision boundary: the level `t` whose set
 * of pixels `{map >= t}` the loss's gradient most wants brighter. The map's
 * pixels are ranked by value and the level is the one whose top-ranked set
 * maximises `-sum (crossEntropyGradient + lambda / pixels)`, the first-order
 * drop in `cross-entropy + lambda * mean(map)` from raising that set alike.
 * Per pixel the gradient is mostly noise (the images' textures); summed over
 * a set of the map's own ranking it is not, and it stops growing where the
 * backbone stops wanting more of the image: at the evidence, not at the 0.5
 * contour of a smooth map. `crossEntropyGradient` is the cross-entropy's
 * gradient with respect to the map, the map's shape, averaged over steps.
 */
export function boundaryLevel(
  map: tf.Tensor,
  crossEntropyGradient: tf.Tensor,
  lambda: number,
): tf.Scalar {
  checkLambda(lambda);
  if (map.size !== crossEntropyGradient.size) {
    throw new RangeError(
      `The map has ${map.size} pixels but the gradient has ${crossEntropyGradient.size}; pass the gradient with respect to this map.`,
    );
  }
  return tf.tidy(() => {
    const pixels = map.size;
    const { values, indices } = tf.topk(tf.reshape(map, [pixels]), pixels);
    const ranked = tf.gather(tf.reshape(crossEntropyGradient, [pixels]), indices);
    const gain = tf.cumsum(tf.neg(tf.add(ranked, lambda / pixels)));
    // Pixels tied with the level are inside the set (the labels compare with >=).
    return tf.reshape(tf.gather(values, tf.argMax(gain)), []) as tf.Scalar;
  });
}

/** The labels of `boundaryPenalty`: 1 at and above the level, 0 below; no gradient. */
function boundaryLabels(map: tf.Tensor, gradient: tf.Tensor, lambda: number): tf.Tensor {
  // Computed in a custom gradient's forward, where the tape does not record,
  // so that the ranking needs no gradient of its own: the labels are targets,
  // like entropyPenalty's sides.
  const labels = tf.customGrad(((m: tf.Tensor, g: tf.Tensor) => ({
    value: tf.cast(tf.greaterEqual(m, boundaryLevel(m, g, lambda)), 'float32'),
    gradFunc: () => [tf.zerosLike(m), tf.zerosLike(g)],
  })) as never) as unknown as (m: tf.Tensor, g: tf.Tensor) => tf.Tensor;
  return labels(map, gradient);
}

/**
 * The boundary term: `weight * (mean over the pixels at or above the
 * boundaryLevel of -log m + mean over the rest of -log(1 - m)) / 2`, the
 * binary cross-entropy of the map against its own set at the level the
 * loss's gradient chooses. Not in the paper: with entropyPenalty it makes the
 * map decide, and it decides where the backbone's gradient puts the boundary
 * rather than where the map's level does (a smooth map decided at 0.5 lets a
 * ring around the evidence through; the map study in @gsa/trainer's README).
 * Unlike the entropy term it still moves a saturated pixel on the wrong side.
 */
export function boundaryPenalty(
  map: tf.Tensor,
  crossEntropyGradient: tf.Tensor,
  lambda: number,
  weight: number,
): tf.Scalar {
  checkNonNegative(weight, 'The boundary weight');
  checkLambda(lambda);
  return tf.tidy(() => {
    const labels = boundaryLabels(map, crossEntropyGradient, lambda);
    const m = tf.clipByValue(map, ENTROPY_EPSILON, 1 - ENTROPY_EPSILON);
    const inside = sideMean(tf.neg(tf.log(m)), labels);
    const outside = sideMean(tf.neg(tf.log1p(tf.neg(m))), tf.sub(1, labels));
    return tf.mul(tf.add(inside, outside), weight / 2);
  });
}
