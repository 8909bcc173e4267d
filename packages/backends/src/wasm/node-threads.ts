import * as tf from '@tensorflow/tfjs-core';
import type * as NodeOs from 'node:os';
import type { Worker as NodeWorker } from 'node:worker_threads';

/**
 * Lets tfjs-backend-wasm's threaded build run under Node, where tfjs turns
 * threads off (tfjs issue 3830). Relies on tfjs-backend-wasm 4.22 internals;
 * re-check after an upgrade (the thread tests fail loudly if it breaks).
 *
 * The Emscripten glue hands worker_threads `blob:` URLs for the pthread worker
 * and for its own script, which Node rejects. When the glue installs
 * `globalThis.Worker`, we hand it a subclass that starts the package's worker
 * script from its source and swaps the glue Blob for the script's path.
 * `ref()` is a no-op: XNNPACK's pool threads must not keep the process alive.
 */
export async function enableNodeWasmThreads(threads: number): Promise<void> {
  const { createRequire } = await import('node:module');
  const os = await import('node:os');
  const require = createRequire(import.meta.url);
  // The package ships the pthread worker as a module exporting its source.
  const { wasmWorkerContents } =
    require('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js') as {
      wasmWorkerContents: string;
    };
  // As tfjs does for its Blob: the source holds '\n' escapes that a template literal unescaped.
  const workerSource = wasmWorkerContents.replace(/\n/g, '\\n');
  const gluePath =
    require.resolve('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js');
  const workerThreads = await import('node:worker_threads');
  installWorkerShim(workerThreads.Worker, workerSource, gluePath);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  capCoreCountForInit(os.default, threads);
}

type NodeWorkerClass = typeof NodeWorker;

interface LoadMessage {
  cmd?: string;
  urlOrBlob?: unknown;
}

let installed = false;

function installWorkerShim(
  NodeWorker: NodeWorkerClass,
  workerSource: string,
  gluePath: string,
): void {
  if (installed) return;
  installed = true;
  let current: unknown = (globalThis as { Worker?: unknown }).Worker;
  Object.defineProperty(globalThis, 'Worker', {
    configurable: true,
    get: () => current,
    set: (value: unknown) => {
      current = value === NodeWorker ? adaptWorkerClass(NodeWorker, workerSource, gluePath) : value;
    },
  });
}

function adaptWorkerClass(
  NodeWorker: NodeWorkerClass,
  workerSource: string,
  gluePath: string,
): NodeWorkerClass {
  class WasmPthreadWorker extends NodeWorker {
    constructor(url: string | URL, options?: ConstructorParameters<NodeWorkerClass>[1]) {
      const isBlob = typeof url === 'string' && url.startsWith('blob:');
      super(
        isBlob ? workerSource : url,
        isBlob ? { ...options, eval: true, execArgv: workerExecArgv(options?.execArgv) } : options,
      );
    }

    override postMessage(message: unknown, transferList?: readonly unknown[]): void {
      const load = message as LoadMessage;
      const adapted =
        load !== null &&
        typeof load === 'object' &&
        load.cmd === 'load' &&
        typeof load.urlOrBlob !== 'string'
          ? { ...load, urlOrBlob: gluePath }
          : message;
      super.postMessage(
        adapted,
        transferList as Parameters<InstanceType<NodeWorkerClass>['postMessage']>[1],
      );
    }

    override ref(): void {
      // Never keep the process alive for a pool thread.
    }
  }
  return WasmPthreadWorker;
}

/**
 * The worker's source is a CommonJS script evaluated as a string, and a worker
 * inherits the parent's Node flags: under `node --input-type=module -e ...`
 * that flag would make the script an ES module ("require is not defined").
 * Everything else (loaders, --experimental-vm-modules) is kept.
 */
export function workerExecArgv(execArgv: readonly string[] = process.execArgv): string[] {
  const kept: string[] = [];
  for (let index = 0; index < execArgv.length; index++) {
    const arg = execArgv[index]!;
    if (arg === '--input-type') {
      index += 1; // and its value
      continue;
    }
    if (arg.startsWith('--input-type=')) continue;
    kept.push(arg);
  }
  return kept;
}

/**
 * The threaded build sizes its pool from `os.cpus()` halved; on a 2-core
 * machine that is one thread. Report enough cores while the backend starts.
 */
function capCoreCountForInit(os: typeof NodeOs, threads: number): void {
  const original = os.cpus;
  const cores = original();
  if (cores.length >= threads * 2) return;
  const padded = Array.from({ length: threads * 2 }, (_, index) => cores[index % cores.length]!);
  os.cpus = () => padded;
  restoreAfterInit = () => {
    os.cpus = original;
  };
}

let restoreAfterInit: (() => void) | undefined;

/** Undoes the temporary core count once the backend has started. */
export function finishNodeWasmThreads(): void {
  restoreAfterInit?.();
  restoreAfterInit = undefined;
}
