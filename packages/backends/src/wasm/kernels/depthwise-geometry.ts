import { backend_util } from '@tensorflow/tfjs-core';

type Shape4D = [number, number, number, number];

/** The geometry both depthwise gradients share, checked for NHWC. */
export function depthwiseGeometry(
  kernelName: string,
  inputShape: Shape4D,
  filterShape: Shape4D,
  strides: [number, number] | number,
  dilations: [number, number] | number,
  pad: Parameters<typeof backend_util.computeConv2DInfo>[4],
  dimRoundingMode: 'floor' | 'round' | 'ceil' | undefined,
): backend_util.Conv2DInfo {
  const info = backend_util.computeConv2DInfo(
    inputShape,
    filterShape,
    strides,
    dilations,
    pad,
    dimRoundingMode,
    true,
  );
  if (info.inChannels !== filterShape[2]) {
    throw new Error(
      `wasm ${kernelName}: the filter has ${filterShape[2]} input channels, the input ${info.inChannels}.`,
    );
  }
  return info;
}
