import '../wasm/register-all.js';
import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { wasmTrainingKernels } from '../wasm/register-all.js';
import { enableNodeWasmThreads, finishNodeWasmThreads } from '../wasm/node-threads.js';
import type { BackendInfo, UseBackendOptions } from '../types.js';
import { activate } from './cpu.js';

let initialisedThreads: number | undefined;

/** The size of tfjs-backend-wasm's pthread pool. */
export const MAX_WASM_THREADS = 8;

export async function loadWasm(options: UseBackendOptions): Promise<BackendInfo> {
  // The threaded glue pre-spawns a pool of 8 pthread workers and cannot grow it
  // while the backend starts, so more threads than that are not available.
  const requested = Math.min(MAX_WASM_THREADS, options.threads ?? (await defaultThreads()));
  if (initialisedThreads === undefined) {
    // A bundled web app serves the .wasm files itself (tfjs looks beside its script otherwise).
    if (options.wasmPaths !== undefined) setWasmPaths(options.wasmPaths);
    if (requested > 1 && isNode()) {
      // tfjs turns wasm threads off in Node; our adapter makes its workers loadable.
      await enableNodeWasmThreads(requested);
    }
    setThreadsCount(Math.max(1, requested));
  } else if (options.threads !== undefined && options.threads !== initialisedThreads) {
    options.log?.(
      `gsa: the wasm backend already runs with ${initialisedThreads} thread(s); thread counts are fixed once it has started.`,
    );
  }
  const restoreProcessHandlers = keepProcessErrorHandlers();
  try {
    await activate('wasm');
  } finally {
    finishNodeWasmThreads();
    restoreProcessHandlers();
  }
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  const threaded = (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) === true;
  initialisedThreads ??= threaded ? getThreadsCount() : 1;
  return {
    name: 'wasm',
    simd,
    threads: initialisedThreads,
    addedKernels: wasmTrainingKernels.map((kernel) => kernel.kernelName),
  };
}

async function defaultThreads(): Promise<number> {
  if (!isNode()) return globalThis.navigator?.hardwareConcurrency ?? 1;
  const os = await import('node:os');
  return os.availableParallelism();
}

function isNode(): boolean {
  return typeof globalThis.process?.versions?.node === 'string';
}

/**
 * The Emscripten glue installs process-wide handlers that rethrow every
 * uncaught error from inside itself, so Node prints a screen of minified glue
 * instead of the user's error. Remove whatever handlers starting wasm added.
 */
function keepProcessErrorHandlers(): () => void {
  if (!isNode()) return () => {};
  const events: string[] = ['uncaughtException', 'unhandledRejection'];
  const emitter = process as unknown as NodeJS.EventEmitter;
  const before = events.map((event) => new Set(emitter.listeners(event)));
  return () => {
    events.forEach((event, index) => {
      for (const listener of emitter.listeners(event)) {
        if (!before[index]!.has(listener)) emitter.removeListener(event, listener as () => void);
      }
    });
  };
}
