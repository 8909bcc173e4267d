import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { JsonObject } from './cell-key.js';
import type { CellRecord, WorkerIdentity } from './ledger.js';

/** What a worker knows while it runs a cell. */
export interface CellContext {
  /** 1 for the first attempt. */
  attempt: number;
  workerId: string;
  machine: string;
  /** Aborted when the worker stops, or when the cell was taken over by another worker. */
  signal: AbortSignal;
}

/**
 * What a cell does: anything that turns a cell's config into a JSON result.
 * A result may carry small files under `files` (see {@link CellFile}).
 * Throwing fails the attempt (retried until the attempts run out).
 */
export type CellRunner = (cell: CellRecord, context: CellContext) => Promise<JsonObject>;

/** This process as a worker: hostname, pid and a random suffix (a pid alone repeats across machines). */
export function workerIdentity(id?: string): Required<WorkerIdentity> {
  const machine = hostname();
  return {
    id: id ?? `${machine}:${process.pid}:${randomBytes(3).toString('hex')}`,
    machine,
    pid: process.pid,
  };
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

export function errorText(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return String(error);
}
