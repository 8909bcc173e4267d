// End-to-end: `gsa experiment`, `gsa results` and `gsa worker` on tiny grids.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExperimentLedger } from '@gsa/experiments';
import {
  bin,
  env,
  readdir,
  runGsa,
  scratchDirectory,
  sharedFixture,
} from './cli-test-support.fixture.js';

const { data } = sharedFixture();
const scratch = scratchDirectory('cli-experiment');
const gsa = (...args: string[]) => runGsa(args);

describe('gsa experiment', () => {
  const grid = () => tinyGrid('grid.yaml');

  it('runs a 2-cell grid, survives a crash of everything mid-grid, and resumes without redoing a cell', async () => {
    const out = join(scratch, 'experiment');
    const args = ['experiment', '--config', grid(), '--out', out, '--backend', 'cpu'];
    const cells = join(out, 'cells');
    // Kill the coordinator and its worker (the whole process group) once the first cell is done.
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, [bin, ...args], { env, detached: true });
      let text = '';
      child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
      const poll = setInterval(() => {
        if (
          existsSync(cells) &&
          readdir(cells).filter((name) => !name.startsWith('.')).length >= 1
        ) {
          clearInterval(poll);
          process.kill(-child.pid!, 'SIGKILL');
        }
      }, 50);
      child.on('exit', (_code, signal) => {
        clearInterval(poll);
        if (signal === 'SIGKILL') resolve();
        else reject(new Error(`the experiment ended before it could be killed:\n${text}`));
      });
    });
    expect(doneCells(join(out, 'ledger.sqlite'))).toBe(1);
    const first = readdir(cells).filter((name) => !name.startsWith('.'));
    expect(first).toHaveLength(1);
    const firstSummary = readFileSync(join(cells, first[0]!, 'summary.json'), 'utf8');

    const resumed = gsa(...args);
    expect(resumed.stderr).toContain('2 cells (0 new, 1 already done');
    expect(resumed.status).toBe(0);
    // The finished cell was not run again; the other one was.
    expect(readFileSync(join(cells, first[0]!, 'summary.json'), 'utf8')).toBe(firstSummary);
    expect(readdir(cells).filter((name) => !name.startsWith('.'))).toHaveLength(2);
    expect(resumed.stdout).toMatch(/\| SmallCNN \| Vanilla \| \d+\.\d\d\(\d+\.\d\d\) \|/);
    expect(resumed.stdout).toMatch(/\| {2}\| Global attention \| (\*\*)?\d+\.\d\d\(\d+\.\d\d\)/);
    expect(resumed.stdout).toContain('Cells: 2 done, 0 failed, 0 not finished.');
    // One seed: the map's stability across the cell's 2 folds.
    expect(resumed.stdout).toMatch(
      /\| Global attention \|[^\n]*\| r -?\d\.\d\d \(min -?\d\.\d\d\), top-10% IoU \d\.\d\d \(min \d\.\d\d\), 2 maps \(folds\) \|/,
    );
    for (const file of ['results.md', 'results.csv', 'results.json', 'grid.json', 'ledger.sqlite'])
      expect(existsSync(join(out, file))).toBe(true);

    const csv = gsa('results', out, '--format', 'csv');
    expect(csv.status).toBe(0);
    expect(csv.stdout.split(/\r?\n/)[0]).toBe('backbone,method,data');
    const json = gsa('results', out, '--format', 'json', '--where', 'attention=global');
    const records = JSON.parse(json.stdout) as {
      state: string;
      attempts: number;
      result: { testMean: number };
    }[];
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ state: 'done' });
    expect(records[0]!.result.testMean).toBeGreaterThanOrEqual(0);

    // A third run has nothing left to do.
    const again = gsa(...args);
    expect(again.status).toBe(0);
    expect(again.stderr).toContain('2 cells (0 new, 2 already done');
    expect(again.stderr).not.toContain('worker process');
  });
});

const redisUrl = process.env.GSA_REDIS_URL;
const describeWithRedis =
  redisUrl || process.env.GSA_REQUIRE_REDIS === '1' ? describe : describe.skip;
if (!redisUrl && process.env.GSA_REQUIRE_REDIS !== '1') {
  console.warn(
    'gsa experiment --queue: skipped (set GSA_REDIS_URL=redis://127.0.0.1:PORT to run it)',
  );
}

describeWithRedis('gsa experiment --queue (BullMQ on Redis)', () => {
  it('runs the cells on `gsa worker` processes and records each once', async () => {
    if (!redisUrl) throw new Error('GSA_REQUIRE_REDIS=1 but GSA_REDIS_URL is not set');
    const out = join(scratch, 'queued');
    const gridPath = tinyGrid('queued.yaml', 'seeds: [0, 1]');
    const started = (args: string[]) => {
      const child = spawn(process.execPath, [bin, ...args], { env });
      let text = '';
      child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
      const exited = new Promise<{ code: number | null; text: string }>((resolve) =>
        child.on('exit', (code) => resolve({ code, text })),
      );
      return { child, exited };
    };
    const coordinator = started([
      'experiment',
      '--config',
      gridPath,
      '--out',
      out,
      '--queue',
      redisUrl,
    ]);
    const workers = [0, 1].map(() => started(['worker', '--queue', redisUrl, '--backend', 'cpu']));
    const finished = await coordinator.exited;
    for (const worker of workers) worker.child.kill('SIGTERM');
    const workerLogs = await Promise.all(workers.map((worker) => worker.exited));
    expect(finished.code).toBe(0);
    expect(finished.text).toContain('4 cells (4 new');
    // Every cell was run to the end exactly once, across the workers.
    const doneLines = workerLogs.map((log) => (log.text.match(/ done in /g) ?? []).length);
    expect(doneLines.reduce((a, b) => a + b, 0)).toBe(4);
    const ledger = ExperimentLedger.open(join(out, 'ledger.sqlite'));
    try {
      const cells = ledger.cells();
      expect(cells.map((cell) => cell.state)).toEqual(['done', 'done', 'done', 'done']);
      expect(cells.every((cell) => cell.duplicates === 0)).toBe(true);
    } finally {
      ledger.close();
    }
    expect(readdir(join(out, 'cells')).filter((name) => !name.startsWith('.'))).toHaveLength(4);
    expect(readFileSync(join(out, 'results.md'), 'utf8')).toContain('Cells: 4 done, 0 failed');
  });
});

/** A grid of tiny cells (vanilla and global, 2 folds, 2 epochs) on the synthetic data. */
function tinyGrid(name: string, ...extra: string[]): string {
  const path = join(scratch, name);
  writeFileSync(
    path,
    [
      `data: folder:${data}`,
      'backbone: smallcnn',
      'backboneOptions: { widths: [4, 8] }',
      'attention: [none, global]',
      'epochs: 2',
      'cutoffEpoch: 1',
      'channels: 4',
      'batchSize: 8',
      'folds: 2',
      'topEpochs: 2',
      ...extra,
      '',
    ].join('\n'),
  );
  return path;
}

function doneCells(path: string): number {
  const ledger = ExperimentLedger.open(path);
  try {
    return ledger.counts().done;
  } finally {
    ledger.close();
  }
}
