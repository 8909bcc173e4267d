// @gsa/trainer/node: what writes files (checkpoints, progress on a terminal,
// metrics.jsonl). Training itself is in @gsa/trainer, universal.
export {
  writeCheckpoint,
  readCheckpoint,
  readLatestCheckpoint,
  listCheckpoints,
  fileCheckpointStore,
} from '../checkpoint.js';
export { progressCallback, metricsJsonlWriter, type ProgressOptions } from '../callbacks.js';
