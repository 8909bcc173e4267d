import { Queue, QueueEvents, WaitingError, Worker, type Job } from 'bullmq';
import { dirname } from 'node:path';
import { storeCellFiles } from './artifacts.js';
import type { JsonObject } from './cell-key.js';
import { ExperimentLedger, type CellRecord } from './ledger.js';
import type { CellCounts } from './local.js';
import { connectRedis, redactUrl, waitForRedis } from './redis.js';
import { errorText, sleep, workerIdentity, type CellRunner } from './runner.js';

export const defaultQueueName = 'gsa-experiments';

/** A job's data: the cell. Its job id is the cell key, so adding a cell twice adds one job. */
interface CellJobData {
  key: string;
  config: JsonObject;
}

/** What a worker returns through the queue. */
interface CellJobResult {
  result: JsonObject;
  workerId: string;
  machine: string;
  attempt: number;
  startedAt: number;
  finishedAt: number;
}

/** Sent as job progress when a worker starts a cell, so the ledger knows who runs it. */
interface CellJobStart {
  workerId: string;
  machine: string;
  pid: number;
  attempt: number;
  startedAt: number;
}

function isStart(value: unknown): value is CellJobStart {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as CellJobStart).workerId === 'string' &&
    typeof (value as CellJobStart).machine === 'string'
  );
}

export interface QueueCoordinatorOptions {
  ledgerPath: string;
  /** redis://[user:password@]host:port[/db] or rediss://... (TLS). */
  queueUrl: string;
  queueName?: string;
  /** Attempts per cell before it is failed (default 3). */
  attempts?: number;
  /** Exponential backoff between attempts: `backoffMs * 2^(n-1)` (default 5000). */
  backoffMs?: number;
  /** Where results' inline files go (`<outDir>/cells/<key>/`; default: the ledger's folder). */
  outDir?: string;
  /** How often every unfinished cell is checked against the queue (default 2000 ms). */
  reconcileMs?: number;
  connectTimeoutMs?: number;
  onProgress?: (counts: CellCounts) => void;
  /** Log lines (the queue URL only ever redacted). */
  log?: (line: string) => void;
  signal?: AbortSignal;
}

/**
 * The distributed coordinator: puts one job per unfinished cell on a BullMQ
 * queue (job id = cell key), records results and final failures in its
 * ledger as they come, and resolves when every cell is done or failed.
 *
 * The ledger is the truth; Redis only carries work. Every `reconcileMs` each
 * unfinished cell is checked: a finished job is recorded (then removed from
 * Redis), a missing job (Redis restarted empty, or a coordinator killed before
 * adding it) is added again. So a coordinator killed at any point, or a Redis
 * restart, loses nothing; a result that arrives twice is ignored by the ledger.
 * One coordinator per queue name at a time.
 */
