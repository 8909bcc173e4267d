// A run directory has one owner: a lock file taken atomically (O_EXCL) with
// the owner's pid, host, start time and purpose, released when the work ends
// or the process exits. A second process gets an error naming the holder; a
// lock left by a dead process on this machine is taken over, with a note.
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { processAlive } from '@gsa/experiments';
import { PipelineError } from '../errors.js';

/** The lock file inside a run directory. */
export const RUN_LOCK_FILE = '.gsa-lock';

/** Who holds a run directory. */
export interface RunLockHolder {
  pid: number;
  host: string;
  /** ISO time the holder took the lock. */
  started: string;
  /** What it does there: 'train', 'export', ... */
  purpose: string;
}

export interface RunLock {
  readonly path: string;
  /** Releases the lock (once; later calls do nothing). */
  release(): void;
}

function readHolder(path: string): RunLockHolder | undefined {
  try {
    const holder = JSON.parse(readFileSync(path, 'utf8')) as RunLockHolder;
    return Number.isInteger(holder.pid) && typeof holder.host === 'string' ? holder : undefined;
  } catch {
    return undefined; // being written this instant, or not a lock of ours
  }
}

/**
 * Takes `directory` (created if needed) for `purpose`, or throws a
 * PipelineError naming the process that holds it and what to do.
 */
export function lockRunDirectory(
  directory: string,
  purpose: string,
  log: (message: string) => void = () => {},
): RunLock {
  mkdirSync(directory, { recursive: true });
  const path = join(directory, RUN_LOCK_FILE);
  const me: RunLockHolder = {
    pid: process.pid,
    host: hostname(),
    started: new Date().toISOString(),
    purpose,
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    let descriptor: number;
    try {
      descriptor = openSync(path, 'wx');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readHolder(path);
      if (holder && holder.host === me.host && !processAlive(holder.pid)) {
        log(
          `gsa: taking over ${directory}: its lock was left by process ${holder.pid} (${holder.purpose}, since ${holder.started}), which no longer runs.`,
        );
        rmSync(path, { force: true });
        continue;
      }
      if (!holder) {
        if (attempt < 2) continue; // a lock being written: look again
        throw new PipelineError(
          `The run directory ${directory} is locked (${path}), and the lock cannot be read.`,
          `If no gsa process uses ${directory}, delete ${path} and try again.`,
        );
      }
      throw new PipelineError(
        `The run directory ${directory} is in use: process ${holder.pid} on ${holder.host} has held it since ${holder.started} (${holder.purpose}).`,
        holder.host === me.host
          ? `Wait for it to finish, or stop it (kill ${holder.pid}) and run this again; or choose another --out.`
          : `Wait for it to finish, or choose another --out; if that process is gone, delete ${path}.`,
      );
    }
    try {
      writeSync(descriptor, `${JSON.stringify(me)}\n`);
    } finally {
      closeSync(descriptor);
    }
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      process.removeListener('exit', release);
      // Only our own lock: never one a later owner took over.
      if (readHolder(path)?.pid === me.pid) rmSync(path, { force: true });
    };
    process.once('exit', release);
    return { path, release };
  }
  throw new PipelineError(
    `Could not lock the run directory ${directory}.`,
    'Another process keeps taking it: make sure only one gsa command uses it.',
  );
}

/** The live process holding `directory`, if any (a stale lock of a dead process on this machine is none). */
export function runDirectoryHolder(directory: string): RunLockHolder | undefined {
  const holder = readHolder(join(directory, RUN_LOCK_FILE));
  if (!holder) return undefined;
  return holder.host === hostname() && !processAlive(holder.pid) ? undefined : holder;
}
