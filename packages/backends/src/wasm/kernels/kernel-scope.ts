import { getKernel, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/**
 * Runs registered wasm kernels from inside another kernel and frees every
 * intermediate it made. Kernels cannot call tfjs ops (that would re-enter the
 * engine and the gradient tape), so composite kernels call kernel functions.
 */
export class KernelScope {
  private readonly intermediates: TensorInfo[] = [];

  constructor(readonly backend: BackendWasm) {}

  /** `inputs` by name, or a list for kernels that take one (Concat). */
  run(
    kernelName: string,
    inputs: Record<string, TensorInfo> | TensorInfo[],
    attrs: object = {},
  ): TensorInfo {
    const kernel = getKernel(kernelName, 'wasm');
    if (kernel === undefined) {
      throw new Error(`@gsa/backends: the wasm backend has no '${kernelName}' kernel to build on.`);
    }
    const output = kernel.kernelFunc({
      inputs: inputs as Record<string, TensorInfo>,
      attrs: attrs as NamedAttrMap,
      backend: this.backend,
    }) as TensorInfo;
    this.intermediates.push(output);
    return output;
  }

  /** A new float32 tensor that the scope frees unless kept; `fill` writes its values. */
  make(shape: number[], fill: (values: Float32Array) => void): TensorInfo {
    const output = this.backend.makeOutput(shape, 'float32');
    this.intermediates.push(output);
    fill(this.backend.typedArrayFromHeap(output) as Float32Array);
    return output;
  }

  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return this.run('Transpose', { x }, { perm });
  }

  /** Removes `result` from the intermediates so that `dispose` keeps it. */
  keep(result: TensorInfo): TensorInfo {
    const index = this.intermediates.lastIndexOf(result);
    if (index >= 0) this.intermediates.splice(index, 1);
    return result;
  }

  dispose(): void {
    for (const info of this.intermediates) this.backend.disposeData(info.dataId);
    this.intermediates.length = 0;
  }
}

/** Runs `body` with a fresh scope, keeping only its result. */
export function withKernelScope(
  backend: BackendWasm,
  body: (scope: KernelScope) => TensorInfo,
): TensorInfo {
  const scope = new KernelScope(backend);
  try {
    return scope.keep(body(scope));
  } finally {
    scope.dispose();
  }
}
