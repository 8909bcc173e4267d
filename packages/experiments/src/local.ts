import { spawn, type ChildProcess } from 'node:child_process';
import { dirname } from 'node:path';
import { storeCellFiles } from './artifacts.js';
import { ExperimentLedger, processAlive, type CellRecord, type CellState } from './ledger.js';
import { errorText, sleep, workerIdentity, type CellRunner } from './runner.js';

/** Set by {@link runLocalGrid} for its workers: they stop when this process is gone. */
export const coordinatorPidVariable = 'GSA_EXPERIMENT_COORDINATOR_PID';

export type CellCounts = Record<CellState, number>;

/** What a worker reports as it goes (for logs). */
export type WorkerEvent =
  | { type: 'start'; cell: CellRecord }
  | { type: 'done'; cell: CellRecord; seconds: number; recorded: boolean }
  | { type: 'error'; cell: CellRecord; error: string; outcome: 'retry' | 'failed' | 'stale' }
  | { type: 'released'; cell: CellRecord }
  | { type: 'taken-over'; cell: CellRecord };

export interface LedgerWorkerOptions {
  ledgerPath: string;
  runCell: CellRunner;
  /** Attempts per cell before it is marked failed (default 3). */
  maxAttempts?: number;
  /** Wait before attempt n+1 is `backoffMs * 2^(n-1)` (default 1000). */
  backoffMs?: number;
  /** How often the running cell's heartbeat is written (default 5000 ms). */
  heartbeatMs?: number;
  /** How often an idle worker looks again for a claimable cell (default 250 ms). */
  pollMs?: number;
  /** A running cell without a heartbeat for this long is taken over (default 5 min). */
  staleAfterMs?: number;
  /** Where a result's inline files are written (`<outDir>/cells/<key>/`; default: the ledger's folder). */
  outDir?: string;
  workerId?: string;
  signal?: AbortSignal;
  onEvent?: (event: WorkerEvent) => void;
}

/**
 * One local worker: claims cells from the ledger and runs them until no
 * pending or running cell remains (so it can take over a cell whose worker
 * died). On abort (or when the coordinator that started it is gone) the
 * current cell's signal aborts and the cell goes back to pending, its attempt
 * not counted.
 */
export async function runLedgerWorker(
  options: LedgerWorkerOptions,
): Promise<{ done: number; failed: number }> {
  const maxAttempts = options.maxAttempts ?? 3;
  const backoffMs = options.backoffMs ?? 1000;
  const heartbeatMs = options.heartbeatMs ?? 5000;
  const pollMs = options.pollMs ?? 250;
  const staleAfterMs = options.staleAfterMs ?? 300_000;
  const identity = workerIdentity(options.workerId);
  const coordinatorPid = Number(process.env[coordinatorPidVariable]) || undefined;
  const coordinatorGone = () => coordinatorPid !== undefined && !processAlive(coordinatorPid);
  const stop = new AbortController();
  const forward = () => stop.abort(options.signal?.reason);
  if (options.signal?.aborted) forward();
  options.signal?.addEventListener('abort', forward, { once: true });
  const emit = options.onEvent ?? (() => undefined);

  const ledger = ExperimentLedger.open(options.ledgerPath);
  const outDir = options.outDir ?? dirname(ledger.path);
  let done = 0;
  let failed = 0;
  try {
    while (!stop.signal.aborted && !coordinatorGone()) {
      const cell = ledger.claimNext(identity);
      if (!cell) {
        const counts = ledger.counts();
        if (counts.pending === 0 && counts.running === 0) break;
        ledger.reclaimAbandoned({ staleAfterMs, maxAttempts });
        await sleep(pollMs, stop.signal);
        continue;
      }
      emit({ type: 'start', cell });
      const cellAbort = new AbortController();
      const abortCell = () => cellAbort.abort(stop.signal.reason);
      stop.signal.addEventListener('abort', abortCell, { once: true });
      let takenOver = false;
      const heartbeat = setInterval(() => {
        if (coordinatorGone()) stop.abort(new Error('the coordinator exited'));
        else if (!ledger.heartbeat(cell.key, identity.id)) {
          takenOver = true;
          cellAbort.abort(new Error('the cell was taken over or finished elsewhere'));
        }
      }, heartbeatMs);
      const started = Date.now();
      try {
        let result = await options.runCell(cell, {
          attempt: cell.attempts,
          workerId: identity.id,
          machine: identity.machine,
          signal: cellAbort.signal,
        });
        result = storeCellFiles(outDir, cell.key, result);
        const recorded = ledger.complete(cell.key, result, {
          workerId: identity.id,
          machine: identity.machine,
        });
        if (recorded) done++;
        emit({ type: 'done', cell, seconds: (Date.now() - started) / 1000, recorded });
      } catch (error) {
        if (stop.signal.aborted) {
          if (ledger.release(cell.key, identity.id)) emit({ type: 'released', cell });
        } else if (takenOver) {
          emit({ type: 'taken-over', cell });
        } else {
          const text = errorText(error);
          const outcome = ledger.fail(cell.key, identity.id, text, { maxAttempts, backoffMs });
          if (outcome === 'failed') failed++;
          emit({ type: 'error', cell, error: text, outcome });
        }
      } finally {
        clearInterval(heartbeat);
        stop.signal.removeEventListener('abort', abortCell);
      }
    }
  } finally {
    options.signal?.removeEventListener('abort', forward);
    ledger.close();
  }
  return { done, failed };
}

