// A tiny real cell for the tests and the benchmark: a sum of squares, a short
// sleep (so that a worker can be killed mid-cell), planned failures, files.
import { appendFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CellRunner } from './runner.js';

export const sourceDir = dirname(fileURLToPath(import.meta.url));
export const packageDir = dirname(sourceDir);
export const fixture = (name: string) => join(sourceDir, name);
/** Runs a .ts fixture in a child process. */
export const tsNode = [process.execPath, '--import', 'tsx'] as const;

export function sumOfSquares(n: number): number {
  return (n * (n + 1) * (2 * n + 1)) / 6;
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Error('aborted'));
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Error('aborted'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Appends `<key> <pid>` to GSA_TEST_RUN_LOG for every attempt that finishes, to count executions. */
export const tinyCell: CellRunner = async (cell, { attempt, signal }) => {
  const index = Number(cell.config.index);
  const n = 1000 + index;
  let sum = 0;
  for (let i = 1; i <= n; i++) sum += i * i;
  await pause(Number(cell.config.sleepMs ?? 50), signal);
  if (cell.config.alwaysFail === true || attempt < Number(cell.config.failUntilAttempt ?? 0)) {
    throw new Error(`planned failure of cell ${index} on attempt ${attempt}`);
  }
  const log = process.env.GSA_TEST_RUN_LOG;
  if (log) appendFileSync(log, `${cell.key} ${process.pid}\n`);
  return {
    index,
    sumOfSquares: sum,
    pid: process.pid,
    files: {
      'summary.json': JSON.stringify({ index, sumOfSquares: sum }),
      'map.bin': { base64: Buffer.from([index, 255, 0]).toString('base64') },
    },
  };
};

/** Polls until `condition` holds; fails the test with `what` after `timeoutMs` instead of hanging. */
export async function waitFor(
  what: string,
  condition: () => boolean,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
