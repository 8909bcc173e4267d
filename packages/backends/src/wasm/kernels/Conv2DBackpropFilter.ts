import {
  Conv2DBackpropFilter,
  type Conv2DBackpropFilterAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { convGradientGeometry } from '../../shared/conv-geometry.js';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { withKernelScope } from './kernel-scope.js';

/**
 * The filter gradient of a 2D convolution, which stock tfjs-backend-wasm lacks
 * (tfjs issue 8474), written with the backend's own fast kernels:
 *
 *   dW[i, j, ci, co] = sum_{b, p, q} x[b, p*s + i - top, q*s + j - left, ci] * dy[b, p, q, co]
 *
 * is a convolution of x (channels as batch, batch as channels) with dy as the
 * filter, dilated by the forward stride. XNNPACK runs it; a 1x1 filter becomes
 * one matrix product.
 */
function conv2DBackpropFilter(args: {
  inputs: { x: TensorInfo; dy: TensorInfo };
  backend: BackendWasm;
  attrs: Conv2DBackpropFilterAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs;
  const info = convGradientGeometry(
    Conv2DBackpropFilter,
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs,
  );
  const { batchSize, inHeight, inWidth, inChannels, outChannels, outHeight, outWidth } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth, padInfo } = info;

  return withKernelScope(backend, (scope) => {
    if (filterHeight === 1 && filterWidth === 1 && padInfo.top === 0 && padInfo.left === 0) {
      // dW = x_s^T dy over all output positions, x_s being x at the strided positions.
      let sampled = x;
      if (strideHeight > 1 || strideWidth > 1) {
        sampled = scope.run(
          'StridedSlice',
          { x },
          {
            begin: [0, 0, 0, 0],
            end: [
              batchSize,
              (outHeight - 1) * strideHeight + 1,
              (outWidth - 1) * strideWidth + 1,
              inChannels,
            ],
            strides: [1, strideHeight, strideWidth, 1],
            beginMask: 0,
            endMask: 0,
            ellipsisMask: 0,
            newAxisMask: 0,
            shrinkAxisMask: 0,
          },
        );
      }
      const positions = batchSize * outHeight * outWidth;
      const product = scope.run(
        'BatchMatMul',
        {
          a: scope.reshape(sampled, [1, positions, inChannels]),
          b: scope.reshape(dy, [1, positions, outChannels]),
        },
        { transposeA: true, transposeB: false },
      );
      return scope.reshape(product, [1, 1, inChannels, outChannels]);
    }

    const channelsAsBatch = scope.transpose(x, [3, 1, 2, 0]); // [Ci, H, W, B]
    const dyAsFilter = scope.transpose(dy, [1, 2, 0, 3]); // [OH, OW, B, Co]
    // Pad so that the valid correlation yields exactly the filter's extent.
    const spanHeight = (outHeight - 1) * strideHeight;
    const spanWidth = (outWidth - 1) * strideWidth;
    const bottom = filterHeight + spanHeight - inHeight - padInfo.top;
    const right = filterWidth + spanWidth - inWidth - padInfo.left;
    let gradient = scope.run(
      'Conv2D',
      { x: channelsAsBatch, filter: dyAsFilter },
      {
        strides: [1, 1],
        pad: [
          [0, 0],
          [padInfo.top, Math.max(0, bottom)],
          [padInfo.left, Math.max(0, right)],
          [0, 0],
        ],
        dataFormat: 'NHWC',
        dilations: [strideHeight, strideWidth],
      },
    ); // [Ci, >=kh, >=kw, Co]
    if (bottom < 0 || right < 0) {
      gradient = scope.run(
        'Slice',
        { x: gradient },
        { begin: [0, 0, 0, 0], size: [inChannels, filterHeight, filterWidth, outChannels] },
      );
    }
    return scope.transpose(gradient, [1, 2, 0, 3]);
  });
}

export const conv2DBackpropFilterConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilter as unknown as KernelFunc,
};
