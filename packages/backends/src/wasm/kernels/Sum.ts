import { Sum, type KernelConfig } from '@tensorflow/tfjs-core';
import { leadingReduction } from './leading-reduction.js';

/** Sum over leading axes as one matrix product (see leadingReduction); else the stock kernel. */
export const sumConfig: KernelConfig = {
  kernelName: Sum,
  backendName: 'wasm',
  kernelFunc: leadingReduction('Sum'),
};
