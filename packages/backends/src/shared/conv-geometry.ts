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