export interface LocalGridOptions {
  ledgerPath: string;
  /** Worker processes to run at once (at most one per pending cell). */
  workers: number;
  /** The worker command, e.g. `['node', 'gsa.js', 'worker', '--ledger', path]`; it should call {@link runLedgerWorker}. */
  command: readonly string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Workers' stdout/stderr (default 'inherit'). */
  stdio?: 'inherit' | 'ignore';
  /** Used when reclaiming the cell of a worker that died: with no attempts left it fails (default 3). */
  maxAttempts?: number;
  staleAfterMs?: number;
  /** Replacements started for workers that crash (default: `workers`); after that the grid stops with an error. */
  maxRestarts?: number;
  /** How often progress is checked (default 250 ms). */
  pollMs?: number;
  /** After abort, how long workers get to release their cells before SIGKILL (default 10 s). */
  graceMs?: number;
  onProgress?: (counts: CellCounts) => void;
  onWorkerExit?: (exit: {
    pid: number;
    code: number | null;
    signal: NodeJS.Signals | null;
  }) => void;
  signal?: AbortSignal;
}

function sameCounts(a: CellCounts | undefined, b: CellCounts): boolean {
  return (
    a !== undefined &&
    a.pending === b.pending &&
    a.running === b.running &&
    a.done === b.done &&
    a.failed === b.failed
  );
}

/**
 * The local coordinator: reclaims the cells of workers that died (a previous
 * run killed, say), starts up to `workers` worker processes, watches the
 * ledger, replaces crashed workers (up to `maxRestarts`) and resolves with the
 * final counts once every cell is done or failed (or when `signal` aborts:
 * workers get SIGTERM and release their cells).
 */
export async function runLocalGrid(options: LocalGridOptions): Promise<CellCounts> {
  if (options.command.length === 0)
    throw new Error(
      'runLocalGrid: command is empty; give the worker command, e.g. [node, gsa.js, worker, --ledger, FILE]',
    );
  if (!Number.isInteger(options.workers) || options.workers < 1) {
    throw new Error(`runLocalGrid: workers must be a positive integer, got ${options.workers}`);
  }
  const maxAttempts = options.maxAttempts ?? 3;
  const staleAfterMs = options.staleAfterMs ?? 300_000;
  const pollMs = options.pollMs ?? 250;
  const graceMs = options.graceMs ?? 10_000;
  let restartsLeft = options.maxRestarts ?? options.workers;
  const ledger = ExperimentLedger.open(options.ledgerPath);
  const children = new Set<ChildProcess>();
  const exits: string[] = [];
  let crashed = 0;
  let last: CellCounts | undefined;
  const progress = (): CellCounts => {
    ledger.reclaimAbandoned({ staleAfterMs, maxAttempts });
    const counts = ledger.counts();
    if (!sameCounts(last, counts)) options.onProgress?.(counts);
    last = counts;
    return counts;
  };
  const start = () => {
    const [file, ...args] = options.command as [string, ...string[]];
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env, [coordinatorPidVariable]: String(process.pid) },
      stdio: ['ignore', options.stdio ?? 'inherit', options.stdio ?? 'inherit'],
    });
    children.add(child);
    child.on('error', (error) => {
      exits.push(`${options.command.join(' ')}: ${error.message}`);
      // A command that cannot start emits no 'exit'.
      if (child.pid === undefined && children.delete(child)) crashed++;
    });
    child.on('exit', (code, signal) => {
      children.delete(child);
      if (code !== 0) {
        crashed++;
        exits.push(
          signal
            ? `pid ${child.pid} killed by ${signal}`
            : `pid ${child.pid} exited with code ${code}`,
        );
      }
      options.onWorkerExit?.({ pid: child.pid ?? -1, code, signal });
    });
  };
  const stopAll = async () => {
    for (const child of children) child.kill('SIGTERM');
    const deadline = Date.now() + graceMs;
    while (children.size > 0 && Date.now() < deadline) await sleep(50);
    for (const child of children) child.kill('SIGKILL');
    while (children.size > 0) await sleep(20);
  };

  try {
    let counts = progress();
    const wanted = Math.min(options.workers, counts.pending + counts.running);
    for (let i = 0; i < wanted; i++) start();
    let handled = 0;
    while (counts.pending + counts.running > 0) {
      if (options.signal?.aborted) {
        await stopAll();
        return progress();
      }
      await sleep(pollMs, options.signal);
      counts = progress();
      while (handled < crashed) {
        handled++;
        if (counts.pending + counts.running > 0 && restartsLeft > 0) {
          restartsLeft--;
          start();
        }
      }
      if (children.size === 0 && counts.pending + counts.running > 0) {
        counts = progress();
        if (counts.pending + counts.running > 0) {
          throw new Error(
            `every worker exited with ${counts.pending + counts.running} cells unfinished (${exits.join('; ') || 'no error reported'}); the ledger ${ledger.path} keeps them for the next run`,
          );
        }
      }
    }
    // Workers exit by themselves once nothing is left; wait for them.
    const deadline = Date.now() + graceMs;
    while (children.size > 0 && Date.now() < deadline) await sleep(50);
    if (children.size > 0) await stopAll();
    return progress();
  } catch (error) {
    await stopAll();
    throw error;
  } finally {
    ledger.close();
  }
}
