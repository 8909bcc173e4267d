import type { backend_util } from '@tensorflow/tfjs-core';

/**
 * The gradient of 2D max pooling: each dy value goes to the first maximum of
 * its window, as tfjs's cpu backend and TensorFlow do. Stock wasm starts its
 * search from 0 rather than -Infinity, so windows of negative values send
 * their gradient to the wrong pixel.
 */
export function maxPoolBackprop(
  x: Float32Array,
  dy: Float32Array,
  info: backend_util.Conv2DInfo,
  output: Float32Array,
): void {
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth } = info;
  const { strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  const { effectiveFilterHeight, effectiveFilterWidth } = info;
  const { top, left } = info.padInfo;
  output.fill(0);
  if (
    effectiveFilterHeight === 2 &&
    effectiveFilterWidth === 2 &&
    strideHeight === 2 &&
    strideWidth === 2 &&
    top === 0 &&
    left === 0 &&
    // No window reaching into padding at the bottom or right ('same' on odd sizes).
    2 * info.outHeight <= inHeight &&
    2 * info.outWidth <= inWidth
  ) {
    halvingBackprop(x, dy, info, output);
    return;
  }
  for (let b = 0; b < batchSize; b++) {
    for (let p = 0; p < outHeight; p++) {
      const rowStart = p * strideHeight - top;
      for (let q = 0; q < outWidth; q++) {
        const columnStart = q * strideWidth - left;
        const dyBase = ((b * outHeight + p) * outWidth + q) * channels;
        for (let d = 0; d < channels; d++) {
          let maxValue = Number.NEGATIVE_INFINITY;
          let maxIndex = -1;
          for (let i = 0; i < effectiveFilterHeight; i += dilationHeight) {
            const row = rowStart + i;
            if (row < 0 || row >= inHeight) continue;
            for (let j = 0; j < effectiveFilterWidth; j += dilationWidth) {
              const column = columnStart + j;
              if (column < 0 || column >= inWidth) continue;
              const index = ((b * inHeight + row) * inWidth + column) * channels + d;
              const value = x[index]!;
              if (value > maxValue) {
                maxValue = value;
                maxIndex = index;
              }
            }
          }
          if (maxIndex >= 0) output[maxIndex]! += dy[dyBase + d]!;
        }
      }
    }
  }
}

/**
 * The 2x2, stride 2 case with every window inside the image (every VGG-style
 * and smallcnn pool): the windows do not overlap, so each gradient is written
 * once, and the channel loop runs innermost over contiguous memory (about 1.7x
 * the general loop). Ties go to the first maximum in row-major window order,
 * as above.
 */
function halvingBackprop(
  x: Float32Array,
  dy: Float32Array,
  info: backend_util.Conv2DInfo,
  output: Float32Array,
): void {
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth } = info;
  const rowStride = inWidth * channels;
  for (let b = 0; b < batchSize; b++) {
    for (let p = 0; p < outHeight; p++) {
      const top = (b * inHeight + 2 * p) * rowStride;
      let dyIndex = (b * outHeight + p) * outWidth * channels;
      for (let q = 0; q < outWidth; q++) {
        const topLeft = top + 2 * q * channels;
        const bottomLeft = topLeft + rowStride;
        for (let d = 0; d < channels; d++, dyIndex++) {
          // From -Infinity, as above: a window of NaNs sends its gradient nowhere.
          let index = -1;
          let best = Number.NEGATIVE_INFINITY;
          for (let corner = 0; corner < 4; corner++) {
            const at = (corner < 2 ? topLeft : bottomLeft) + (corner & 1) * channels + d;
            const value = x[at]!;
            if (value > best) {
              best = value;
              index = at;
            }
          }
          if (index < 0) continue;
          output[index] = dy[dyIndex]!;
        }
      }
    }
  }
}
