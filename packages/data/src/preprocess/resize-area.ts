// OpenCV's INTER_AREA resize, re-implemented so that preprocessing matches the
// paper's cv2 pipeline. It follows OpenCV 4's resize.cpp step by step:
// - shrinking on both axes by integers: the mean of each block (resizeAreaFast);
// - shrinking on both axes otherwise: area-weighted sums with OpenCV's weight
//   table (computeResizeAreaTab), separable, rows then columns;
// - enlarging on any axis: linear interpolation with INTER_AREA's own
//   coefficients (the "area_mode" branch of resizeGeneric).
// Arithmetic is float32 in the same order as OpenCV's float path
// (Math.fround everywhere), so float images agree to within rounding; see the
// fixture test against cv2.resize.
import { DataError } from '../errors.js';
import type { PixelArray } from '../types.js';

const f = Math.fround;

/** A rectangle of a row-major interleaved image, optionally its whole. */
export interface PixelView {
  readonly data: PixelArray;
  /** Width of the full image (pixels per stored row). */
  readonly stride: number;
  readonly channels: number;
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

interface AreaTable {
  destination: Int32Array;
  source: Int32Array;
  weight: Float32Array;
}

// computeResizeAreaTab: which source cells (with what weight) make each
// destination cell along one axis. Weights are computed in double, stored as float.
function areaTable(sourceSize: number, destinationSize: number, scale: number): AreaTable {
  const destination: number[] = [];
  const source: number[] = [];
  const weight: number[] = [];
  for (let d = 0; d < destinationSize; d++) {
    const fs1 = d * scale;
    const fs2 = fs1 + scale;
    const cellWidth = Math.min(scale, sourceSize - fs1);
    let s2 = Math.floor(fs2);
    let s1 = Math.ceil(fs1);
    s2 = Math.min(s2, sourceSize - 1);
    s1 = Math.min(s1, s2);
    if (s1 - fs1 > 1e-3) {
      destination.push(d);
      source.push(s1 - 1);
      weight.push((s1 - fs1) / cellWidth);
    }
    for (let s = s1; s < s2; s++) {
      destination.push(d);
      source.push(s);
      weight.push(1 / cellWidth);
    }
    if (fs2 - s2 > 1e-3) {
      destination.push(d);
      source.push(s2);
      weight.push(Math.min(Math.min(fs2 - s2, 1), cellWidth) / cellWidth);
    }
  }
  return {
    destination: Int32Array.from(destination),
    source: Int32Array.from(source),
    weight: Float32Array.from(weight),
  };
}

function resizeAreaFast(
  view: PixelView,
  out: Float32Array,
  dstW: number,
  dstH: number,
  sx: number,
  sy: number,
): void {
  const { data, stride, channels: cn, left, top } = view;
  const area = sx * sy;
  const scale = f(1 / area);
  // OpenCV's offset table: where each cell of a block is, row-major, from its corner.
  const offsets = new Int32Array(area);
  for (let k = 0; k < area; k++) offsets[k] = (Math.floor(k / sx) * stride + (k % sx)) * cn;
  for (let dy = 0; dy < dstH; dy++) {
    for (let dx = 0; dx < dstW; dx++) {
      const corner = ((top + dy * sy) * stride + left + dx * sx) * cn;
      for (let c = 0; c < cn; c++) {
        const base = corner + c;
        // Summed in OpenCV's unrolled order: sum + (((a + b) + c) + d), then one at a time.
        let sum = 0;
        let k = 0;
        for (; k <= area - 4; k += 4)
          sum = f(
            sum +
              f(
                f(
                  f(data[base + offsets[k]!]! + data[base + offsets[k + 1]!]!) +
                    data[base + offsets[k + 2]!]!,
                ) + data[base + offsets[k + 3]!]!,
              ),
          );
        for (; k < area; k++) sum = f(sum + data[base + offsets[k]!]!);
        out[(dy * dstW + dx) * cn + c] = f(sum * scale);
      }
    }
  }
}

function resizeAreaWeighted(
  view: PixelView,
  out: Float32Array,
  dstW: number,
  dstH: number,
  scaleX: number,
  scaleY: number,
): void {
  const { data, stride, channels: cn, left, top, width, height } = view;
  const xtab = areaTable(width, dstW, scaleX);
  const ytab = areaTable(height, dstH, scaleY);
  const rowLength = dstW * cn;
  const buf = new Float32Array(rowLength);
  const sum = new Float32Array(rowLength);
  let previous = ytab.destination[0] ?? 0;
  const flush = (dy: number): void => out.set(sum, dy * rowLength);
  for (let j = 0; j < ytab.source.length; j++) {
    const dy = ytab.destination[j]!;
    const beta = ytab.weight[j]!;
    const rowStart = ((top + ytab.source[j]!) * stride + left) * cn;
    buf.fill(0);
    for (let k = 0; k < xtab.source.length; k++) {
      const alpha = xtab.weight[k]!;
      const s = rowStart + xtab.source[k]! * cn;
      const d = xtab.destination[k]! * cn;
      for (let c = 0; c < cn; c++) buf[d + c] = f(buf[d + c]! + f(data[s + c]! * alpha));
    }
    if (dy !== previous) {
      flush(previous);
      for (let i = 0; i < rowLength; i++) sum[i] = f(beta * buf[i]!);
      previous = dy;
    } else {
      for (let i = 0; i < rowLength; i++) sum[i] = f(sum[i]! + f(beta * buf[i]!));
    }
  }
  flush(previous);
}

interface LinearAxis {
  offset: Int32Array;
  weight: Float32Array; // [1 - t, t] per destination index
  limit: number; // destinations from here on use the source cell alone (OpenCV's xmax)
}

// resizeGeneric's coefficients for INTER_AREA when enlarging ("area_mode").
function areaLinearAxis(sourceSize: number, destinationSize: number): LinearAxis {
  const inverseScale = destinationSize / sourceSize;
  const scale = 1 / inverseScale;
  const offset = new Int32Array(destinationSize);
  const weight = new Float32Array(destinationSize * 2);
  let limit = destinationSize;
  for (let d = 0; d < destinationSize; d++) {
    let s = Math.floor(d * scale);
    let t = f(d + 1 - (s + 1) * inverseScale);
    t = t <= 0 ? 0 : f(t - Math.floor(t));
    if (s < 0) {
      t = 0;
      s = 0;
    }
    if (s + 1 >= sourceSize) {
      limit = Math.min(limit, d);
      if (s >= sourceSize - 1) {
        t = 0;
        s = sourceSize - 1;
      }
    }
    offset[d] = s;
    weight[2 * d] = f(1 - t);
    weight[2 * d + 1] = t;
  }
  return { offset, weight, limit };
}

function resizeAreaLinear(view: PixelView, out: Float32Array, dstW: number, dstH: number): void {
  const { data, stride, channels: cn, left, top, width, height } = view;
  const xs = areaLinearAxis(width, dstW);
  const ys = areaLinearAxis(height, dstH);
  const rowLength = dstW * cn;
  const horizontal = (sourceRow: number, into: Float32Array): void => {
    const rowStart = ((top + sourceRow) * stride + left) * cn;
    for (let dx = 0; dx < dstW; dx++) {
      const s = rowStart + xs.offset[dx]! * cn;
      const a0 = xs.weight[2 * dx]!;
      const a1 = xs.weight[2 * dx + 1]!;
      for (let c = 0; c < cn; c++) {
        into[dx * cn + c] =
          dx < xs.limit ? f(f(data[s + c]! * a0) + f(data[s + cn + c]! * a1)) : data[s + c]!;
      }
    }
  };
  const row0 = new Float32Array(rowLength);
  const row1 = new Float32Array(rowLength);
  for (let dy = 0; dy < dstH; dy++) {
    const sy = ys.offset[dy]!;
    horizontal(sy, row0);
    horizontal(Math.min(sy + 1, height - 1), row1);
    const b0 = ys.weight[2 * dy]!;
    const b1 = ys.weight[2 * dy + 1]!;
    const base = dy * rowLength;
    for (let i = 0; i < rowLength; i++) out[base + i] = f(f(row0[i]! * b0) + f(row1[i]! * b1));
  }
}

/**
 * Resizes a rectangle of an image with OpenCV's INTER_AREA rule. Returns
 * interleaved float32 pixels, [dstHeight, dstWidth, channels], in the input's units.
 */
export function resizeAreaView(view: PixelView, dstHeight: number, dstWidth: number): Float32Array {
  const { width, height, channels } = view;
  if (!(
    Number.isInteger(dstHeight) &&
    Number.isInteger(dstWidth) &&
    dstHeight > 0 &&
    dstWidth > 0
  )) {
    throw new DataError(`resize target must be positive integers, got ${dstHeight}x${dstWidth}`);
  }
  if (width <= 0 || height <= 0)
    throw new DataError(`cannot resize an empty ${height}x${width} image`);
  const out = new Float32Array(dstHeight * dstWidth * channels);
  if (width === dstWidth && height === dstHeight) {
    const rowLength = width * channels;
    for (let y = 0; y < height; y++) {
      const start = ((view.top + y) * view.stride + view.left) * channels;
      out.set(view.data.subarray(start, start + rowLength), y * rowLength);
    }
    return out;
  }
  const scaleX = 1 / (dstWidth / width);
  const scaleY = 1 / (dstHeight / height);
  if (scaleX >= 1 && scaleY >= 1) {
    const ix = Math.round(scaleX);
    const iy = Math.round(scaleY);
    if (Math.abs(scaleX - ix) < Number.EPSILON && Math.abs(scaleY - iy) < Number.EPSILON) {
      resizeAreaFast(view, out, dstWidth, dstHeight, ix, iy);
    } else {
      resizeAreaWeighted(view, out, dstWidth, dstHeight, scaleX, scaleY);
    }
  } else {
    resizeAreaLinear(view, out, dstWidth, dstHeight);
  }
  return out;
}

/**
 * Resizes an interleaved (HWC) image like `cv2.resize(image, (width, height),
 * interpolation=cv2.INTER_AREA)` on a float32 image.
 */
export function resizeArea(
  data: PixelArray,
  size: { height: number; width: number; channels: number },
  target: { height: number; width: number },
): Float32Array {
  const { height, width, channels } = size;
  if (data.length !== height * width * channels) {
    throw new DataError(
      `resizeArea: ${data.length} values do not make a ${height}x${width}x${channels} image`,
    );
  }
  return resizeAreaView(
    { data, stride: width, channels, left: 0, top: 0, width, height },
    target.height,
    target.width,
  );
}
