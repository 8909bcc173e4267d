/**
 * The gradient of nearest-neighbour resizing as the exact adjoint of the
 * forward op: every dy pixel is added to the input pixel the forward pass
 * copied it from, with the forward's own index rule (alignCorners and
 * halfPixelCenters included). Stock tfjs gets this wrong for batches larger
 * than one (wasm and cpu both) and ignores halfPixelCenters (cpu).
 */
export function resizeNearestNeighborBackprop(
  dy: Float32Array,
  dyShape: readonly number[],
  imagesShape: readonly number[],
  alignCorners: boolean,
  halfPixelCenters: boolean,
  output: Float32Array,
): void {
  const [batch, inHeight, inWidth, channels] = imagesShape as [number, number, number, number];
  const [, outHeight, outWidth] = dyShape as [number, number, number, number];
  const rowRatio = sizeRatio(inHeight, outHeight, alignCorners);
  const columnRatio = sizeRatio(inWidth, outWidth, alignCorners);
  const sourceRows = Array.from({ length: outHeight }, (_, r) =>
    sourceIndex(r, rowRatio, inHeight, alignCorners, halfPixelCenters),
  );
  const sourceColumns = Array.from({ length: outWidth }, (_, c) =>
    sourceIndex(c, columnRatio, inWidth, alignCorners, halfPixelCenters),
  );
  output.fill(0);
  let dyOffset = 0;
  for (let b = 0; b < batch; b++) {
    for (let r = 0; r < outHeight; r++) {
      const rowOffset = (b * inHeight + sourceRows[r]!) * inWidth;
      for (let c = 0; c < outWidth; c++) {
        const offset = (rowOffset + sourceColumns[c]!) * channels;
        for (let d = 0; d < channels; d++) output[offset + d]! += dy[dyOffset++]!;
      }
    }
  }
}

function sizeRatio(inSize: number, outSize: number, alignCorners: boolean): number {
  return alignCorners && outSize > 1 ? (inSize - 1) / (outSize - 1) : inSize / outSize;
}

function sourceIndex(
  index: number,
  ratio: number,
  inSize: number,
  alignCorners: boolean,
  halfPixelCenters: boolean,
): number {
  const fraction = halfPixelCenters ? ratio * (index + 0.5) : ratio * index;
  const nearest = Math.min(inSize - 1, alignCorners ? Math.round(fraction) : Math.floor(fraction));
  return halfPixelCenters ? Math.max(0, nearest) : nearest;
}
