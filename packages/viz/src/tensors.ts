// Bridges from tfjs tensors to the plain shapes every renderer takes, so the
// trainer and CLI can hand over what they hold. Reads data asynchronously (no
// GPU stall); does not dispose the tensor.
import type * as tf from '@tensorflow/tfjs-core';
import type { ImageArray, ScalarMap } from './image.js';

/** A map tensor `[h, w]`, `[h, w, 1]` or `[1, h, w, 1]` (the attention layer's output) as a ScalarMap. */
export async function scalarMapFromTensor(map: tf.Tensor): Promise<ScalarMap> {
  const shape = map.shape;
  const squeezed = shape.filter(
    (size, axis) => !(size === 1 && (axis === 0 || axis === shape.length - 1)),
  );
  if (squeezed.length !== 2 || shape.length > 4) {
    throw new RangeError(
      `expected a map [h, w], [h, w, 1] or [1, h, w, 1], got [${shape.join(', ')}]`,
    );
  }
  const [height, width] = squeezed as [number, number];
  return { height, width, values: Float32Array.from(await map.data()) };
}

/** One image tensor `[h, w, c]` or `[1, h, w, c]`, c = 1 or 3, as an ImageArray. */
export async function imageArrayFromTensor(image: tf.Tensor): Promise<ImageArray> {
  const shape = image.rank === 4 && image.shape[0] === 1 ? image.shape.slice(1) : image.shape;
  const [height, width, channels] = shape as [number, number, number];
  if (shape.length !== 3 || (channels !== 1 && channels !== 3)) {
    throw new RangeError(
      `expected an image [h, w, 1|3] or [1, h, w, 1|3], got [${image.shape.join(', ')}]`,
    );
  }
  return { height, width, channels, values: Float32Array.from(await image.data()) };
}
