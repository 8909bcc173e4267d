import {
  DepthwiseConv2dNativeBackpropInput,
  type DepthwiseConv2dNativeBackpropInputAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { forEachConvolutionTap } from '../../shared/conv-geometry.js';
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
  const { inChannels, outChannels } = info;
  const multiplier = outChannels / inChannels;

  const output = backend.makeOutput(inputShape, 'float32');
  const gradient = backend.typedArrayFromHeap(output) as Float32Array;
  const dyValues = backend.typedArrayFromHeap(dy) as Float32Array;
  const filterValues = backend.typedArrayFromHeap(filter) as Float32Array;
  gradient.fill(0);

  forEachConvolutionTap(info, (xBase, dyBase, tap) => {
    const filterBase = tap * outChannels;
    for (let c = 0; c < inChannels; c++) {
      let sum = 0;
      for (let m = 0; m < multiplier; m++) {
        const k = c * multiplier + m;
        sum += dyValues[dyBase + k]! * filterValues[filterBase + k]!;
      }
      gradient[xBase + c]! += sum;
    }
  });
  return output;
}

export const depthwiseConv2dNativeBackpropInputConfig: KernelConfig = {
  kernelName: DepthwiseConv2dNativeBackpropInput,
  backendName: 'wasm',
  kernelFunc: depthwiseConv2dNativeBackpropInput as unknown as KernelFunc,
};
