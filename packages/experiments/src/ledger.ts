import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import { canonicalJson, cellKey, type Json, type JsonObject } from './cell-key.js';

/** One cell of a grid: its key (see {@link cellKey}) and the config it runs. */
export interface CellSpec {
  key: string;
  config: JsonObject;
}

export type CellState = 'pending' | 'running' | 'done' | 'failed';
export const cellStates: readonly CellState[] = ['pending', 'running', 'done', 'failed'];

/** Who runs a cell. `id` is unique per worker; `pid` lets the same machine detect a dead worker. */
export interface WorkerIdentity {
  id: string;
  machine: string;
  pid?: number;
}

/** A cell as the ledger holds it. Times are ISO strings (UTC). */
export interface CellRecord {
  key: string;
  config: JsonObject;
  state: CellState;
  /** Attempts started so far (the current one included while running). */
  attempts: number;
  workerId?: string;
  machine?: string;
  pid?: number;
  startedAt?: string;
  heartbeatAt?: string;
  finishedAt?: string;
  /** Wall-clock seconds of the attempt that finished the cell. */
  seconds?: number;
  /** A pending cell waiting out its retry backoff is not claimed before this time. */
  retryAt?: string;
  result?: JsonObject;
  /** The last error (kept on a retried or failed cell). */
  error?: string;
  /** Results that arrived after the cell was already done, and were ignored. */
  duplicates: number;
}

export interface CellFilter {
  state?: CellState | readonly CellState[];
  /** Config fields that must equal these values (deep equality). */
  where?: JsonObject;
}

/** Details of a finished attempt, when they come from elsewhere (a queue worker). */
export interface AttemptDetails {
  workerId?: string;
  machine?: string;
  attempts?: number;
  startedAt?: number;
  finishedAt?: number;
}

export type FailOutcome = 'retry' | 'failed' | 'stale';

interface Row {
  seq: number;
  key: string;
  config: string;
  state: CellState;
  attempts: number;
  worker: string | null;
  machine: string | null;
  pid: number | null;
  available_at: number;
  started_at: number | null;
  heartbeat_at: number | null;
  finished_at: number | null;
  result: string | null;
  error: string | null;
  duplicates: number;
}

const schemaVersion = '1';

const schema = `
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS cells (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  key TEXT NOT NULL UNIQUE,
  config TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'running', 'done', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  worker TEXT,
  machine TEXT,
  pid INTEGER,
  available_at INTEGER NOT NULL DEFAULT 0,
  started_at INTEGER,
  heartbeat_at INTEGER,
  finished_at INTEGER,
  result TEXT,
  error TEXT,
  duplicates INTEGER NOT NULL DEFAULT 0,
  added_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS cells_by_state ON cells (state, available_at, seq);
`;

/** Whether a process with this pid exists on this machine. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function iso(ms: number | null): string | undefined {
  return ms === null ? undefined : new Date(ms).toISOString();
}

function toRecord(row: Row): CellRecord {
  const record: CellRecord = {
    key: row.key,
    config: JSON.parse(row.config) as JsonObject,
    state: row.state,
    attempts: row.attempts,
    duplicates: row.duplicates,
  };
  if (row.worker !== null) record.workerId = row.worker;
  if (row.machine !== null) record.machine = row.machine;
  if (row.pid !== null) record.pid = row.pid;
  if (row.started_at !== null) record.startedAt = iso(row.started_at);
  if (row.heartbeat_at !== null) record.heartbeatAt = iso(row.heartbeat_at);
  if (row.finished_at !== null) record.finishedAt = iso(row.finished_at);
  if (row.state === 'done' && row.started_at !== null && row.finished_at !== null) {
    record.seconds = (row.finished_at - row.started_at) / 1000;
  }
  if (row.state === 'pending' && row.available_at > Date.now())
    record.retryAt = iso(row.available_at);
  if (row.result !== null) record.result = JSON.parse(row.result) as JsonObject;
  if (row.error !== null) record.error = row.error;
  return record;
}

function deepEqual(a: Json | undefined, b: Json): boolean {
  return a !== undefined && canonicalJson(a) === canonicalJson(b);
}

/**
 * The experiment ledger: one SQLite file holding every cell of a grid and its
 * state. Every change is one transaction (WAL, synchronous=FULL), so a crash
 * of any process loses nothing, and several processes on one machine can share
 * the file (claims use BEGIN IMMEDIATE, so a cell goes to exactly one worker).
 * SQLite's locking needs a local disk: do not put the ledger on NFS; use the
 * queue mode for several machines.
 */