export async function runQueueCoordinator(options: QueueCoordinatorOptions): Promise<CellCounts> {
  const name = options.queueName ?? defaultQueueName;
  const attempts = options.attempts ?? 3;
  const backoffMs = options.backoffMs ?? 5000;
  const reconcileMs = options.reconcileMs ?? 2000;
  const log = options.log ?? (() => undefined);
  const ledger = ExperimentLedger.open(options.ledgerPath);
  const outDir = options.outDir ?? dirname(ledger.path);
  const queueClient = connectRedis(options.queueUrl);
  const eventsClient = connectRedis(options.queueUrl);
  let queue: Queue<CellJobData, CellJobResult> | undefined;
  let events: QueueEvents | undefined;
  const wake = new Set<string>();
  let wakeUp: (() => void) | undefined;
  const touch = (key: string) => {
    wake.add(key);
    wakeUp?.();
  };
  let last: CellCounts | undefined;
  const progress = () => {
    const counts = ledger.counts();
    if (
      !last ||
      last.pending !== counts.pending ||
      last.running !== counts.running ||
      last.done !== counts.done ||
      last.failed !== counts.failed
    ) {
      options.onProgress?.(counts);
    }
    last = counts;
    return counts;
  };

  try {
    const timeout = options.connectTimeoutMs ?? 15_000;
    await Promise.all([
      waitForRedis(queueClient, options.queueUrl, timeout),
      waitForRedis(eventsClient, options.queueUrl, timeout),
    ]);
    log(`queue ${name} at ${redactUrl(options.queueUrl)}`);
    queue = new Queue<CellJobData, CellJobResult>(name, { connection: queueClient });
    events = new QueueEvents(name, { connection: eventsClient });
    queue.on('error', () => undefined);
    events.on('error', () => undefined);
    events.on('progress', ({ jobId, data }) => {
      if (isStart(data)) {
        ledger.markRunning(
          jobId,
          { id: data.workerId, machine: data.machine, pid: data.pid },
          data.attempt,
          data.startedAt,
        );
        progress();
      }
    });
    events.on('completed', ({ jobId }) => touch(jobId));
    events.on('failed', ({ jobId }) => touch(jobId));
    const jobs = queue;

    /** Records a finished job in the ledger and removes it from Redis. Returns the job's state. */
    const settle = async (key: string): Promise<string> => {
      // State first: a finished job's fields no longer change, so they are read after.
      const state = await jobs.getJobState(key);
      if (state === 'unknown') return 'missing';
      if (state !== 'completed' && state !== 'failed') return state;
      const job = await jobs.getJob(key);
      if (!job) return 'missing';
      if (state === 'completed') {
        const value = job.returnvalue;
        if (!value || typeof value !== 'object' || !value.result) {
          log(`job ${key.slice(0, 12)} finished without a readable result; queued again`);
          await job.remove().catch(() => undefined);
          return 'missing';
        }
        const recorded = ledger.complete(key, storeCellFiles(outDir, key, value.result), {
          workerId: value.workerId,
          machine: value.machine,
          attempts: value.attempt,
          startedAt: value.startedAt,
          finishedAt: value.finishedAt,
        });
        log(`${recorded ? 'done' : 'duplicate ignored'}: ${key.slice(0, 12)} by ${value.workerId}`);
      } else if (state === 'failed') {
        const reason = job.stacktrace?.at(-1) ?? job.failedReason ?? 'failed';
        ledger.markFailed(key, reason, { attempts: job.attemptsMade, finishedAt: job.finishedOn });
        log(`failed: ${key.slice(0, 12)} after ${job.attemptsMade} attempts: ${job.failedReason}`);
      }
      await job.remove().catch(() => undefined);
      return state;
    };

    const reconcile = async () => {
      for (const cell of ledger.cells({ state: ['pending', 'running'] })) {
        if (options.signal?.aborted) return;
        const state = await settle(cell.key);
        if (state !== 'missing') continue;
        if (cell.state === 'running') ledger.requeue(cell.key);
        await jobs.add(
          'cell',
          { key: cell.key, config: cell.config },
          {
            jobId: cell.key,
            attempts,
            backoff: { type: 'exponential', delay: backoffMs },
            removeOnComplete: false,
            removeOnFail: false,
          },
        );
      }
    };

    let nextReconcile = 0;
    for (let counts = progress(); counts.pending + counts.running > 0; counts = progress()) {
      if (options.signal?.aborted) break;
      if (wake.size === 0 && Date.now() < nextReconcile) {
        await new Promise<void>((resolve) => {
          wakeUp = resolve;
          void sleep(Math.max(0, nextReconcile - Date.now()), options.signal).then(resolve);
        });
        wakeUp = undefined;
      }
      try {
        for (const key of [...wake]) {
          wake.delete(key);
          if (ledger.cell(key)) await settle(key);
        }
        if (Date.now() >= nextReconcile) {
          await reconcile();
          nextReconcile = Date.now() + reconcileMs;
        }
      } catch (error) {
        // Redis going away mid-command: the next round tries again.
        log(`queue error, retrying: ${(error as Error).message}`);
        nextReconcile = Date.now() + reconcileMs;
      }
    }
    return progress();
  } finally {
    await events?.close().catch(() => undefined);
    await queue?.close().catch(() => undefined);
    queueClient.disconnect();
    eventsClient.disconnect();
    ledger.close();
  }
}

export type QueueWorkerEvent =
  | { type: 'start'; key: string; attempt: number }
  | { type: 'done'; key: string; seconds: number }
  | { type: 'error'; key: string; attempt: number; error: string }
  | { type: 'released'; key: string };

export interface QueueWorkerOptions {
  queueUrl: string;
  queueName?: string;
  /** Cells run at once in this process (default 1). */
  concurrency?: number;
  runCell: CellRunner;
  /** A shared output location: the worker writes a result's inline files there itself and sends only their names. */
  outDir?: string;
  /**
   * A cell whose worker has not renewed its lock for this long is taken over
   * by another worker (BullMQ's stalled-job handling; default 30000 ms). The
   * lock is renewed from the event loop: a cell that blocks it for longer
   * needs a larger value.
   */
  lockDurationMs?: number;
  /** How often this worker looks for stalled cells (default: lockDurationMs / 2). */
  stalledIntervalMs?: number;
  /** Takeovers after which a cell is failed instead (default 2). */
  maxStalledCount?: number;
  connectTimeoutMs?: number;
  workerId?: string;
  onEvent?: (event: QueueWorkerEvent) => void;
  /** Stops the worker: running cells are aborted and go back to the queue, their attempt not counted. */
  signal?: AbortSignal;
}

