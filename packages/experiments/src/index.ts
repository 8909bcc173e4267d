// @gsa/experiments: run a grid of cells (configs) once each, crash-safe, on
// one machine (a SQLite ledger and local worker processes) or many (a BullMQ
// queue on Redis). Generic over what a cell does: a CellRunner.
export { canonicalJson, cellKey, type Json, type JsonObject } from './cell-key.js';
export {
  ExperimentLedger,
  cellStates,
  processAlive,
  type AttemptDetails,
  type CellFilter,
  type CellRecord,
  type CellSpec,
  type CellState,
  type FailOutcome,
  type WorkerIdentity,
} from './ledger.js';
export { cellDirectory, storeCellFiles, type CellFile } from './artifacts.js';
export { workerIdentity, type CellContext, type CellRunner } from './runner.js';
export {
  coordinatorPidVariable,
  runLedgerWorker,
  runLocalGrid,
  type CellCounts,
  type LedgerWorkerOptions,
  type LocalGridOptions,
  type WorkerEvent,
} from './local.js';
export {
  defaultQueueName,
  runQueueCoordinator,
  runQueueWorker,
  type QueueCoordinatorOptions,
  type QueueWorkerEvent,
  type QueueWorkerOptions,
} from './queue.js';
export { redactUrl, redisCaVariable, redisOptionsFromUrl, redisPasswordVariable } from './redis.js';
