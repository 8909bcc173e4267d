import {
  Conv2DBackpropInput,
  type Conv2DBackpropInputAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { convGradientGeometry } from '../../shared/conv-geometry.js';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { withKernelScope } from './kernel-scope.js';

/**
 * The input gradient of a 2D convolution as a forward convolution, so that
 * XNNPACK runs it (stock wasm loops over it in scalar C++):
 *
 *   dx = conv2d(zero-interleave(dy, stride), flip(W) with in/out swapped)
 *
 * with padding chosen so the result has the input's exact extent. A 1x1,
 * unpadded, stride-1 filter becomes one matrix product.
 */
function conv2DBackpropInput(args: {
  inputs: { dy: TensorInfo; filter: TensorInfo };
  backend: BackendWasm;
  attrs: Conv2DBackpropInputAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs;
  const info = convGradientGeometry(
    Conv2DBackpropInput,
    attrs.inputShape,
    filter.shape as [number, number, number, number],
    attrs,
  );
  const { batchSize, inHeight, inWidth, inChannels, outChannels, outHeight, outWidth } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth, padInfo } = info;

  return withKernelScope(backend, (scope) => {
    const strided = strideHeight > 1 || strideWidth > 1;
    if (
      filterHeight === 1 &&
      filterWidth === 1 &&
      !strided &&
      padInfo.top === 0 &&
      padInfo.left === 0
    ) {
      const positions = batchSize * outHeight * outWidth;
      const product = scope.run(
        'BatchMatMul',
        {
          a: scope.reshape(dy, [1, positions, outChannels]),
          b: scope.reshape(filter, [1, inChannels, outChannels]),
        },
        { transposeA: false, transposeB: true },
      );
      return scope.reshape(product, [batchSize, inHeight, inWidth, inChannels]);
    }

    let spread = dy;
    let spreadHeight = outHeight;
    let spreadWidth = outWidth;
    if (strided) {
      // Put stride-1 zeros after every row and column of dy.
      const expanded = scope.reshape(dy, [batchSize, outHeight, 1, outWidth, 1, outChannels]);
      const padded = scope.run(
        'PadV2',
        { x: expanded },
        {
          paddings: [
            [0, 0],
            [0, 0],
            [0, strideHeight - 1],
            [0, 0],
            [0, strideWidth - 1],
            [0, 0],
          ],
          constantValue: 0,
        },
      );
      spreadHeight = outHeight * strideHeight;
      spreadWidth = outWidth * strideWidth;
      spread = scope.reshape(padded, [batchSize, spreadHeight, spreadWidth, outChannels]);
    }
    const flipped = scope.transpose(
      scope.run('Reverse', { x: filter }, { dims: [0, 1] }),
      [0, 1, 3, 2],
    ); // [kh, kw, Co, Ci]
    const top = filterHeight - 1 - padInfo.top;
    const left = filterWidth - 1 - padInfo.left;
    const bottom = inHeight - spreadHeight - top + filterHeight - 1;
    const right = inWidth - spreadWidth - left + filterWidth - 1;
    // Negative padding (a forward padding wider than the filter) crops: pad by
    // zero there and drop the rows and columns it would have cropped.
    let gradient = scope.run(
      'Conv2D',
      { x: spread, filter: flipped },
      {
        strides: [1, 1],
        pad: [
          [0, 0],
          [Math.max(0, top), Math.max(0, bottom)],
          [Math.max(0, left), Math.max(0, right)],
          [0, 0],
        ],
        dataFormat: 'NHWC',
        dilations: [1, 1],
      },
    );
    if (top < 0 || left < 0 || bottom < 0 || right < 0) {
      gradient = scope.run(
        'Slice',
        { x: gradient },
        {
          begin: [0, Math.max(0, -top), Math.max(0, -left), 0],
          size: [batchSize, inHeight, inWidth, inChannels],
        },
      );
    }
    return gradient;
  });
}

export const conv2DBackpropInputConfig: KernelConfig = {
  kernelName: Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropInput as unknown as KernelFunc,
};
