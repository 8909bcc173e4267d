import * as tf from '@tensorflow/tfjs-core';
import { BackendUnavailableError } from './errors.js';
import { registerBatchNormGradient } from './shared/batch-norm-gradient.js';
import { loadCpu } from './loaders/cpu.js';
import { loadTensorflow } from './loaders/tensorflow.js';
import { loadWebgl } from './loaders/webgl.js';
import { loadWebgpu } from './loaders/webgpu.js';
import type { BackendInfo, BackendName, UseBackendOptions } from './types.js';

/** The backends gsa knows, in the order `auto` prefers them (webgl: browsers only). */
export const BACKEND_NAMES: readonly BackendName[] = [
  'tensorflow',
  'webgpu',
  'webgl',
  'wasm',
  'cpu',
];

export type BackendChoice = BackendName | 'auto';

const loaders: Record<BackendName, (options: UseBackendOptions) => Promise<BackendInfo>> = {
  cpu: loadCpu,
  // Imported on use: importing tfjs-backend-wasm registers it above cpu without
  // starting it, so every tensor op before useBackend would fail.
  wasm: async (options) => (await import('./loaders/wasm.js')).loadWasm(options),
  webgpu: loadWebgpu,
  webgl: loadWebgl,
  tensorflow: loadTensorflow,
};

let active: BackendInfo | undefined;

/**
 * Selects, initialises and activates a TensorFlow.js backend; returns what was
 * chosen. `auto` takes the fastest one available here: tensorflow (tfjs-node,
 * when installed), then webgpu on a real GPU, then (in a browser) webgl on a
 * real GPU, then wasm, then cpu, and says in
 * `info.reason` (and through `options.log`) why.
 */
export async function useBackend(
  choice: BackendChoice = 'auto',
  options: UseBackendOptions = {},
): Promise<BackendInfo> {
  const { threads } = options;
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1)) {
    throw new RangeError(
      `threads must be a whole number of at least 1, got ${String(threads)}; leave it out to use every core.`,
    );
  }
  // Every backend trains batch norm with gsa's gradient (no Tile): it is tfjs-core's, not a kernel.
  registerBatchNormGradient();
  if (choice === 'auto') return useFastestBackend(options);
  if (!(BACKEND_NAMES as readonly string[]).includes(choice)) {
    throw new BackendUnavailableError(
      String(choice),
      `Unknown backend '${String(choice)}'. Choose one of: auto, ${BACKEND_NAMES.join(', ')}.`,
    );
  }
  if (active?.name === choice && tf.getBackend() === choice && sameThreads(active, options)) {
    return active;
  }
  const info = await loaders[choice](options);
  active = info;
  return info;
}

/** What `useBackend` last activated, if anything. */
export function activeBackend(): BackendInfo | undefined {
  return active;
}

function sameThreads(info: BackendInfo, options: UseBackendOptions): boolean {
  return options.threads === undefined || options.threads === info.threads;
}

async function useFastestBackend(options: UseBackendOptions): Promise<BackendInfo> {
  const skipped: string[] = [];
  for (const name of BACKEND_NAMES) {
    if (name === 'cpu') break;
    // WebGL exists only in browsers; in Node auto says nothing about it.
    if (name === 'webgl' && typeof globalThis.process?.versions?.node === 'string') continue;
    try {
      const info = await loaders[name]({
        ...options,
        requireHardwareGpu: name === 'webgpu' || name === 'webgl',
      });
      const reason = skipped.length
        ? `fastest available; ${skipped.join('; ')}`
        : 'fastest available';
      active = { ...info, reason };
      options.log?.(`gsa: using the ${describeBackend(active)} backend (${reason})`);
      return active;
    } catch (error) {
      skipped.push(
        `${name}: ${error instanceof BackendUnavailableError ? error.summary : firstLine(error)}`,
      );
    }
  }
  const info = await loadCpu(options);
  active = { ...info, reason: skipped.join('; ') };
  options.log?.(`gsa: using the ${describeBackend(active)} backend (${active.reason})`);
  return active;
}

/** A one-line description such as `wasm (SIMD, 2 threads)`. */
export function describeBackend(info: BackendInfo): string {
  const details: string[] = [];
  if (info.simd) details.push('SIMD');
  if (info.threads > 0) details.push(`${info.threads} thread${info.threads === 1 ? '' : 's'}`);
  if (info.adapter) details.push(info.adapter);
  return details.length ? `${info.name} (${details.join(', ')})` : info.name;
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}
