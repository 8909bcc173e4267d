import './register-layers.js';

export { ATTENTION_MODES, type AttentionMode } from './attention-modes.js';

export {
  GlobalSpatialAttention,
  type GlobalSpatialAttentionArgs,
} from './global-spatial-attention.js';
export {
  GlobalSpatialAttentionGate,
  type GlobalSpatialAttentionGateArgs,
} from './global-spatial-attention-gate.js';
export { PixelWeightMap, type PixelWeightMapArgs } from './pixel-weight-map.js';
export { FixedSpatialMap, type FixedSpatialMapArgs } from './fixed-spatial-map.js';
export {
  pixelCnnMap,
  createPixelCnnVariables,
  pixelCnnParameterCount,
  pixelCnnWeightSpecs,
  kernelForLowRank,
  resolvePixelCnnOptions,
  type PixelCnnOptions,
  PIXEL_CNN_INITIALIZATIONS,
  type PixelCnnInitialization,
  type ResolvedPixelCnnOptions,
  type PixelCnnWeights,
  type PixelCnnWeightSpec,
  type ConvWeights,
} from './pixel-cnn.js';
export { PIXEL_CNN_ACTIVATIONS, type PixelCnnActivation } from './activations.js';
export {
  applySpatialMap,
  attentionPenalty,
  boundaryLevel,
  boundaryPenalty,
  entropyPenalty,
} from './spatial-map.js';
export {
  mapStatistics,
  describeMapStatistics,
  regionDecision,
  DECIDED_MARGIN,
  FLAT_MAP_SPREAD,
  type MapStatistics,
  type RegionDecision,
} from './map-statistics.js';
export {
  trainableVariables,
  minimizeWithGroups,
  type HasTrainableWeights,
  type VariableGroup,
} from './variable-groups.js';
