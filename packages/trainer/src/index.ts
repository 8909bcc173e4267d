// @gsa/trainer: everything in @gsa/trainer/browser, plus what writes files
// (checkpoints, progress on a terminal, metrics.jsonl).
export * from './browser/index.js';
export {
  writeCheckpoint,
  readCheckpoint,
  readLatestCheckpoint,
  listCheckpoints,
  type Checkpoint,
  type SavedArray,
} from './checkpoint.js';
export { progressCallback, metricsJsonlWriter, type ProgressOptions } from './callbacks.js';
