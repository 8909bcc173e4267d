import { cpuKernelFixes } from '../cpu/register-all.js';
import * as tf from '@tensorflow/tfjs-core';
import type { BackendInfo, UseBackendOptions } from '../types.js';

export async function loadCpu(_options: UseBackendOptions): Promise<BackendInfo> {
  await activate('cpu');
  // Its first use prints advice to install tfjs-node; gsa says that itself (see useBackend('auto')).
  (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
  return {
    name: 'cpu',
    simd: false,
    threads: 1,
    addedKernels: cpuKernelFixes.map((kernel) => kernel.kernelName),
  };
}

/** Sets and awaits a registered backend, turning a silent `false` into an error. */
export async function activate(name: string): Promise<void> {
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`TensorFlow.js could not initialise the '${name}' backend.`);
  await tf.ready();
}
