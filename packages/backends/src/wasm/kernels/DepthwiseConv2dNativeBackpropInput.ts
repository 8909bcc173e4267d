import {
  DepthwiseConv2dNativeBackpropInput,
  type DepthwiseConv2dNativeBackpropInputAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { depthwiseGeometry } from './depthwise-geometry.js';

/**
 * The input gradient of a depthwise convolution, missing from stock wasm:
 * every dy value is spread back over the input pixels its window read,
 *
 *   dx[b, p*s + i*d - top, q*s + j*d - left, c] += sum_m dy[b, p, q, c*M + m] * W[i, j, c, m].
 */
function depthwiseConv2dNativeBackpropInput(args: {
  inputs: { dy: TensorInfo; filter: TensorInfo };
  backend: BackendWasm;
  attrs: DepthwiseConv2dNativeBackpropInputAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs;
  const { strides, dilations, pad, dimRoundingMode, inputShape } = attrs;
  const info = depthwiseGeometry(
    DepthwiseConv2dNativeBackpropInput,
    inputShape,
    filter.shape as [number, number, number, number],
    strides,
    dilations,
    pad,
    dimRoundingMode,
  );
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth, dilationHeight, dilationWidth } =
    info;
  const multiplier = outChannels / inChannels;
  const { top, left } = info.padInfo;

  const output = backend.makeOutput(inputShape, 'float32');
  const gradient = backend.typedArrayFromHeap(output) as Float32Array;
  const dyValues = backend.typedArrayFromHeap(dy) as Float32Array;
  const filterValues = backend.typedArrayFromHeap(filter) as Float32Array;
  gradient.fill(0);

  for (let b = 0; b < batchSize; b++) {
    for (let p = 0; p < outHeight; p++) {
      for (let i = 0; i < filterHeight; i++) {
        const row = p * strideHeight + i * dilationHeight - top;
        if (row < 0 || row >= inHeight) continue;
        for (let q = 0; q < outWidth; q++) {
          const dyBase = ((b * outHeight + p) * outWidth + q) * outChannels;
          for (let j = 0; j < filterWidth; j++) {
            const column = q * strideWidth + j * dilationWidth - left;
            if (column < 0 || column >= inWidth) continue;
            const xBase = ((b * inHeight + row) * inWidth + column) * inChannels;
            const filterBase = (i * filterWidth + j) * outChannels;
            for (let c = 0; c < inChannels; c++) {
              let sum = 0;
              for (let m = 0; m < multiplier; m++) {
                const k = c * multiplier + m;
                sum += dyValues[dyBase + k]! * filterValues[filterBase + k]!;
              }
              gradient[xBase + c]! += sum;
            }
          }
        }
      }
    }
  }
  return output;
}

export const depthwiseConv2dNativeBackpropInputConfig: KernelConfig = {
  kernelName: DepthwiseConv2dNativeBackpropInput,
  backendName: 'wasm',
  kernelFunc: depthwiseConv2dNativeBackpropInput as unknown as KernelFunc,
};
