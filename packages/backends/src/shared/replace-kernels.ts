import {
  getKernel,
  registerKernel,
  unregisterKernel,
  type KernelConfig,
} from '@tensorflow/tfjs-core';

const replaced = new Map<string, KernelConfig>();

/** Registers each kernel, replacing a stock one of the same name (no "already registered" warning). */
export function replaceKernels(configs: readonly KernelConfig[]): void {
  for (const config of configs) {
    const stock = getKernel(config.kernelName, config.backendName);
    if (stock !== undefined && stock !== config) {
      replaced.set(`${config.backendName}/${config.kernelName}`, stock);
      unregisterKernel(config.kernelName, config.backendName);
    }
    if (stock !== config) registerKernel(config);
  }
}

/** The stock kernel a replacement superseded, kept for conformance tests. */
export function stockKernel(kernelName: string, backendName: string): KernelConfig | undefined {
  return replaced.get(`${backendName}/${kernelName}`);
}
