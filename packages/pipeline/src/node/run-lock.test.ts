import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PipelineError } from '../errors.js';
import { RUN_LOCK_FILE, lockRunDirectory, runDirectoryHolder } from './run-lock.js';

describe('lockRunDirectory', () => {
  let directory: string;
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'gsa-run-lock-'));
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it('takes a directory once; a second taker is told who holds it and what to do', () => {
    const run = join(directory, 'run');
    const lock = lockRunDirectory(run, 'gsa train');
    const holder = JSON.parse(readFileSync(join(run, RUN_LOCK_FILE), 'utf8'));
    expect(holder).toMatchObject({ pid: process.pid, host: hostname(), purpose: 'gsa train' });
    expect(runDirectoryHolder(run)?.pid).toBe(process.pid);
    let refusal: unknown;
    try {
      lockRunDirectory(run, 'gsa train --resume');
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(PipelineError);
    expect((refusal as PipelineError).message).toMatch(
      new RegExp(`${run} is in use: process ${process.pid} on .* \\(gsa train\\)`),
    );
    expect((refusal as PipelineError).hint).toMatch(
      /Wait for it to finish, or stop it \(kill \d+\)/,
    );
    lock.release();
    lock.release(); // once only
    expect(existsSync(join(run, RUN_LOCK_FILE))).toBe(false);
    expect(runDirectoryHolder(run)).toBeUndefined();
    lockRunDirectory(run, 'again').release();
  });

  it('takes over the lock of a process that no longer runs, and says so', () => {
    const path = join(directory, RUN_LOCK_FILE);
    // A pid far above any live one (Linux caps pids at 4,194,304).
    const dead = {
      pid: 99_999_999,
      host: hostname(),
      started: '2026-01-01T00:00:00Z',
      purpose: 'gsa train',
    };
    writeFileSync(path, JSON.stringify(dead));
    expect(runDirectoryHolder(directory)).toBeUndefined();
    const notes: string[] = [];
    const lock = lockRunDirectory(directory, 'gsa train --resume', (note) => notes.push(note));
    expect(notes[0]).toMatch(/taking over .*: its lock was left by process 99999999 \(gsa train/);
    expect(JSON.parse(readFileSync(path, 'utf8')).pid).toBe(process.pid);
    lock.release();
  });

  it("never takes another machine's lock, and never releases one it does not hold", () => {
    const path = join(directory, RUN_LOCK_FILE);
    const remote = {
      pid: 1,
      host: 'another-host',
      started: '2026-01-01T00:00:00Z',
      purpose: 'gsa train',
    };
    writeFileSync(path, JSON.stringify(remote));
    expect(() => lockRunDirectory(directory, 'gsa train')).toThrow(
      /in use: process 1 on another-host/,
    );
    expect(runDirectoryHolder(directory)?.host).toBe('another-host');
    const lock = (() => {
      rmSync(path);
      return lockRunDirectory(directory, 'gsa train');
    })();
    // Someone else took it over meanwhile: releasing ours must leave theirs.
    writeFileSync(path, JSON.stringify(remote));
    lock.release();
    expect(existsSync(path)).toBe(true);
  });
});
