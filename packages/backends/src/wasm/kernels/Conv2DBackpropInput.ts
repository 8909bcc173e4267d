import {
  Conv2DBackpropInput,
  type Conv2DBackpropInputAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { convGradientGeometry } from '../../shared/conv-geometry.js';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { withKernelScope, type KernelScope } from './kernel-scope.js';

/**
 * The input gradient of a 2D convolution as forward convolutions, so that
 * XNNPACK runs it (stock wasm loops over it in scalar C++). Stride 1:
 *
 *   dx = conv2d(dy, flip(W) with in/out swapped)
 *
 * with padding chosen so the result has the input's exact extent; a 1x1,
 * unpadded filter becomes one matrix product. Strided: one such convolution
 * per output phase (`stridedBackpropInput`).
 */
function conv2DBackpropInput(args: {
  inputs: { dy: TensorInfo; filter: TensorInfo };
  backend: BackendWasm;
  attrs: Conv2DBackpropInputAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs;
  const info = convGradientGeometry(
    Conv2DBackpropInput,
    attrs.inputShape,
    filter.shape as [number, number, number, number],
    attrs,
  );
  const { batchSize, inHeight, inWidth, inChannels, outChannels, outHeight, outWidth } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth, padInfo } = info;

  return withKernelScope(backend, (scope) => {
    const strided = strideHeight > 1 || strideWidth > 1;
    if (
      filterHeight === 1 &&
      filterWidth === 1 &&
      !strided &&
      padInfo.top === 0 &&
      padInfo.left === 0
    ) {
      const positions = batchSize * outHeight * outWidth;
      const product = scope.run(
        'BatchMatMul',
        {
          a: scope.reshape(dy, [1, positions, outChannels]),
          b: scope.reshape(filter, [1, inChannels, outChannels]),
        },
        { transposeA: false, transposeB: true },
      );
      return scope.reshape(product, [batchSize, inHeight, inWidth, inChannels]);
    }

    if (strided) return stridedBackpropInput(scope, dy, filter, info);
    const flipped = flippedTaps(scope, filter, [0, 0], [1, 1]);
    const top = filterHeight - 1 - padInfo.top;
    const left = filterWidth - 1 - padInfo.left;
    const bottom = inHeight - outHeight - top + filterHeight - 1;
    const right = inWidth - outWidth - left + filterWidth - 1;
    // Negative padding (a forward padding wider than the filter) crops: pad by
    // zero there and drop the rows and columns it would have cropped.
    let gradient = scope.run(
      'Conv2D',
      { x: dy, filter: flipped },
      {
        strides: [1, 1],
        pad: [
          [0, 0],
          [Math.max(0, top), Math.max(0, bottom)],
          [Math.max(0, left), Math.max(0, right)],
          [0, 0],
        ],
        dataFormat: 'NHWC',
        dilations: [1, 1],
      },
    );
    if (top < 0 || left < 0 || bottom < 0 || right < 0) {
      gradient = scope.run(
        'Slice',
        { x: gradient },
        {
          begin: [0, Math.max(0, -top), Math.max(0, -left), 0],
          size: [batchSize, inHeight, inWidth, inChannels],
        },
      );
    }
    return gradient;
  });
}

/**
 * The filter taps (r_h + m s_h, r_w + n s_w), flipped and with in and out
 * channels swapped: [taps_h, taps_w, Co, Ci], the filter of a forward
 * convolution of dy. One pass over the filter (a strided slice, a reverse and
 * a transpose as kernels cost far more on wasm).
 */
function flippedTaps(
  scope: KernelScope,
  filter: TensorInfo,
  [rowPhase, columnPhase]: [number, number],
  [strideHeight, strideWidth]: [number, number],
): TensorInfo {
  const [filterHeight, filterWidth, inChannels, outChannels] = filter.shape as [
    number,
    number,
    number,
    number,
  ];
  const tapsHigh = Math.ceil((filterHeight - rowPhase) / strideHeight);
  const tapsWide = Math.ceil((filterWidth - columnPhase) / strideWidth);
  const source = scope.backend.typedArrayFromHeap(filter) as Float32Array;
  return scope.make([tapsHigh, tapsWide, outChannels, inChannels], (values) => {
    let index = 0;
    for (let a = 0; a < tapsHigh; a++) {
      const row = rowPhase + (tapsHigh - 1 - a) * strideHeight;
      for (let b = 0; b < tapsWide; b++) {
        const column = columnPhase + (tapsWide - 1 - b) * strideWidth;
        const tap = (row * filterWidth + column) * inChannels * outChannels;
        for (let o = 0; o < outChannels; o++) {
          for (let i = 0; i < inChannels; i++) values[index++] = source[tap + i * outChannels + o]!;
        }
      }
    }
  });
}

/** The rows (or columns) of one phase r of a strided input gradient, along one axis. */
interface PhaseAxis {
  /** Filter taps r, r + s, ...: how many. */
  taps: number;
  /** dy rows the phase reads, clipped to dy, and the zeros it needs beyond them. */
  sliceStart: number;
  sliceSize: number;
  padBefore: number;
  padAfter: number;
  /** Its results are the grid rows q_lo..q_hi (input row q * s + r - pad). */
  first: number;
  last: number;
}

function phaseAxis(
  phase: number,
  stride: number,
  filterSize: number,
  pad: number,
  inSize: number,
  outSize: number,
): PhaseAxis | undefined {
  const taps = Math.ceil((filterSize - phase) / stride);
  const first = Math.ceil((pad - phase) / stride);
  const last = Math.floor((inSize - 1 + pad - phase) / stride);
  if (taps <= 0 || last < first) return undefined;
  // dy[q - m] for tap r + m*s, m < taps: rows first - (taps - 1) .. last.
  const low = first - (taps - 1);
  const sliceStart = Math.max(0, low);
  const sliceEnd = Math.min(outSize - 1, last);
  if (sliceEnd < sliceStart) return undefined;
  return {
    taps,
    sliceStart,
    sliceSize: sliceEnd - sliceStart + 1,
    padBefore: sliceStart - low,
    padAfter: last - sliceEnd,
    first,
    last,
  };
}

/**
 * The strided input gradient without multiplying zeros. Input row i gets
 * dy[q - m] * W[r + m*s] where i + pad = q*s + r: for each phase (r_h, r_w),
 * a stride-1 convolution of dy with the taps r, r + s, ... of the flipped
 * filter. The phases are laid on a grid [N, Q_h, s_h, Q_w, s_w, C], which
 * reshapes to the padded input, and the input's window is cut out. The
 * convolutions do the forward pass's work; zero-interleaving dy did s_h * s_w
 * times that.
 */
function stridedBackpropInput(
  scope: KernelScope,
  dy: TensorInfo,
  filter: TensorInfo,
  info: ReturnType<typeof convGradientGeometry>,
): TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels, outChannels, outHeight, outWidth } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth, padInfo } = info;
  const gridHeight = Math.ceil((inHeight + padInfo.top) / strideHeight);
  const gridWidth = Math.ceil((inWidth + padInfo.left) / strideWidth);
  const rows: TensorInfo[] = [];
  for (let rowPhase = 0; rowPhase < strideHeight; rowPhase++) {
    const columns: TensorInfo[] = [];
    for (let columnPhase = 0; columnPhase < strideWidth; columnPhase++) {
      const along = [
        phaseAxis(rowPhase, strideHeight, filterHeight, padInfo.top, inHeight, outHeight),
        phaseAxis(columnPhase, strideWidth, filterWidth, padInfo.left, inWidth, outWidth),
      ] as const;
      const [height, width] = along;
      if (height === undefined || width === undefined) {
        columns.push(
          scope.run(
            'Fill',
            {},
            {
              shape: [batchSize, gridHeight, 1, gridWidth, 1, inChannels],
              value: 0,
              dtype: 'float32',
            },
          ),
        );
        continue;
      }
      const flipped = flippedTaps(
        scope,
        filter,
        [rowPhase, columnPhase],
        [strideHeight, strideWidth],
      );
      const rowsRead = scope.run(
        'Slice',
        { x: dy },
        {
          begin: [0, height.sliceStart, width.sliceStart, 0],
          size: [batchSize, height.sliceSize, width.sliceSize, outChannels],
        },
      );
      const gradient = scope.run(
        'Conv2D',
        { x: rowsRead, filter: flipped },
        {
          strides: [1, 1],
          pad: [
            [0, 0],
            [height.padBefore, height.padAfter],
            [width.padBefore, width.padAfter],
            [0, 0],
          ],
          dataFormat: 'NHWC',
          dilations: [1, 1],
        },
      ); // grid rows first..last, columns first..last
      const onGrid = scope.run(
        'PadV2',
        { x: gradient },
        {
          paddings: [
            [0, 0],
            [height.first, gridHeight - 1 - height.last],
            [width.first, gridWidth - 1 - width.last],
            [0, 0],
          ],
          constantValue: 0,
        },
      );
      columns.push(scope.reshape(onGrid, [batchSize, gridHeight, 1, gridWidth, 1, inChannels]));
    }
    rows.push(columns.length === 1 ? columns[0]! : scope.run('Concat', columns, { axis: 4 }));
  }
  // [N, Q_h, s_h, Q_w, s_w, C]: row q * s + r of the padded input.
  const grid = rows.length === 1 ? rows[0]! : scope.run('Concat', rows, { axis: 2 });
  const padded = scope.reshape(grid, [
    batchSize,
    gridHeight * strideHeight,
    gridWidth * strideWidth,
    inChannels,
  ]);
  return scope.run(
    'Slice',
    { x: padded },
    {
      begin: [0, padInfo.top, padInfo.left, 0],
      size: [batchSize, inHeight, inWidth, inChannels],
    },
  );
}

export const conv2DBackpropInputConfig: KernelConfig = {
  kernelName: Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropInput as unknown as KernelFunc,
};
