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
