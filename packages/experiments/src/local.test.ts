// Real worker processes on a real ledger: every cell done exactly once, a
// worker SIGKILLed mid-cell, a coordinator SIGKILLed and resumed.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cellDirectory } from './artifacts.js';
import { cellKey, type JsonObject } from './cell-key.js';
import { fixture, packageDir, sumOfSquares, tinyCell, tsNode, waitFor } from './cells.fixture.js';
import { ExperimentLedger, processAlive, type CellRecord, type CellSpec } from './ledger.js';
import { runLedgerWorker, runLocalGrid } from './local.js';
import { sleep } from './runner.js';

const spec = (config: JsonObject): CellSpec => ({ key: cellKey(config), config });
const grid = (n: number, sleepMs: number) =>
  Array.from({ length: n }, (_, index) => spec({ index, sleepMs }));

let dir: string;
let ledgerPath: string;
let runLog: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gsa-local-'));
  ledgerPath = join(dir, 'ledger.sqlite');
  runLog = join(dir, 'runs.log');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** How many times each key finished an attempt (from the fixture's run log). */
function finishes(): Map<string, number> {
  const counts = new Map<string, number>();
  if (!existsSync(runLog)) return counts;
  for (const line of readFileSync(runLog, 'utf8').trim().split('\n')) {
    const key = line.split(' ')[0]!;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

function expectEveryCellDoneOnce(cells: readonly CellSpec[]): void {
  const ledger = ExperimentLedger.open(ledgerPath);
  try {
    expect(ledger.counts()).toEqual({ pending: 0, running: 0, done: cells.length, failed: 0 });
    for (const cell of ledger.cells()) {
      const n = 1000 + Number(cell.config.index);
      expect(cell.result).toMatchObject({
        index: cell.config.index,
        sumOfSquares: sumOfSquares(n),
        files: ['map.bin', 'summary.json'],
      });
      expect(cell.duplicates).toBe(0);
      const summary = JSON.parse(
        readFileSync(join(cellDirectory(dir, cell.key), 'summary.json'), 'utf8'),
      ) as JsonObject;
      expect(summary).toEqual({ index: cell.config.index, sumOfSquares: sumOfSquares(n) });
    }
  } finally {
    ledger.close();
  }
  const runs = finishes();
  expect([...runs.keys()].sort()).toEqual(cells.map((cell) => cell.key).sort());
  expect([...runs.values()].every((count) => count === 1)).toBe(true);
}

const workerCommand = () => [...tsNode, fixture('local-worker.fixture.ts'), ledgerPath];
const env = () => ({ GSA_TEST_RUN_LOG: runLog });

describe('runLedgerWorker (in process)', () => {
  it('retries a failing cell, fails one that keeps failing with its error, and stops when nothing is left', async () => {
    const ledger = ExperimentLedger.open(ledgerPath);
    const flaky = spec({ index: 1, sleepMs: 1, failUntilAttempt: 2 });
    const broken = spec({ index: 2, sleepMs: 1, alwaysFail: true });
    ledger.addCells([flaky, broken]);
    const events: string[] = [];
    const outcome = await runLedgerWorker({
      ledgerPath,
      runCell: tinyCell,
      maxAttempts: 3,
      backoffMs: 5,
      pollMs: 5,
      onEvent: (event) => events.push(`${event.type}:${event.cell.config.index}`),
    });
    expect(outcome).toEqual({ done: 1, failed: 1 });
    expect(ledger.cell(flaky.key)).toMatchObject({ state: 'done', attempts: 2 });
    expect(ledger.cell(broken.key)).toMatchObject({ state: 'failed', attempts: 3 });
    expect(ledger.cell(broken.key)!.error).toMatch(/planned failure of cell 2 on attempt 3/);
    expect(events.filter((event) => event === 'error:2')).toHaveLength(3);
    ledger.close();
  });

  it('on abort, gives the running cell back without using up an attempt', async () => {
    const ledger = ExperimentLedger.open(ledgerPath);
    const slow = spec({ index: 1, sleepMs: 60_000 });
    ledger.addCells([slow]);
    const stop = new AbortController();
    const running = runLedgerWorker({
      ledgerPath,
      runCell: tinyCell,
      signal: stop.signal,
      pollMs: 5,
    });
    await waitFor('the cell to start', () => ledger.counts().running > 0);
    stop.abort();
    expect(await running).toEqual({ done: 0, failed: 0 });
    expect(ledger.cell(slow.key)).toMatchObject({ state: 'pending', attempts: 0 });
    ledger.close();
  });
});

describe('runLocalGrid (worker processes)', () => {
  it('runs a 12-cell grid across 3 worker processes, every cell done exactly once', async () => {
    const cells = grid(12, 100);
    const ledger = ExperimentLedger.open(ledgerPath);
    ledger.addCells(cells);
    ledger.close();
    const seen: number[] = [];
    const counts = await runLocalGrid({
      ledgerPath,
      workers: 3,
      command: workerCommand(),
      env: env(),
      cwd: packageDir,
      pollMs: 50,
      onProgress: (c) => seen.push(c.done),
    });
    expect(counts).toEqual({ pending: 0, running: 0, done: 12, failed: 0 });
    expect(seen.at(-1)).toBe(12);
    expectEveryCellDoneOnce(cells);
  });

  it('finishes the grid when a worker is SIGKILLed mid-cell: its cell is reclaimed and run again', async () => {
    const cells = grid(12, 300);
    const ledger = ExperimentLedger.open(ledgerPath);
    ledger.addCells(cells);
    const exits: (string | null)[] = [];
    const running = runLocalGrid({
      ledgerPath,
      workers: 3,
      command: workerCommand(),
      env: env(),
      cwd: packageDir,
      pollMs: 50,
      onWorkerExit: (exit) => exits.push(exit.signal),
    });
    let victim: CellRecord | undefined;
    await waitFor(
      'a running cell',
      () => (victim = ledger.cells({ state: 'running' })[0]) !== undefined,
    );
    if (!victim) throw new Error('unreachable');
    process.kill(victim.pid!, 'SIGKILL');
    expect(await running).toEqual({ pending: 0, running: 0, done: 12, failed: 0 });
    expect(exits).toContain('SIGKILL');
    const retried = ledger.cell(victim.key)!;
    expect(retried.attempts).toBe(2);
    expect(retried.pid).not.toBe(victim.pid);
    ledger.close();
    expectEveryCellDoneOnce(cells);
  });

  it('survives a SIGKILL of the coordinator: its workers give their cells back and exit, and a new run resumes', async () => {
    const cells = grid(12, 200);
    const ledger = ExperimentLedger.open(ledgerPath);
    ledger.addCells(cells);
    const coordinator = spawn(
      tsNode[0],
      [...tsNode.slice(1), fixture('local-coordinator.fixture.ts'), ledgerPath, '2'],
      {
        cwd: packageDir,
        env: { ...process.env, ...env() },
        stdio: 'inherit',
      },
    );
    const workerPids = new Set<number>();
    await waitFor('3 cells done', () => {
      for (const cell of ledger.cells({ state: 'running' })) workerPids.add(cell.pid!);
      return ledger.counts().done >= 3;
    });
    coordinator.kill('SIGKILL');
    await new Promise((resolve) => coordinator.once('exit', resolve));
    // Orphaned workers notice, release their cells and exit.
    for (let waited = 0; [...workerPids].some(processAlive) && waited < 15_000; waited += 50)
      await sleep(50);
    expect([...workerPids].filter(processAlive)).toEqual([]);
    const after = ledger.counts();
    expect(after.running).toBe(0);
    expect(after.done).toBeGreaterThanOrEqual(3);
    expect(after.done + after.pending).toBe(12);
    ledger.close();
    const counts = await runLocalGrid({
      ledgerPath,
      workers: 2,
      command: workerCommand(),
      env: env(),
      cwd: packageDir,
      pollMs: 50,
    });
    expect(counts).toEqual({ pending: 0, running: 0, done: 12, failed: 0 });
    expectEveryCellDoneOnce(cells);
  });

  it('explains a worker command that cannot start', async () => {
    const ledger = ExperimentLedger.open(ledgerPath);
    ledger.addCells(grid(1, 1));
    ledger.close();
    await expect(
      runLocalGrid({
        ledgerPath,
        workers: 1,
        command: [join(dir, 'no-such-binary')],
        pollMs: 20,
        maxRestarts: 0,
      }),
    ).rejects.toThrow(/every worker exited with 1 cells unfinished \(.*no-such-binary.*ENOENT/);
  });
});
