/** A TensorFlow.js backend gsa can run on. */
export type BackendName = 'cpu' | 'wasm' | 'webgl' | 'webgpu' | 'tensorflow';

/** What `useBackend` chose and how it runs. */
export interface BackendInfo {
  name: BackendName;
  /** WebAssembly SIMD in use (wasm only). */
  simd: boolean;
  /** Compute threads: wasm's pthread pool, 1 for single-threaded JS or wasm, 0 where the backend manages its own (GPU, libtensorflow). */
  threads: number;
  /** The GPU adapter (webgpu), renderer (webgl) or device (tensorflow), in words. */
  adapter?: string;
  /** Why `auto` chose this backend. */
  reason?: string;
  /** Kernels gsa registered on top of the stock backend (added, or replacing slow or wrong ones). */
  addedKernels: string[];
}

export interface UseBackendOptions {
  /**
   * wasm compute threads. Default: every core Node reports, at most 8 (the
   * size of tfjs's pthread pool; tfjs itself would use one in Node). 1 keeps
   * wasm single-threaded.
   */
  threads?: number;
  /**
   * wasm in a browser: the URL prefix (ending in '/') where the
   * `tfjs-backend-wasm*.wasm` files of `@tensorflow/tfjs-backend-wasm/dist`
   * are served, for bundled web apps. Fixed once wasm has started.
   */
  wasmPaths?: string;
  /** webgpu and webgl: refuse software adapters such as SwiftShader (what `auto` asks). */
  requireHardwareGpu?: boolean;
  /** Receives one-line notes such as which backend `auto` chose. */
  log?: (message: string) => void;
}
