import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { cellDirectory, storeCellFiles } from './artifacts.js';
import { cellKey, type JsonObject } from './cell-key.js';
import { ExperimentLedger, type CellSpec } from './ledger.js';

const spec = (config: JsonObject): CellSpec => ({ key: cellKey(config), config });
const grid = (n: number) =>
  Array.from({ length: n }, (_, index) => spec({ index, lambda: index % 2 ? 0.01 : 0.1 }));
const me = { id: 'worker-a', machine: hostname(), pid: process.pid };
const other = { id: 'worker-b', machine: hostname(), pid: process.pid };

let dir: string;
let ledger: ExperimentLedger;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gsa-ledger-'));
  ledger = ExperimentLedger.open(join(dir, 'nested', 'ledger.sqlite'));
});
afterEach(() => {
  ledger.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('ExperimentLedger', () => {
  it('adds cells idempotently by key and hands them out in order, each once', () => {
    expect(ledger.addCells(grid(4))).toEqual({ added: 4, existing: 0 });
    expect(ledger.addCells(grid(6))).toEqual({ added: 2, existing: 4 });
    expect(ledger.counts()).toEqual({ pending: 6, running: 0, done: 0, failed: 0 });
    const first = ledger.claimNext(me)!;
    expect(first.config).toEqual({ index: 0, lambda: 0.1 });
    expect(first).toMatchObject({
      state: 'running',
      attempts: 1,
      workerId: 'worker-a',
      machine: hostname(),
      pid: process.pid,
    });
    expect(ledger.claimNext(other)!.config.index).toBe(1);
    expect(ledger.counts()).toEqual({ pending: 4, running: 2, done: 0, failed: 0 });
  });

  it('rejects a key that is not the hash of its config', () => {
    expect(() => ledger.addCells([{ key: 'abc', config: { index: 1 } }])).toThrow(
      /does not match its config/,
    );
    expect(ledger.counts().pending).toBe(0);
  });

  it('records a result once: a second completion is ignored, counted, and flips nothing', () => {
    ledger.addCells(grid(1));
    const cell = ledger.claimNext(me)!;
    expect(ledger.complete(cell.key, { accuracy: 0.75 }, { workerId: me.id })).toBe(true);
    expect(ledger.complete(cell.key, { accuracy: 0.5 }, { workerId: other.id })).toBe(false);
    expect(ledger.fail(cell.key, me.id, 'late failure', { maxAttempts: 3 })).toBe('stale');
    expect(ledger.markFailed(cell.key, 'late failure')).toBe(false);
    expect(ledger.heartbeat(cell.key, me.id)).toBe(false);
    const done = ledger.cell(cell.key)!;
    expect(done).toMatchObject({
      state: 'done',
      result: { accuracy: 0.75 },
      duplicates: 1,
      attempts: 1,
      workerId: me.id,
    });
    expect(done.seconds).toBeGreaterThanOrEqual(0);
    expect(Date.parse(done.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(done.startedAt!));
  });

  it('retries a failed attempt after an exponential backoff, then fails the cell with its error', () => {
    ledger.addCells(grid(1));
    const key = grid(1)[0]!.key;
    ledger.claimNext(me);
    expect(ledger.fail(key, other.id, 'not mine', { maxAttempts: 2 })).toBe('stale');
    expect(
      ledger.fail(key, me.id, 'Error: out of memory', { maxAttempts: 2, backoffMs: 60_000 }),
    ).toBe('retry');
    const waiting = ledger.cell(key)!;
    expect(waiting).toMatchObject({ state: 'pending', attempts: 1, error: 'Error: out of memory' });
    expect(Date.parse(waiting.retryAt!) - Date.now()).toBeGreaterThan(50_000);
    expect(ledger.claimNext(me)).toBeUndefined(); // still backing off
  });

  it('fails a cell when its attempts run out, and retryFailed gives it a fresh budget', () => {
    ledger.addCells(grid(1));
    const key = grid(1)[0]!.key;
    ledger.claimNext(me);
    expect(ledger.fail(key, me.id, 'first', { maxAttempts: 2 })).toBe('retry');
    expect(ledger.claimNext(me)!.attempts).toBe(2);
    expect(ledger.fail(key, me.id, 'second', { maxAttempts: 2 })).toBe('failed');
    expect(ledger.cell(key)).toMatchObject({ state: 'failed', attempts: 2, error: 'second' });
    expect(ledger.claimNext(me)).toBeUndefined();
    expect(ledger.retryFailed()).toBe(1);
    expect(ledger.claimNext(me)!.attempts).toBe(1);
  });

  it('release gives a cell back without using up an attempt', () => {
    ledger.addCells(grid(1));
    const cell = ledger.claimNext(me)!;
    expect(ledger.release(cell.key, other.id)).toBe(false);
    expect(ledger.release(cell.key, me.id)).toBe(true);
    expect(ledger.cell(cell.key)).toMatchObject({ state: 'pending', attempts: 0 });
  });

  it('reclaims the cell of a worker whose process is gone, and of one whose heartbeat is stale', () => {
    ledger.addCells(grid(3));
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    });
    const deadPid = Number(gone.stdout);
    const dead = ledger.claimNext({ id: 'dead', machine: hostname(), pid: deadPid })!;
    const elsewhere = ledger.claimNext({ id: 'remote', machine: 'another-host', pid: deadPid })!;
    const alive = ledger.claimNext(me)!;
    expect(ledger.reclaimAbandoned({ staleAfterMs: 60_000 })).toBe(1);
    expect(ledger.cell(dead.key)).toMatchObject({ state: 'pending', attempts: 1 });
    expect(ledger.cell(dead.key)!.error).toMatch(
      new RegExp(`exited \\(pid ${deadPid}\\) during attempt 1`),
    );
    // A pid on another machine says nothing; only its heartbeat does.
    expect(ledger.cell(elsewhere.key)!.state).toBe('running');
    expect(ledger.reclaimAbandoned({ staleAfterMs: -1, maxAttempts: 1 })).toBe(2);
    expect(ledger.cell(elsewhere.key)).toMatchObject({ state: 'failed' });
    expect(ledger.cell(elsewhere.key)!.error).toMatch(/sent no heartbeat/);
    expect(ledger.cell(alive.key)!.state).toBe('failed');
  });

  it('filters by state and config fields, and keeps everything across reopening', () => {
    ledger.addCells(grid(5));
    const cell = ledger.claimNext(me)!;
    ledger.complete(cell.key, { accuracy: 0.9 });
    expect(ledger.cells({ where: { lambda: 0.01 } }).map((c) => c.config.index)).toEqual([1, 3]);
    expect(ledger.cells({ state: 'done' }).map((c) => c.result)).toEqual([{ accuracy: 0.9 }]);
    expect(
      ledger
        .cells({ state: ['pending', 'done'], where: { lambda: 0.1 } })
        .map((c) => c.config.index),
    ).toEqual([0, 2, 4]);
    const path = ledger.path;
    ledger.close();
    ledger = ExperimentLedger.open(path);
    expect(ledger.counts()).toEqual({ pending: 4, running: 0, done: 1, failed: 0 });
    expect(ledger.cell(cell.key)!.result).toEqual({ accuracy: 0.9 });
  });

  it('names the file when it is not a ledger', () => {
    const bogus = join(dir, 'not-a-ledger.sqlite');
    writeFileSync(
      bogus,
      'this is not a database, just text that is long enough to have a header......',
    );
    expect(() => ExperimentLedger.open(bogus)).toThrow(
      new RegExp(`${bogus} is not a usable experiment ledger`),
    );
  });
});

describe('storeCellFiles', () => {
  it('writes inline files as one directory, keeps only names, and keeps the first copy on a duplicate', () => {
    const key = grid(1)[0]!.key;
    const stored = storeCellFiles(dir, key, {
      accuracy: 0.5,
      files: {
        'summary.json': '{"a":1}',
        'map.png': { base64: Buffer.from([137, 80, 78, 71]).toString('base64') },
      },
    });
    expect(stored).toEqual({ accuracy: 0.5, files: ['map.png', 'summary.json'] });
    const where = cellDirectory(dir, key);
    expect(readFileSync(join(where, 'summary.json'), 'utf8')).toBe('{"a":1}');
    expect([...readFileSync(join(where, 'map.png'))]).toEqual([137, 80, 78, 71]);
    storeCellFiles(dir, key, { files: { 'summary.json': 'second' } });
    expect(readFileSync(join(where, 'summary.json'), 'utf8')).toBe('{"a":1}');
    expect(readdirSync(join(dir, 'cells'))).toEqual([key]); // no staging leftovers
    expect(storeCellFiles(dir, key, { accuracy: 1 })).toEqual({ accuracy: 1 });
  });

  it('refuses file names that could leave the cell directory', () => {
    expect(() => storeCellFiles(dir, 'k', { files: { '../escape': 'x' } })).toThrow(
      /file name "\.\.\/escape" is not allowed/,
    );
    expect(() => storeCellFiles(dir, 'k', { files: { 'a.txt': 3 } })).toThrow(
      /a\.txt must be a string or \{ base64/,
    );
    expect(existsSync(join(dir, 'escape'))).toBe(false);
  });
});
