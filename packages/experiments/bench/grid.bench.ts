// `pnpm bench`: cells per minute for a grid of tiny cells (a sum of squares
// and a short sleep) with 1, 2 and 4 worker processes, locally (SQLite
// ledger) and, when GSA_REDIS_URL is set, through the BullMQ queue; and the
// coordination overhead per cell:
//   overhead = (workers x (wall - startup) - sum of cell seconds) / cells
// where startup is the time to the first cell's start (process start-up).
//
//   GSA_BENCH_CELLS=200  GSA_BENCH_SLEEP_MS=25   GSA_BENCH_WORKERS=1,2,4
//   GSA_BENCH_OUT=bench-results/grid.json
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Queue } from 'bullmq';
import { fixture, packageDir, tsNode } from '../src/cells.fixture.js';
import {
  cellKey,
  ExperimentLedger,
  runLocalGrid,
  runQueueCoordinator,
  type CellCounts,
} from '../src/index.js';
import { connectRedis, redactUrl } from '../src/redis.js';

interface Row {
  mode: 'local' | 'queue';
  workers: number;
  cells: number;
  wallSeconds: number;
  startupSeconds: number;
  cellsPerMinute: number;
  meanCellSeconds: number;
  overheadMsPerCell: number;
}

const cellCount = Number(process.env.GSA_BENCH_CELLS ?? 200);
const sleepMs = Number(process.env.GSA_BENCH_SLEEP_MS ?? 25);
const workerCounts = (process.env.GSA_BENCH_WORKERS ?? '1,2,4').split(',').map(Number);
const queueUrl = process.env.GSA_REDIS_URL;
const rows: Row[] = [];

async function measure(mode: Row['mode'], workers: number): Promise<Row> {
  const dir = mkdtempSync(join(tmpdir(), 'gsa-grid-bench-'));
  const ledgerPath = join(dir, 'ledger.sqlite');
  const ledger = ExperimentLedger.open(ledgerPath);
  const run = randomBytes(3).toString('hex');
  ledger.addCells(
    Array.from({ length: cellCount }, (_, index) => {
      const config = { index, sleepMs, run };
      return { key: cellKey(config), config };
    }),
  );
  const started = Date.now();
  let counts: CellCounts;
  if (mode === 'local') {
    counts = await runLocalGrid({
      ledgerPath,
      workers,
      command: [...tsNode, fixture('local-worker.fixture.ts'), ledgerPath],
      cwd: packageDir,
      pollMs: 20,
    });
  } else {
    const queueName = `gsa-bench-${run}`;
    const children: ChildProcess[] = Array.from({ length: workers }, () =>
      spawn(tsNode[0], [...tsNode.slice(1), fixture('queue-worker.fixture.ts'), queueName], {
        cwd: packageDir,
        env: { ...process.env, GSA_TEST_QUEUE_URL: queueUrl },
        stdio: 'ignore',
      }),
    );
    counts = await runQueueCoordinator({
      ledgerPath,
      queueUrl: queueUrl!,
      queueName,
      reconcileMs: 1000,
    });
    await Promise.all(
      children.map(
        (child) => new Promise((done) => (child.once('exit', done), child.kill('SIGTERM'))),
      ),
    );
    const connection = connectRedis(queueUrl!);
    const queue = new Queue(queueName, { connection });
    await queue.obliterate({ force: true });
    await queue.close();
    connection.disconnect();
  }
  const wall = (Date.now() - started) / 1000;
  if (counts.done !== cellCount)
    throw new Error(`${mode} with ${workers} workers finished ${JSON.stringify(counts)}`);
  const cells = ledger.cells();
  ledger.close();
  rmSync(dir, { recursive: true, force: true });
  const firstStart = Math.min(...cells.map((cell) => Date.parse(cell.startedAt!)));
  const startup = (firstStart - started) / 1000;
  const busy = cells.reduce((sum, cell) => sum + (cell.seconds ?? 0), 0);
  return {
    mode,
    workers,
    cells: cellCount,
    wallSeconds: wall,
    startupSeconds: startup,
    // Throughput once the workers are up (process start-up is paid once per grid).
    cellsPerMinute: (cellCount / (wall - startup)) * 60,
    meanCellSeconds: busy / cellCount,
    overheadMsPerCell: ((workers * (wall - startup) - busy) / cellCount) * 1000,
  };
}

const modes: Row['mode'][] = queueUrl ? ['local', 'queue'] : ['local'];
if (!queueUrl) console.log('GSA_REDIS_URL is not set: measuring the local mode only');
else console.log(`queue: ${redactUrl(queueUrl)}`);
for (const mode of modes) {
  for (const workers of workerCounts) {
    const row = await measure(mode, workers);
    rows.push(row);
    console.log(
      `${mode.padEnd(5)} ${String(workers).padStart(2)} workers: ${row.cellsPerMinute.toFixed(0).padStart(6)} cells/min, ` +
        `cell ${(row.meanCellSeconds * 1000).toFixed(0)} ms, overhead ${row.overheadMsPerCell.toFixed(1)} ms/cell, ` +
        `start-up ${row.startupSeconds.toFixed(2)} s, wall ${row.wallSeconds.toFixed(2)} s`,
    );
  }
}

const out = resolve(packageDir, process.env.GSA_BENCH_OUT ?? 'bench-results/grid.json');
mkdirSync(dirname(out), { recursive: true });
const report = { cells: cellCount, sleepMs, cpus: cpus().length, node: process.version, rows };
writeFileSync(`${out}.tmp`, JSON.stringify(report, null, 2));
renameSync(`${out}.tmp`, out);
console.log(`wrote ${out}`);
