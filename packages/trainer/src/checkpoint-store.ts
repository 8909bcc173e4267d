// What a training state saves, and where it goes: the trainer asks an injected
// store (the Node store of @gsa/trainer/node writes a folder per epoch), so
// training itself never touches a file system.
import type { AdamState } from './adam.js';
import type { EpochMetrics } from './types.js';

/** A named float32 array: one variable's values. */
export interface SavedArray {
  name: string;
  shape: number[];
  values: Float32Array;
}

/** Everything a run needs to continue exactly where it stopped. */
export interface Checkpoint {
  /** Completed epochs. */
  epoch: number;
  /** The phase the next epoch runs in. */
  phase: 1 | 2;
  seed: number;
  backbone: SavedArray[];
  attention: SavedArray[];
  optimizer: AdamState;
  /** The frozen map of phase 2, so that resuming never runs the pixel CNN again. */
  frozenMap?: SavedArray;
  /** The map before the first update, kept for the "before learning" figure (absent in older checkpoints). */
  initialMap?: SavedArray;
  /** Phase 1's running mean of the cross-entropy's gradient on the map (the boundary term's). */
  mapGradient?: SavedArray;
  history: EpochMetrics[];
  /** The run's settings, checked on resume. */
  fingerprint: string;
}

/** Where checkpoints live: files in Node (`fileCheckpointStore`), anything else a caller provides. */
export interface CheckpointStore {
  /** Where the checkpoints are, for messages (a folder, a URL). */
  readonly location: string;
  /** Saves `checkpoint` whole (or not at all), keeps the newest `keep`; returns where it went. */
  write(checkpoint: Checkpoint, keep: number): string | Promise<string>;
  /** The newest readable checkpoint, or undefined; `warn` hears about unreadable ones skipped. */
  readLatest(
    warn: (message: string) => void,
  ): Checkpoint | undefined | Promise<Checkpoint | undefined>;
}
