export { TorchBatchNorm, type TorchBatchNormArgs } from './torch-batch-norm.js';
export {
  AdaptiveAveragePooling2D,
  type AdaptiveAveragePooling2DArgs,
} from './adaptive-average-pooling.js';
export { FixedChannelAffine, type FixedChannelAffineArgs } from './fixed-channel-affine.js';
export {
  SpatialAttentionNormalization,
  AttentionWeightedPooling,
  AlignedBilinearResize,
  ConstantPadding2D,
  type AttentionNormalization,
  type SpatialAttentionNormalizationArgs,
  type AttentionWeightedPoolingArgs,
  type AlignedBilinearResizeArgs,
  type ConstantPadding2DArgs,
} from './local-attention-layers.js';
