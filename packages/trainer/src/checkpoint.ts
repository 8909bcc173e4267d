import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Checkpoint, CheckpointStore, SavedArray } from './checkpoint-store.js';
import type { EpochMetrics } from './types.js';

export type { Checkpoint, CheckpointStore, SavedArray } from './checkpoint-store.js';

interface ArrayRef {
  name: string;
  shape: number[];
  offset: number;
  length: number;
}

// Format 2: the epoch order comes from @gsa/data's seeded generator (format 1
// used the trainer's own), so a format-1 run cannot be replayed exactly.
const FORMAT = 'gsa-checkpoint-2';
const DIRECTORY_PATTERN = /^epoch-(\d{4,})$/;
let temporaries = 0;

export function checkpointDirectoryName(epoch: number): string {
  return `epoch-${String(epoch).padStart(4, '0')}`;
}

/**
 * Writes a checkpoint atomically: into a temporary directory beside the
 * others, flushed to disk, then renamed into place. A crash or a full disk
 * leaves the previous checkpoints untouched. Keeps the newest `keep`.
 */
export function writeCheckpoint(directory: string, checkpoint: Checkpoint, keep = 3): string {
  const finalPath = join(directory, checkpointDirectoryName(checkpoint.epoch));
  // Unique per call (pid, counter, random), so two writers, even of one epoch
  // in one process, never write into each other's files.
  const temporaryPath = join(
    directory,
    `.tmp-${checkpointDirectoryName(checkpoint.epoch)}-${process.pid}-${++temporaries}-${randomBytes(4).toString('hex')}`,
  );
  let created = false;
  try {
    mkdirSync(directory, { recursive: true });
    // Not recursive: an existing folder of that name is an error, never shared.
    mkdirSync(temporaryPath);
    created = true;
    const arrays: Float32Array[] = [];
    let offset = 0;
    const reference = (array: SavedArray): ArrayRef => {
      arrays.push(array.values);
      const ref = { name: array.name, shape: array.shape, offset, length: array.values.length };
      offset += array.values.length;
      return ref;
    };
    const manifest = {
      format: FORMAT,
      epoch: checkpoint.epoch,
      phase: checkpoint.phase,
      seed: checkpoint.seed,
      fingerprint: checkpoint.fingerprint,
      history: checkpoint.history,
      backbone: checkpoint.backbone.map(reference),
      attention: checkpoint.attention.map(reference),
      frozenMap: checkpoint.frozenMap ? reference(checkpoint.frozenMap) : null,
      initialMap: checkpoint.initialMap ? reference(checkpoint.initialMap) : null,
      mapGradient: checkpoint.mapGradient ? reference(checkpoint.mapGradient) : null,
      optimizer: {
        step: checkpoint.optimizer.step,
        moments: checkpoint.optimizer.moments.map((moment) => ({
          first: reference({ name: moment.name, shape: moment.shape, values: moment.first }),
          second: reference({ name: moment.name, shape: moment.shape, values: moment.second }),
        })),
      },
    };
    writeDurably(join(temporaryPath, 'tensors.bin'), arrays);
    writeDurably(join(temporaryPath, 'checkpoint.json'), [Buffer.from(JSON.stringify(manifest))]);
    rmSync(finalPath, { recursive: true, force: true });
    renameSync(temporaryPath, finalPath);
  } catch (error) {
    try {
      if (created) rmSync(temporaryPath, { recursive: true, force: true });
    } catch {
      // Nothing was created there.
    }
    const code = (error as NodeJS.ErrnoException).code;
    const hint = code === 'ENOSPC' ? ' The disk is full: free space or point --out elsewhere.' : '';
    throw new Error(
      `Could not write the checkpoint for epoch ${checkpoint.epoch} to ${directory}: ${(error as Error).message}.${hint} Earlier checkpoints are intact.`,
      { cause: error },
    );
  }
  pruneCheckpoints(directory, keep);
  return finalPath;
}

/**
 * Streams the chunks into a new file and fsyncs it, so the rename of its
 * folder never publishes unflushed data. Not write-file-atomic: the whole
 * folder is the atomic unit here, and chunks spare one big copy of the tensors.
 */
