// @gsa/pipeline: the gsa run, universal (browser and Node). One typed run
// configuration, THE run split (recorded by image id), training on a split,
// and one scoring path. File work (train(config) into a run directory,
// evaluation from split.json, artifacts, the protocol grid) is in
// @gsa/pipeline/node.
export { PipelineError, UsageError } from './errors.js';
export {
  RunConfigSchema,
  resolveRunConfig,
  DEFAULT_CUTOFF_FRACTION,
  ALIGN_METHODS,
  TRAIN_MODES,
  EXPORT_FORMATS,
  RENAMED_KEYS,
  type ExportFormat,
  type RunConfig,
} from './config.js';
export {
  splitRun,
  splitRecord,
  splitFromRecord,
  type RunSplit,
  type SplitRecord,
  type SplitSettings,
} from './split.js';
export {
  trainOnSplit,
  type SplitTraining,
  type TrainingHooks,
  type TrainingSettings,
} from './train-on-split.js';
export {
  scoreModel,
  scoreProbabilities,
  predictProbabilities,
  type ImagesToScore,
  type ModelScore,
} from './score.js';
export {
  summarizeRun,
  type FailedRunSummary,
  type RunMeasurements,
  type RunSummary,
} from './summary.js';
export { DEMO_DEFAULTS, demoRunSettings } from './demo-settings.js';
export { alignRun, type RunAlignment } from './align.js';
export { pretrainedInput, pretrainedBackboneOptions, type PretrainedInput } from './pretrained.js';
export { summarizeStructure, describeStructure, type StructureSummary } from './structure.js';
