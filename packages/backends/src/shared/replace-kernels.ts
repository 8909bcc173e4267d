import {
  getKernel,
  registerKernel,
  unregisterKernel,
  type KernelConfig,
} from '@tensorflow/tfjs-core';

const replaced = new Map<string, KernelConfig>();
/** What replaceKernels registered for each kernel, by the config it was given. */
const registered = new Map<string, { given: KernelConfig; config: KernelConfig }>();

/**
 * Registers each kernel, replacing a stock one of the same name (no "already
 * registered" warning). A replacement without a setup of its own keeps the
 * stock kernel's: stock wasm kernels bind their wasm functions there, which
 * the backend runs only for registered kernels, and a replacement that falls
 * back to its stock kernel (`stockKernel`) needs them bound.
 */
export function replaceKernels(configs: readonly KernelConfig[]): void {
  for (const given of configs) {
    const key = `${given.backendName}/${given.kernelName}`;
    const current = getKernel(given.kernelName, given.backendName);
    const ours = registered.get(key);
    if (ours?.given === given && current === ours.config) continue;
    if (current !== undefined) {
      if (current !== ours?.config) replaced.set(key, current);
      unregisterKernel(given.kernelName, given.backendName);
    }
    const stockSetup = replaced.get(key)?.setupFunc;
    const config = given.setupFunc || !stockSetup ? given : { ...given, setupFunc: stockSetup };
    registerKernel(config);
    registered.set(key, { given, config });
  }
}

/** The stock kernel a replacement superseded: its fallback, and the conformance tests' reference. */
export function stockKernel(kernelName: string, backendName: string): KernelConfig | undefined {
  return replaced.get(`${backendName}/${kernelName}`);
}

/** The stock kernel a replacement falls back to; an error when there is none (a tfjs upgrade that renamed it). */
export function requireStockKernel(kernelName: string, backendName: string): KernelConfig {
  const stock = stockKernel(kernelName, backendName);
  if (stock === undefined) {
    throw new Error(`@gsa/backends: no stock ${backendName} ${kernelName} kernel to fall back to.`);
  }
  return stock;
}
