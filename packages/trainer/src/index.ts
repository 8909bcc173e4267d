export {
  trainTwoPhase,
  PIXEL_CNN_RATE_CHANNELS,
  TrainingDivergedError,
  type TwoPhaseOptions,
  type TwoPhaseResult,
  type AttentionSetup,
  type LabelledImages,
} from './train-two-phase.js';
export { PyTorchAdam, type AdamOptions, type AdamState, type ParameterGroup } from './adam.js';
export {
  writeCheckpoint,
  readCheckpoint,
  readLatestCheckpoint,
  listCheckpoints,
  type Checkpoint,
  type SavedArray,
} from './checkpoint.js';
export {
  progressCallback,
  metricsJsonlWriter,
  earlyStopping,
  type ProgressOptions,
  type EarlyStoppingOptions,
} from './callbacks.js';
export { epochPermutation } from './permutation.js';
export { deployableModel } from './deployable-model.js';
export { settleBatchNormStatistics } from './settle-batch-norm.js';
export type {
  EpochMetrics,
  StepInfo,
  TrainingCallback,
  TrainingControl,
  TrainingStartInfo,
} from './types.js';
