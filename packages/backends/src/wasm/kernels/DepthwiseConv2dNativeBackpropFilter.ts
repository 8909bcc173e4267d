import {
  DepthwiseConv2dNativeBackpropFilter,
  type DepthwiseConv2dNativeBackpropFilterAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { forEachConvolutionTap } from '../../shared/conv-geometry.js';
import { depthwiseGeometry } from './depthwise-geometry.js';

/**
 * The filter gradient of a depthwise convolution, missing from stock wasm:
 *
 *   dW[i, j, c, m] = sum_{b, p, q} x[b, p*s + i*d - top, q*s + j*d - left, c] * dy[b, p, q, c*M + m]
 *
 * One pass over dy in wasm memory; depthwise layers are memory-bound, so a
 * direct loop costs about what a composition of kernels would.
 */
function depthwiseConv2dNativeBackpropFilter(args: {
  inputs: { x: TensorInfo; dy: TensorInfo };
  backend: BackendWasm;
  attrs: DepthwiseConv2dNativeBackpropFilterAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs;
  const { strides, dilations, pad, dimRoundingMode, filterShape } = attrs;
  const info = depthwiseGeometry(
    DepthwiseConv2dNativeBackpropFilter,
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    dilations,
    pad,
    dimRoundingMode,
  );
  const { inChannels, outChannels } = info;
  const multiplier = outChannels / inChannels;

  // Allocate first: growing wasm memory detaches earlier heap views.
  const output = backend.makeOutput(filterShape, 'float32');
  const gradient = backend.typedArrayFromHeap(output) as Float32Array;
  const xValues = backend.typedArrayFromHeap(x) as Float32Array;
  const dyValues = backend.typedArrayFromHeap(dy) as Float32Array;
  gradient.fill(0);

  forEachConvolutionTap(info, (xBase, dyBase, tap) => {
    const gradientBase = tap * outChannels;
    for (let c = 0; c < inChannels; c++) {
      const xValue = xValues[xBase + c]!;
      for (let m = 0; m < multiplier; m++) {
        const k = c * multiplier + m;
        gradient[gradientBase + k]! += xValue * dyValues[dyBase + k]!;
      }
    }
  });
  return output;
}

export const depthwiseConv2dNativeBackpropFilterConfig: KernelConfig = {
  kernelName: DepthwiseConv2dNativeBackpropFilter,
  backendName: 'wasm',
  kernelFunc: depthwiseConv2dNativeBackpropFilter as unknown as KernelFunc,
};
