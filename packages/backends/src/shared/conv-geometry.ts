import { backend_util } from '@tensorflow/tfjs-core';

type Shape4D = [number, number, number, number];

/** The attributes every 2D convolution gradient kernel receives. */
export interface ConvGradientAttrs {
  strides: [number, number] | number;
  pad: Parameters<typeof backend_util.computeConv2DInfo>[4];
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/**
 * The geometry of a 2D convolution as its gradient kernels see it (tfjs's
 * conv gradients have no dilation), checked to be NHWC: the only layout the
 * kernels built on XNNPACK handle.
 */
export function convGradientGeometry(
  kernelName: string,
  inputShape: Shape4D,
  filterShape: Shape4D,
  attrs: ConvGradientAttrs,
): backend_util.Conv2DInfo {
  const info = backend_util.computeConv2DInfo(
    inputShape,
    filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    backend_util.convertConv2DDataFormat(attrs.dataFormat),
  );
  if (info.dataFormat !== 'channelsLast') {
    throw new Error(`gsa's ${kernelName} supports only NHWC, got '${attrs.dataFormat}'.`);
  }
  return info;
}

/**
 * Visits every (output pixel, filter tap) pair of a convolution (plain or
 * depthwise) that reads inside the input: `xBase` and `dyBase` are the flat
 * NHWC offsets of the input and dy pixels, `tap` the filter position
 * i * filterWidth + j. The caller loops over the channels, innermost.
 */
export function forEachConvolutionTap(
  info: backend_util.Conv2DInfo,
  visit: (xBase: number, dyBase: number, tap: number) => void,
): void {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth, dilationHeight, dilationWidth } =
    info;
  const { top, left } = info.padInfo;
  for (let b = 0; b < batchSize; b++) {
    for (let p = 0; p < outHeight; p++) {
      for (let i = 0; i < filterHeight; i++) {
        const row = p * strideHeight + i * dilationHeight - top;
        if (row < 0 || row >= inHeight) continue;
        for (let q = 0; q < outWidth; q++) {
          const dyBase = ((b * outHeight + p) * outWidth + q) * outChannels;
          for (let j = 0; j < filterWidth; j++) {
            const column = q * strideWidth + j * dilationWidth - left;
            if (column < 0 || column >= inWidth) continue;
            visit(
              ((b * inHeight + row) * inWidth + column) * inChannels,
              dyBase,
              i * filterWidth + j,
            );
          }
        }
      }
    }
  }
}