function writeDurably(path: string, chunks: ArrayBufferView[]): void {
  const descriptor = openSync(path, 'wx');
  try {
    for (const chunk of chunks) {
      const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      // writeSync may write less than asked (large chunks): go on until all is out.
      for (let written = 0; written < bytes.byteLength;) {
        written += writeSync(descriptor, bytes, written);
      }
    }
    fsyncSync(descriptor);
  } finally {
    closeSync(descriptor);
  }
}

/** The checkpoint directories in `directory`, newest first. */
export function listCheckpoints(directory: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(directory);
  } catch {
    return [];
  }
  return entries
    .filter((entry) => DIRECTORY_PATTERN.test(entry))
    .sort((a, b) => Number(DIRECTORY_PATTERN.exec(b)![1]) - Number(DIRECTORY_PATTERN.exec(a)![1]))
    .map((entry) => join(directory, entry));
}

function pruneCheckpoints(directory: string, keep: number): void {
  for (const stale of listCheckpoints(directory).slice(Math.max(1, keep))) {
    rmSync(stale, { recursive: true, force: true });
  }
}

export function readCheckpoint(path: string): Checkpoint {
  const manifest = JSON.parse(readFileSync(join(path, 'checkpoint.json'), 'utf8')) as {
    format: string;
    epoch: number;
    phase: 1 | 2;
    seed: number;
    fingerprint: string;
    history: EpochMetrics[];
    backbone: ArrayRef[];
    attention: ArrayRef[];
    frozenMap: ArrayRef | null;
    /** Missing in checkpoints written before the initial map was kept. */
    initialMap?: ArrayRef | null;
    /** Missing in checkpoints written before the boundary term. */
    mapGradient?: ArrayRef | null;
    optimizer: { step: number; moments: { first: ArrayRef; second: ArrayRef }[] };
  };
  if (manifest.format === 'gsa-checkpoint-1') {
    throw new Error(
      `${path} was written by an earlier gsa (checkpoint format 1, another epoch order) and cannot be resumed exactly; start the run again without --resume.`,
    );
  }
  if (manifest.format !== FORMAT) {
    throw new Error(`${path} is not a gsa checkpoint (format '${manifest.format}').`);
  }
  const bytes = readFileSync(join(path, 'tensors.bin'));
  const all = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  const array = (ref: ArrayRef): SavedArray => {
    if (ref.offset + ref.length > all.length) {
      throw new Error(
        `${path}/tensors.bin is truncated (needs ${ref.offset + ref.length} values, has ${all.length}).`,
      );
    }
    return {
      name: ref.name,
      shape: ref.shape,
      values: all.slice(ref.offset, ref.offset + ref.length),
    };
  };
  return {
    epoch: manifest.epoch,
    phase: manifest.phase,
    seed: manifest.seed,
    fingerprint: manifest.fingerprint,
    history: manifest.history,
    backbone: manifest.backbone.map(array),
    attention: manifest.attention.map(array),
    ...(manifest.frozenMap ? { frozenMap: array(manifest.frozenMap) } : {}),
    ...(manifest.initialMap ? { initialMap: array(manifest.initialMap) } : {}),
    ...(manifest.mapGradient ? { mapGradient: array(manifest.mapGradient) } : {}),
    optimizer: {
      step: manifest.optimizer.step,
      moments: manifest.optimizer.moments.map(({ first, second }) => ({
        name: first.name,
        shape: first.shape,
        first: array(first).values,
        second: array(second).values,
      })),
    },
  };
}

/**
 * The newest readable checkpoint in `directory`, or undefined when there is
 * none. An unreadable newest one (cut short outside gsa) is reported through
 * `warn` and the next older one is used.
 */
export function readLatestCheckpoint(
  directory: string,
  warn: (message: string) => void = () => {},
): Checkpoint | undefined {
  for (const path of listCheckpoints(directory)) {
    try {
      return readCheckpoint(path);
    } catch (error) {
      warn(`Skipping unreadable checkpoint ${path}: ${(error as Error).message}`);
    }
  }
  return undefined;
}

/**
 * The checkpoint store on the file system: one folder per epoch under
 * `directory` (epoch-0001, ...), each written atomically, the newest `keep`
 * kept; pass it as trainTwoPhase's `checkpoints.store`.
 */
export function fileCheckpointStore(directory: string): CheckpointStore {
  return {
    location: directory,
    write: (checkpoint, keep) => writeCheckpoint(directory, checkpoint, keep),
    readLatest: (warn) => readLatestCheckpoint(directory, warn),
  };
}
