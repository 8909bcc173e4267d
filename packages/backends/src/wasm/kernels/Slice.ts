import {
  Slice,
  slice_util,
  type KernelConfig,
  type KernelFunc,
  type SliceAttrs,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { requireStockKernel } from '../../shared/replace-kernels.js';
import { canCopyBoxes, copyBoxes } from './strided-copy.js';

/** Slice without an allocation per copied row (see copyBoxes); strings and complex numbers: the stock kernel. */
function slice(args: { inputs: { x: TensorInfo }; backend: BackendWasm; attrs: SliceAttrs }) {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  if (!canCopyBoxes(x)) return requireStockKernel(Slice, 'wasm').kernelFunc(args as never);
  const [begin, size] = slice_util.parseSliceParams(x, attrs.begin, attrs.size) as [
    number[],
    number[],
  ];
  const output = backend.makeOutput(size, x.dtype);
  copyBoxes(backend, x, [{ begin, size, output }]);
  return output;
}

export const sliceConfig: KernelConfig = {
  kernelName: Slice,
  backendName: 'wasm',
  kernelFunc: slice as unknown as KernelFunc,
};