export class ExperimentLedger {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly statements;

  private constructor(path: string, db: Database.Database) {
    this.path = path;
    this.db = db;
    this.statements = {
      get: db.prepare<[string], Row>('SELECT * FROM cells WHERE key = ?'),
      insert: db.prepare(
        'INSERT INTO cells (key, config, added_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING',
      ),
      nextPending: db.prepare<[number], Row>(
        "SELECT * FROM cells WHERE state = 'pending' AND available_at <= ? ORDER BY seq LIMIT 1",
      ),
      claim: db.prepare(
        "UPDATE cells SET state = 'running', attempts = attempts + 1, worker = ?, machine = ?, pid = ?, started_at = ?, heartbeat_at = ?, finished_at = NULL WHERE key = ?",
      ),
      heartbeat: db.prepare(
        "UPDATE cells SET heartbeat_at = ? WHERE key = ? AND state = 'running' AND worker = ?",
      ),
      running: db.prepare<[], Row>("SELECT * FROM cells WHERE state = 'running' ORDER BY seq"),
      counts: db.prepare<[], { state: CellState; n: number }>(
        'SELECT state, COUNT(*) AS n FROM cells GROUP BY state',
      ),
      all: db.prepare<[], Row>('SELECT * FROM cells ORDER BY seq'),
    };
  }

