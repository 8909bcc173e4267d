// Side-effect module: replaces stock tfjs-backend-cpu kernels that are wrong or far too slow.
// The stock backend must register first, so that ours replace its kernels.
import '@tensorflow/tfjs-backend-cpu';
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { replaceKernels } from '../shared/replace-kernels.js';
import { cpuConv2DBackpropFilterConfig } from './kernels/Conv2DBackpropFilter.js';
import { cpuResizeNearestNeighborGradConfig } from './kernels/ResizeNearestNeighborGrad.js';

/** The kernels gsa replaces in the cpu backend. */
export const cpuKernelFixes: readonly KernelConfig[] = [
  cpuConv2DBackpropFilterConfig, // about 45x slower than the forward convolution
  cpuResizeNearestNeighborGradConfig, // wrong for batches larger than one
];

replaceKernels(cpuKernelFixes);
