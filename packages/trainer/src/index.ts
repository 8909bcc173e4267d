// @gsa/trainer: the parts that need no file system, universal (browsers, the
// docs demo): two-phase training, PyTorch's Adam, early stopping, the epoch
// order, the deployable model and precise batch norm. Checkpoints and the
// metrics.jsonl writer write files and live in @gsa/trainer/node.
export {
  trainTwoPhase,
  mapWarmupSteps,
  DEFAULT_MAP_BOUNDARY_WEIGHT,
  DEFAULT_MAP_ENTROPY_WEIGHT,
  TrainingDivergedError,
  CheckpointMismatchError,
  type TwoPhaseOptions,
  type TwoPhaseResult,
  type MapValues,
  type AttentionSetup,
  type LabelledImages,
} from './train-two-phase.js';
export {
  mapLearningRates,
  MAP_LEARNING_RATE_RULES,
  MAP_LEARNING_RATE_RULE_NAMES,
  DEFAULT_MAP_LEARNING_RATE_RULE,
  PIXEL_CNN_RATE_CHANNELS,
  type MapLearningRateRule,
  type MapLearningRateRuleName,
  type MapRateContext,
  type MapWeight,
} from './map-learning-rate.js';
export { CallbackList } from './callback-list.js';
export { TrainingState, type TrainingParts } from './training-state.js';
export { trainStep, runEpoch, type EpochContext, type StepResult } from './epoch.js';
export type { Checkpoint, CheckpointStore, SavedArray } from './checkpoint-store.js';
export { PyTorchAdam, type AdamOptions, type AdamState, type ParameterGroup } from './adam.js';
export { earlyStopping, type EarlyStoppingOptions } from './early-stopping.js';
export { formatDuration } from './format-duration.js';
export { deployableModel, deployedMap, SPATIAL_MAP_LAYER } from './deployable-model.js';
export { settleBatchNormStatistics } from './settle-batch-norm.js';
export type {
  EpochMetrics,
  StepInfo,
  TrainingCallback,
  TrainingControl,
  TrainingStartInfo,
} from './types.js';
