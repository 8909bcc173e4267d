// Side-effect module: registers the training kernels that stock
// tfjs-backend-wasm lacks, runs slowly or gets wrong. useBackend('wasm')
// imports it before the backend starts.
// The stock backend must register first, so that ours replace its kernels.
import '@tensorflow/tfjs-backend-wasm';
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { replaceKernels } from '../shared/replace-kernels.js';
import { batchMatMulConfig } from './kernels/BatchMatMul.js';
import { conv2DBackpropFilterConfig } from './kernels/Conv2DBackpropFilter.js';
import { conv2DBackpropInputConfig } from './kernels/Conv2DBackpropInput.js';
import { depthwiseConv2dNativeBackpropFilterConfig } from './kernels/DepthwiseConv2dNativeBackpropFilter.js';
import { depthwiseConv2dNativeBackpropInputConfig } from './kernels/DepthwiseConv2dNativeBackpropInput.js';
import { maxPoolGradConfig } from './kernels/MaxPoolGrad.js';
import { meanConfig } from './kernels/Mean.js';
import { resizeNearestNeighborGradConfig } from './kernels/ResizeNearestNeighborGrad.js';
import { sliceConfig } from './kernels/Slice.js';
import { splitVConfig } from './kernels/SplitV.js';
import { sumConfig } from './kernels/Sum.js';

/** The kernels gsa adds to (missing) or replaces in (slow, wrong) the wasm backend. */
export const wasmTrainingKernels: readonly KernelConfig[] = [
  conv2DBackpropFilterConfig, // missing (tfjs issue 8474)
  conv2DBackpropInputConfig, // scalar C++ loop: replaced by XNNPACK convolutions
  depthwiseConv2dNativeBackpropFilterConfig, // missing
  depthwiseConv2dNativeBackpropInputConfig, // missing
  maxPoolGradConfig, // wrong for windows of negative values
  resizeNearestNeighborGradConfig, // wrong for batches larger than one
  batchMatMulConfig, // transposed operands: a slow loop outside XNNPACK; now a transpose first
  sumConfig, // over leading axes (N, H, W): a transpose and one thread; now one matrix product
  meanConfig, // the same
  sliceConfig, // an allocation per copied row: now strided copies on the heap
  splitVConfig, // a stock Slice per piece (every concatenation's gradient): now one set of copies
];

replaceKernels(wasmTrainingKernels);
