import { Mean, type KernelConfig } from '@tensorflow/tfjs-core';
import { leadingReduction } from './leading-reduction.js';

/** Mean over leading axes as one matrix product (see leadingReduction); else the stock kernel. */
export const meanConfig: KernelConfig = {
  kernelName: Mean,
  backendName: 'wasm',
  kernelFunc: leadingReduction('Mean'),
};
