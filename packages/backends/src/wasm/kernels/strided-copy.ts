import { util, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** Below this many elements a plain loop beats copyWithin's call overhead. */
const LOOP_LIMIT = 48;

/** A view of the whole wasm heap in `x`'s element width (bits copied, never converted); undefined for other dtypes. */
function heapOf(backend: BackendWasm, x: TensorInfo): Int32Array | Uint8Array | undefined {
  const view = backend.typedArrayFromHeap(x);
  if (x.dtype === 'float32' || x.dtype === 'int32') return new Int32Array(view.buffer);
  if (x.dtype === 'bool') return new Uint8Array(view.buffer);
  return undefined;
}

/** Whether `copyBoxes` handles `x`: 4-byte numbers and bool of rank 1 or more (not string or complex64). */
export function canCopyBoxes(x: TensorInfo): boolean {
  return x.shape.length > 0 && (x.dtype === 'float32' || x.dtype === 'int32' || x.dtype === 'bool');
}

/**
 * Copies boxes of `x` into fresh outputs, each `{ begin, size, output }`, in
 * one pass over the rows each box covers. The trailing axes a box covers whole
 * merge into one run, so a channel slice of NHWC copies H*W*N runs of its
 * channels, and a slice of whole rows is one copy. Runs move with
 * `copyWithin` on the wasm heap or, when short, an element loop: the stock
 * Slice calls `set(subarray(...))` per run, an allocation each, which made
 * DenseNet's concatenation gradients (SplitV into 32-channel pieces) 16% of
 * its training step.
 */
export function copyBoxes(
  backend: BackendWasm,
  x: TensorInfo,
  boxes: readonly { begin: readonly number[]; size: readonly number[]; output: TensorInfo }[],
): void {
  // After every makeOutput: a heap that grew has a new buffer.
  const heap = heapOf(backend, x)!;
  const elementBytes = heap.BYTES_PER_ELEMENT;
  const base = backend.typedArrayFromHeap(x).byteOffset / elementBytes;
  const shape = x.shape;
  const strides = [...util.computeStrides(shape), 1];
  for (const { begin, size, output } of boxes) {
    if (util.sizeFromShape(size as number[]) === 0) continue;
    let target = backend.typedArrayFromHeap(output).byteOffset / elementBytes;
    // Merge the trailing axes the box covers whole into one run.
    let runAxis = shape.length - 1;
    while (runAxis > 0 && size[runAxis] === shape[runAxis]) runAxis--;
    const run = size[runAxis]! * strides[runAxis]!;
    const outer = size.slice(0, runAxis);
    const count = util.sizeFromShape(outer as number[]);
    const index = new Array<number>(runAxis).fill(0);
    let source = base;
    for (let axis = 0; axis <= runAxis; axis++) source += begin[axis]! * strides[axis]!;
    for (let copied = 0; copied < count; copied++) {
      if (run < LOOP_LIMIT) {
        for (let k = 0; k < run; k++) heap[target + k] = heap[source + k]!;
      } else {
        heap.copyWithin(target, source, source + run);
      }
      target += run;
      // Odometer over the outer axes: step the innermost, carry outwards.
      for (let axis = runAxis - 1; axis >= 0; axis--) {
        source += strides[axis]!;
        if (++index[axis]! < outer[axis]!) break;
        index[axis] = 0;
        source -= outer[axis]! * strides[axis]!;
      }
    }
  }
}