  /** Opens (creating if needed) the ledger at `path`. */
  static open(path: string): ExperimentLedger {
    const absolute = resolve(path);
    mkdirSync(dirname(absolute), { recursive: true });
    let db: Database.Database;
    try {
      // timeout: how long a statement waits for another process's write lock.
      db = new Database(absolute, { timeout: 30_000 });
    } catch (error) {
      throw new Error(`cannot open the experiment ledger ${absolute}: ${(error as Error).message}`);
    }
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.transaction(() => {
        db.exec(schema);
        const found = db
          .prepare<[], { value: string }>("SELECT value FROM meta WHERE name = 'schema'")
          .get();
        if (!found) {
          db.prepare("INSERT INTO meta (name, value) VALUES ('schema', ?)").run(schemaVersion);
        } else if (found.value !== schemaVersion) {
          throw new Error(
            `${absolute} is an experiment ledger of schema ${found.value}; this version of @gsa/experiments reads schema ${schemaVersion}. Use a new ledger file or the matching version.`,
          );
        }
      }).immediate();
    } catch (error) {
      db.close();
      const message = (error as Error).message;
      throw new Error(
        message.startsWith(absolute)
          ? message
          : `${absolute} is not a usable experiment ledger: ${message}`,
      );
    }
    return new ExperimentLedger(absolute, db);
  }

  /** Adds cells not yet in the ledger (by key), in one transaction. Checks each key against its config. */
  addCells(cells: readonly CellSpec[]): { added: number; existing: number } {
    for (const cell of cells) {
      const expected = cellKey(cell.config);
      if (cell.key !== expected) {
        throw new Error(
          `cell key ${cell.key} does not match its config (expected ${expected}): build keys with cellKey(config)`,
        );
      }
    }
    const now = Date.now();
    let added = 0;
    this.db
      .transaction(() => {
        for (const cell of cells) {
          added += this.statements.insert.run(cell.key, canonicalJson(cell.config), now).changes;
        }
      })
      .immediate();
    return { added, existing: cells.length - added };
  }

  /** The next pending cell (in the order added), now running for `worker`; undefined when none is ready. */
  claimNext(worker: WorkerIdentity): CellRecord | undefined {
    return this.db
      .transaction(() => {
        const now = Date.now();
        const row = this.statements.nextPending.get(now);
        if (!row) return undefined;
        this.statements.claim.run(worker.id, worker.machine, worker.pid ?? null, now, now, row.key);
        return toRecord(this.statements.get.get(row.key)!);
      })
      .immediate();
  }

  /** Records that `workerId` still runs the cell. False when the cell is no longer its (taken over, or done). */
  heartbeat(key: string, workerId: string): boolean {
    return this.statements.heartbeat.run(Date.now(), key, workerId).changes === 1;
  }

  /**
   * Records a cell's result. Idempotent by key: the first result wins; one that
   * arrives for a cell already done (a taken-over attempt that finished after
   * all) is ignored, counted in `duplicates`, and returns false.
   */
  complete(key: string, result: JsonObject, details: AttemptDetails = {}): boolean {
    const text = canonicalJson(result);
    return this.db
      .transaction(() => {
        const row = this.require(key);
        if (row.state === 'done') {
          this.db.prepare('UPDATE cells SET duplicates = duplicates + 1 WHERE key = ?').run(key);
          return false;
        }
        const now = Date.now();
        this.db
          .prepare(
            "UPDATE cells SET state = 'done', result = ?, error = NULL, worker = ?, machine = ?, attempts = ?, started_at = ?, finished_at = ?, available_at = 0 WHERE key = ?",
          )
          .run(
            text,
            details.workerId ?? row.worker,
            details.machine ?? row.machine,
            details.attempts ?? Math.max(row.attempts, 1),
            details.startedAt ?? row.started_at ?? now,
            details.finishedAt ?? now,
            key,
          );
        return true;
      })
      .immediate();
  }

  /**
   * Records a failed attempt by `workerId`. With attempts left the cell goes
   * back to pending, claimable after `backoffMs * 2^(attempts-1)`; otherwise it
   * is failed with this error. 'stale' when the cell is no longer this worker's.
   */
  fail(
    key: string,
    workerId: string,
    error: string,
    options: { maxAttempts: number; backoffMs?: number },
  ): FailOutcome {
    return this.db
      .transaction((): FailOutcome => {
        const row = this.require(key);
        if (row.state !== 'running' || row.worker !== workerId) return 'stale';
        const now = Date.now();
        if (row.attempts >= options.maxAttempts) {
          this.db
            .prepare("UPDATE cells SET state = 'failed', error = ?, finished_at = ? WHERE key = ?")
            .run(error, now, key);
          return 'failed';
        }
        const delay = (options.backoffMs ?? 0) * 2 ** Math.max(0, row.attempts - 1);
        this.db
          .prepare(
            "UPDATE cells SET state = 'pending', error = ?, available_at = ?, pid = NULL, worker = NULL WHERE key = ?",
          )
          .run(error, now + delay, key);
        return 'retry';
      })
      .immediate();
  }

  /** Gives a running cell back (a clean shutdown): pending again, the attempt not counted. */
  release(key: string, workerId: string): boolean {
    return (
      this.db
        .prepare(
          "UPDATE cells SET state = 'pending', attempts = MAX(attempts - 1, 0), worker = NULL, pid = NULL, available_at = 0 WHERE key = ? AND state = 'running' AND worker = ?",
        )
        .run(key, workerId).changes === 1
    );
  }

  /** Queue mode: a worker somewhere started attempt `attempt` of a cell that is not finished. */
  markRunning(
    key: string,
    worker: WorkerIdentity,
    attempt?: number,
    startedAt = Date.now(),
  ): boolean {
    return (
      this.db
        .prepare(
          "UPDATE cells SET state = 'running', worker = ?, machine = ?, pid = ?, attempts = COALESCE(?, attempts), started_at = ?, heartbeat_at = ? WHERE key = ? AND state IN ('pending', 'running')",
        )
        .run(
          worker.id,
          worker.machine,
          worker.pid ?? null,
          attempt ?? null,
          startedAt,
          startedAt,
          key,
        ).changes === 1
    );
  }

  /** Queue mode: a running cell whose job was lost (Redis restarted empty) waits again, attempts kept. */
  requeue(key: string): boolean {
    return (
      this.db
        .prepare(
          "UPDATE cells SET state = 'pending', worker = NULL, pid = NULL WHERE key = ? AND state = 'running'",
        )
        .run(key).changes === 1
    );
  }

  /** Queue mode: a cell ran out of attempts. Ignored (false) for a cell already done. */
  markFailed(key: string, error: string, details: AttemptDetails = {}): boolean {
    return this.db
      .transaction(() => {
        const row = this.require(key);
        if (row.state === 'done') return false;
        this.db
          .prepare(
            "UPDATE cells SET state = 'failed', error = ?, attempts = ?, worker = ?, machine = ?, finished_at = ? WHERE key = ?",
          )
          .run(
            error,
            details.attempts ?? row.attempts,
            details.workerId ?? row.worker,
            details.machine ?? row.machine,
            details.finishedAt ?? Date.now(),
            key,
          );
        return true;
      })
      .immediate();
  }

  /**
   * Running cells whose worker is gone go back to pending (or to failed when
   * they have used `maxAttempts`): a worker on this machine whose pid no
   * longer exists, or any worker whose last heartbeat is older than
   * `staleAfterMs`. Returns how many cells were reclaimed.
   */
  reclaimAbandoned(options: { staleAfterMs: number; maxAttempts?: number }): number {
    const here = hostname();
    return this.db
      .transaction(() => {
        const now = Date.now();
        let reclaimed = 0;
        for (const row of this.statements.running.all()) {
          const dead = row.machine === here && row.pid !== null && !processAlive(row.pid);
          const stale = (row.heartbeat_at ?? 0) < now - options.staleAfterMs;
          if (!dead && !stale) continue;
          const why = `worker ${row.worker ?? '?'} on ${row.machine ?? '?'} ${dead ? `exited (pid ${row.pid})` : `sent no heartbeat for ${Math.round((now - (row.heartbeat_at ?? 0)) / 1000)} s`} during attempt ${row.attempts}`;
          const failed = row.attempts >= (options.maxAttempts ?? Infinity);
          this.db
            .prepare(
              'UPDATE cells SET state = ?, error = ?, worker = NULL, pid = NULL, available_at = 0, finished_at = ? WHERE key = ?',
            )
            .run(failed ? 'failed' : 'pending', why, failed ? now : null, row.key);
          reclaimed++;
        }
        return reclaimed;
      })
      .immediate();
  }

  /** Failed cells go back to pending with a fresh attempt budget (a rerun). Returns how many. */
  retryFailed(): number {
    return this.db
      .prepare(
        "UPDATE cells SET state = 'pending', attempts = 0, available_at = 0, finished_at = NULL WHERE state = 'failed'",
      )
      .run().changes;
  }

  cell(key: string): CellRecord | undefined {
    const row = this.statements.get.get(key);
    return row ? toRecord(row) : undefined;
  }

  /** Cells in the order they were added, optionally filtered by state and config fields. */
  cells(filter: CellFilter = {}): CellRecord[] {
    const states =
      filter.state === undefined
        ? undefined
        : new Set(typeof filter.state === 'string' ? [filter.state] : filter.state);
    const where = Object.entries(filter.where ?? {});
    return this.statements.all
      .all()
      .filter((row) => !states || states.has(row.state))
      .map(toRecord)
      .filter((record) => where.every(([field, value]) => deepEqual(record.config[field], value)));
  }

  counts(): Record<CellState, number> {
    const counts: Record<CellState, number> = { pending: 0, running: 0, done: 0, failed: 0 };
    for (const { state, n } of this.statements.counts.all()) counts[state] = n;
    return counts;
  }

  close(): void {
    this.db.close();
  }

  private require(key: string): Row {
    const row = this.statements.get.get(key);
    if (!row) throw new Error(`cell ${key} is not in the ledger ${this.path}`);
    return row;
  }
}
