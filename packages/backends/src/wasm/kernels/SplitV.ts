import {
  backend_util,
  SplitV,
  util,
  type KernelConfig,
  type KernelFunc,
  type SplitVAttrs,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { requireStockKernel } from '../../shared/replace-kernels.js';
import { canCopyBoxes, copyBoxes } from './strided-copy.js';

/**
 * SplitV (the gradient of every concatenation) as one set of strided copies;
 * the stock kernel runs its Slice once per piece, allocating per row.
 */
function splitV(args: { inputs: { x: TensorInfo }; backend: BackendWasm; attrs: SplitVAttrs }) {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  if (!canCopyBoxes(x)) return requireStockKernel(SplitV, 'wasm').kernelFunc(args as never);
  const axis = util.parseAxisParam(attrs.axis, x.shape)[0]!;
  const sizes = backend_util.prepareSplitSize(x as never, attrs.numOrSizeSplits, axis);
  const begin = new Array<number>(x.shape.length).fill(0);
  const boxes = sizes.map((piece) => {
    const size = [...x.shape];
    size[axis] = piece;
    const box = { begin: [...begin], size, output: backend.makeOutput(size, x.dtype) };
    begin[axis]! += piece;
    return box;
  });
  copyBoxes(backend, x, boxes);
  return boxes.map((box) => box.output);
}

export const splitVConfig: KernelConfig = {
  kernelName: SplitV,
  backendName: 'wasm',
  kernelFunc: splitV as unknown as KernelFunc,
};