/**
 * A distributed worker: takes cells from the queue and runs them until
 * `signal` aborts. Results (with their inline files) go back through the
 * queue; retries, backoff and takeover of a dead worker's cell are BullMQ's.
 */
export async function runQueueWorker(
  options: QueueWorkerOptions,
): Promise<{ done: number; failed: number }> {
  const name = options.queueName ?? defaultQueueName;
  const identity = workerIdentity(options.workerId);
  const lockDuration = options.lockDurationMs ?? 30_000;
  const emit = options.onEvent ?? (() => undefined);
  const stopping = new AbortController();
  const client = connectRedis(options.queueUrl);
  let done = 0;
  let failed = 0;
  try {
    await waitForRedis(client, options.queueUrl, options.connectTimeoutMs ?? 15_000);
    const processor = async (
      job: Job<CellJobData, CellJobResult>,
      token?: string,
      cancelled?: AbortSignal,
    ): Promise<CellJobResult> => {
      // Attempts started, takeovers of a dead worker's cell included (as in the ledger).
      const attempt = Math.max(job.attemptsStarted ?? 0, job.attemptsMade + 1);
      const startedAt = Date.now();
      const cell: CellRecord = {
        key: job.data.key,
        config: job.data.config,
        state: 'running',
        attempts: attempt,
        workerId: identity.id,
        machine: identity.machine,
        pid: identity.pid,
        startedAt: new Date(startedAt).toISOString(),
        duplicates: 0,
      };
      emit({ type: 'start', key: cell.key, attempt });
      const start: CellJobStart = {
        workerId: identity.id,
        machine: identity.machine,
        pid: identity.pid,
        attempt,
        startedAt,
      };
      await job.updateProgress(start as unknown as object);
      const abort = new AbortController();
      const onStop = () => abort.abort(stopping.signal.reason);
      stopping.signal.addEventListener('abort', onStop, { once: true });
      // BullMQ aborts this when the job is cancelled.
      const onCancel = () => abort.abort(cancelled?.reason);
      cancelled?.addEventListener('abort', onCancel, { once: true });
      try {
        let result = await options.runCell(cell, {
          attempt,
          workerId: identity.id,
          machine: identity.machine,
          signal: abort.signal,
        });
        if (options.outDir) result = storeCellFiles(options.outDir, cell.key, result);
        const finishedAt = Date.now();
        done++;
        emit({ type: 'done', key: cell.key, seconds: (finishedAt - startedAt) / 1000 });
        return {
          result,
          workerId: identity.id,
          machine: identity.machine,
          attempt,
          startedAt,
          finishedAt,
        };
      } catch (error) {
        if (stopping.signal.aborted) {
          // Back to the queue without using up an attempt.
          await job.moveToWait(token);
          emit({ type: 'released', key: cell.key });
          throw new WaitingError();
        }
        const text = errorText(error);
        if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) failed++;
        emit({ type: 'error', key: cell.key, attempt, error: text });
        throw error instanceof Error ? error : new Error(text);
      } finally {
        stopping.signal.removeEventListener('abort', onStop);
        cancelled?.removeEventListener('abort', onCancel);
      }
    };
    const worker = new Worker<CellJobData, CellJobResult>(name, processor, {
      connection: client,
      concurrency: options.concurrency ?? 1,
      lockDuration,
      stalledInterval: options.stalledIntervalMs ?? Math.max(1000, Math.floor(lockDuration / 2)),
      maxStalledCount: options.maxStalledCount ?? 2,
      // After a lost connection (a Redis restart) try again within a second, not BullMQ's 15 s.
      runRetryDelay: 1000,
      autorun: true,
    });
    worker.on('error', () => undefined);
    await new Promise<void>((resolve) => {
      if (options.signal?.aborted) return resolve();
      options.signal?.addEventListener('abort', () => resolve(), { once: true });
    });
    stopping.abort(options.signal?.reason);
    await worker.close();
  } finally {
    client.disconnect();
  }
  return { done, failed };
}
