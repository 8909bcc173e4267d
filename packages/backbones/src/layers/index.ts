export { TorchBatchNorm, type TorchBatchNormArgs } from './torch-batch-norm.js';
export {
  AdaptiveAveragePooling2D,
  adaptivePoolingBins,
  type AdaptiveAveragePooling2DArgs,
} from './adaptive-average-pooling.js';
export { FixedChannelAffine, type FixedChannelAffineArgs } from './fixed-channel-affine.js';
