// @gsa/pipeline/node: runs on disk. `train(config)` writes a run directory
// (config.json, split.json, checkpoints, metrics.jsonl, model/, the map,
// summary.json, report.html); `evaluateRun` scores its held-out images from
// split.json; the paper's protocol runs grid cells. The backend is the
// caller's choice (@gsa/backends), made before.
export { train, type TrainOptions } from './train.js';
export type { TrainedRun } from './trained-run.js';
export { loadRunData } from './load-data.js';
export { resolveWeightsSource, WEIGHTS_DIRECTORY_VARIABLE } from './weights-source.js';
export { readConfigFile } from './config-file.js';
export { evaluateRun, type EvaluationReport } from './evaluate.js';
export { predictImages, readImageForModel, type Prediction } from './predict.js';
export { writeRunArtifacts, renderRunMap, exportModel, type RunMapOptions } from './artifacts.js';
export {
  renderGradCamPanel,
  defaultGradCamLayer,
  gradCamPanelPath,
  type MapDisplay,
} from './grad-cam.js';
export {
  saveModelToDirectory,
  loadModelFromDirectory,
  nestedBackbone,
  readModelInfo,
  type ModelInfo,
} from './model-files.js';
export { prepareRunDirectory, writeFileAtomic, writeJsonAtomic, writeError } from './files.js';
export { lockRunDirectory, RUN_LOCK_FILE, type RunLock, type RunLockHolder } from './run-lock.js';
export { inspectDataset, type DatasetInspection } from './inspect.js';
export { runDemo, type DemoOptions, type DemoResult, type DemoRun } from './demo.js';
export { PIPELINE_VERSION } from './version.js';
export { runProtocolCell, releaseCachedData, type CellResult } from './protocol/cell.js';
export {
  GridSchema,
  BASELINE_METHODS,
  BASELINE_BACKBONE,
  HYPERPARAMETERS,
  readGridFile,
  expandGrid,
  defaultExperimentDirectory,
  cellTrainSettings,
  type BaselineMethod,
  type CellConfig,
  type GridConfig,
} from './protocol/grid.js';
export {
  buildResultTable,
  chooseSettings,
  renderResultsMarkdown,
  renderResultsCsv,
  sensitivityRecords,
  datasetLabel,
  backboneLabel,
  isLocalAttentionBackbone,
  methodOf,
  METHOD_NAMES,
  type ChosenSetting,
  type FailedCell,
  type FinishedCell,
  type Method,
  type SensitivityPoint,
} from './protocol/results.js';
export {
  recordExperiment,
  experimentCounts,
  readExperimentCells,
  writeExperimentResults,
  protocolCellRunner,
  ledgerPath,
  type CellCounts,
  type RecordedExperiment,
} from './protocol/experiment.js';
export { compareRunMaps, readRunMap, siblingRuns, type RunMapComparison } from './map-compare.js';
export { describeMapAgreement, mapAgreement, type MapAgreement } from './protocol/map-agreement.js';
