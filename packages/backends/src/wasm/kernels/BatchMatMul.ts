import {
  BatchMatMul,
  type BatchMatMulAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { requireStockKernel } from '../../shared/replace-kernels.js';
import { withKernelScope } from './kernel-scope.js';

/**
 * Matrix products with a transposed operand as an explicit Transpose and the
 * stock product. Stock wasm runs transposed operands in a slow loop outside
 * XNNPACK, and every gradient of a product (dense layers, 1x1 convolutions)
 * transposes one: [8192, 256]^T x [8192, 128] took 252 ms, 25 ms this way.
 */
function batchMatMul(args: {
  inputs: { a: TensorInfo; b: TensorInfo };
  backend: BackendWasm;
  attrs: BatchMatMulAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  if (!attrs.transposeA && !attrs.transposeB) {
    const stock = requireStockKernel(BatchMatMul, 'wasm');
    return stock.kernelFunc(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
  }
  return withKernelScope(backend, (scope) => {
    const lastTwoSwapped = (x: TensorInfo) => {
      const rank = x.shape.length;
      const perm = x.shape.map((_, axis) => axis);
      [perm[rank - 2], perm[rank - 1]] = [rank - 1, rank - 2];
      return scope.transpose(x, perm);
    };
    return scope.run(
      BatchMatMul,
      {
        a: attrs.transposeA ? lastTwoSwapped(inputs.a) : inputs.a,
        b: attrs.transposeB ? lastTwoSwapped(inputs.b) : inputs.b,
      },
      { transposeA: false, transposeB: false },
    );
  });
}

export const batchMatMulConfig: KernelConfig = {
  kernelName: BatchMatMul,
  backendName: 'wasm',
  kernelFunc: batchMatMul as unknown as KernelFunc,
};
