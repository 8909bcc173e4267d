import * as tf from '@tensorflow/tfjs-core';
import { BackendUnavailableError } from '../errors.js';
import type { BackendInfo, UseBackendOptions } from '../types.js';
import { activate } from './cpu.js';

/** The native bindings, GPU build first. Never a dependency: their install downloads libtensorflow. */
const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

export async function loadTensorflow(_options: UseBackendOptions): Promise<BackendInfo> {
  const failures: string[] = [];
  for (const specifier of NATIVE_PACKAGES) {
    try {
      await import(specifier);
    } catch (error) {
      failures.push(`${specifier}: ${notFound(error) ? 'not installed' : String(error)}`);
      continue;
    }
    if (tf.findBackend('tensorflow') === null) {
      throw new BackendUnavailableError(
        'tensorflow',
        `${specifier} loaded but registered no 'tensorflow' backend with this @tensorflow/tfjs-core; ` +
          'make sure both use the same tfjs version (npm ls @tensorflow/tfjs-core).',
        { summary: 'tfjs version mismatch' },
      );
    }
    await activate('tensorflow');
    return {
      name: 'tensorflow',
      simd: false,
      threads: 0,
      adapter:
        specifier === '@tensorflow/tfjs-node-gpu' ? 'libtensorflow (CUDA)' : 'libtensorflow (CPU)',
      addedKernels: [],
    };
  }
  throw new BackendUnavailableError(
    'tensorflow',
    'The tensorflow backend needs @tensorflow/tfjs-node-gpu (NVIDIA GPU) or @tensorflow/tfjs-node (CPU): ' +
      'npm install @tensorflow/tfjs-node-gpu. Their install downloads libtensorflow, so it needs internet access. ' +
      `gsa runs without them on wasm or cpu. (${failures.join('; ')})`,
    { summary: 'not installed' },
  );
}

function notFound(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}
