import {
  ResizeNearestNeighborGrad,
  type KernelConfig,
  type KernelFunc,
  type ResizeNearestNeighborGradAttrs,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { resizeNearestNeighborBackprop } from '../../shared/resize-nearest-neighbor-backprop.js';

/** Replaces stock cpu's ResizeNearestNeighborGrad, wrong for batches larger than one. */
function resizeNearestNeighborGrad(args: {
  inputs: { images: TensorInfo; dy: TensorInfo };
  backend: MathBackendCPU;
  attrs: ResizeNearestNeighborGradAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { images, dy } = inputs;
  const output = new Float32Array(images.shape.reduce((size, extent) => size * extent, 1));
  resizeNearestNeighborBackprop(
    backend.data.get(dy.dataId)!.values as Float32Array,
    dy.shape,
    images.shape,
    attrs.alignCorners,
    attrs.halfPixelCenters,
    output,
  );
  return backend.makeTensorInfo(images.shape, 'float32', output);
}

export const cpuResizeNearestNeighborGradConfig: KernelConfig = {
  kernelName: ResizeNearestNeighborGrad,
  backendName: 'cpu',
  kernelFunc: resizeNearestNeighborGrad as unknown as KernelFunc,
};
