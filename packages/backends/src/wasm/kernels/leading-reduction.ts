import { util, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { requireStockKernel } from '../../shared/replace-kernels.js';
import { withKernelScope } from './kernel-scope.js';

interface ReductionArgs {
  inputs: { x: TensorInfo };
  backend: BackendWasm;
  attrs: { axis: number | number[]; keepDims: boolean };
}

/**
 * A sum or mean over the leading axes of a float32 tensor (NHWC over N, H, W:
 * batch norm's statistics and gradients, bias gradients) as XNNPACK's
 * average pooling, [M, C] viewed as one [1, M, 1, C] image pooled by an
 * M x 1 window (times M for the sum). The stock wasm reduction first
 * transposes the reduced axes innermost, a full copy, and reduces on one
 * thread: about 12 ms on [32, 64, 64, 32] where the pooling takes 1 ms.
 * (A matrix product with a row of ones is no better: XNNPACK packs its
 * weight operand, here the tensor itself, on every call.) Any other reduction
 * runs the stock kernel.
 */
export function leadingReduction(kernelName: 'Sum' | 'Mean'): KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args as unknown as ReductionArgs;
    const { x } = inputs;
    const axes = util.parseAxisParam(attrs.axis, x.shape).sort((a, b) => a - b);
    const leading = axes.every((axis, index) => axis === index) && axes.length < x.shape.length;
    if (!leading || x.dtype !== 'float32' || util.sizeFromShape(x.shape) === 0) {
      return requireStockKernel(kernelName, 'wasm').kernelFunc(args);
    }
    const reduced = util.sizeFromShape(x.shape.slice(0, axes.length));
    const kept = x.shape.slice(axes.length);
    const outShape = attrs.keepDims ? [...axes.map(() => 1), ...kept] : kept;
    return withKernelScope(backend, (scope) => {
      const image = scope.reshape(x, [1, reduced, 1, util.sizeFromShape(kept)]);
      let result = scope.run(
        'AvgPool',
        { x: image },
        { filterSize: [reduced, 1], strides: [1, 1], pad: 'valid', dimRoundingMode: undefined },
      );
      if (kernelName === 'Sum') {
        const count = scope.make([1], (values) => (values[0] = reduced));
        result = scope.run('Multiply', { a: result, b: count });
      }
      return scope.reshape(result, outShape);
    });
  };
}
