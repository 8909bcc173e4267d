import {
  ResizeNearestNeighborGrad,
  type KernelConfig,
  type KernelFunc,
  type ResizeNearestNeighborGradAttrs,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { resizeNearestNeighborBackprop } from '../../shared/resize-nearest-neighbor-backprop.js';

/** Replaces stock wasm's ResizeNearestNeighborGrad, wrong for batches larger than one. */
function resizeNearestNeighborGrad(args: {
  inputs: { images: TensorInfo; dy: TensorInfo };
  backend: BackendWasm;
  attrs: ResizeNearestNeighborGradAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { images, dy } = inputs;
  const output = backend.makeOutput(images.shape, 'float32');
  resizeNearestNeighborBackprop(
    backend.typedArrayFromHeap(dy) as Float32Array,
    dy.shape,
    images.shape,
    attrs.alignCorners,
    attrs.halfPixelCenters,
    backend.typedArrayFromHeap(output) as Float32Array,
  );
  return output;
}

export const resizeNearestNeighborGradConfig: KernelConfig = {
  kernelName: ResizeNearestNeighborGrad,
  backendName: 'wasm',
  kernelFunc: resizeNearestNeighborGrad as unknown as KernelFunc,
};
