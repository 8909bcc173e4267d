// A run's training state: what changes from epoch to epoch beyond the
// weights (the history, the frozen map, the maps for callbacks and figures),
// with the weights and the optimizer's moments saved to and restored from a
// Checkpoint.
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { MapStatistics } from '@gsa/attention';
import type { PyTorchAdam } from './adam.js';
import type { Checkpoint, SavedArray } from './checkpoint-store.js';
import type { MapSource } from './map-source.js';
import { CheckpointMismatchError, type MapValues } from './two-phase-options.js';
import type { EpochMetrics } from './types.js';

/** What a state saves beside itself: the model's parts and the run's identity. */
export interface TrainingParts {
  readonly backbone: LayersModel;
  readonly mapSource: MapSource | undefined;
  readonly optimizer: PyTorchAdam;
  readonly seed: number;
  /** The run's settings as one string, checked on resume. */
  readonly fingerprint: string;
  readonly height: number;
  readonly width: number;
}

export class TrainingState {
  history: EpochMetrics[] = [];
  /** The next epoch to run (1-based). */
  nextEpoch = 1;
  /** Phase 2's constant map, computed once at the end of phase 1. */
  frozenMap: tf.Tensor4D | undefined;
  /** Its summary, read once. */
  frozenSummary: MapStatistics | undefined;
  /** The map after the last finished epoch [H*W], for callbacks. */
  latestMap: Float32Array | undefined;
  /** The map of the initial weights, before the first update. */
  initialMap: MapValues | undefined;
  /**
   * The running mean of the cross-entropy's gradient with respect to the map
   * over phase 1's steps, [1, H, W, 1]: where the boundary term puts the
   * boundary. Checkpointed, so that a resumed run continues it exactly.
   */
  mapGradient: tf.Tensor4D | undefined;

  constructor(private readonly parts: TrainingParts) {}

  /** Phase 1 is over: the map becomes a constant and the pixel CNN stops training. */
  freezeMap(): void {
    const { mapSource } = this.parts;
    if (!mapSource || this.frozenMap) return;
    this.frozenMap = tf.tidy(() => mapSource.computeMap());
    mapSource.layer.trainable = false;
  }

  /** Folds one step's gradient on the map into the running mean (it takes the gradient over). */
  recordMapGradient(gradient: tf.Tensor4D, decay: number): void {
    const previous = this.mapGradient;
    if (!previous) {
      this.mapGradient = gradient;
      return;
    }
    this.mapGradient = tf.tidy(
      () => tf.add(tf.mul(previous, decay), tf.mul(gradient, 1 - decay)) as tf.Tensor4D,
    );
    tf.dispose([previous, gradient]);
  }

  /** Reads the map of the initial weights (one forward of the pixel CNN). */
  async recordInitialMap(): Promise<void> {
    const { mapSource, height, width } = this.parts;
    if (!mapSource) return;
    const map = tf.tidy(() => mapSource.computeMap());
    try {
      this.initialMap = { height, width, values: (await map.data()) as Float32Array };
    } finally {
      map.dispose();
    }
  }

  /** The state after `epoch` as a Checkpoint; `nextPhase` is the phase the next epoch runs in. */
  async toCheckpoint(epoch: number, nextPhase: 1 | 2): Promise<Checkpoint> {
    const { backbone, mapSource, optimizer, seed, fingerprint, height, width } = this.parts;
    const read = async (variables: tf.Variable[]): Promise<SavedArray[]> =>
      Promise.all(
        variables.map(async (variable) => ({
          name: variable.name,
          shape: variable.shape,
          values: (await variable.data()) as Float32Array,
        })),
      );
    return {
      epoch,
      phase: nextPhase,
      seed,
      fingerprint,
      history: this.history,
      backbone: await read(backbone.weights.map((weight) => weight.read() as tf.Variable)),
      attention: mapSource
        ? await read(mapSource.layer.weights.map((weight) => weight.read() as tf.Variable))
        : [],
      optimizer: await optimizer.getState(),
      ...(this.initialMap
        ? {
            initialMap: {
              name: 'initial-map',
              shape: [1, height, width, 1],
              values: this.initialMap.values,
            },
          }
        : {}),
      ...(this.mapGradient
        ? {
            mapGradient: {
              name: 'map-gradient',
              shape: this.mapGradient.shape,
              values: (await this.mapGradient.data()) as Float32Array,
            },
          }
        : {}),
      ...(this.frozenMap
        ? {
            frozenMap: {
              name: 'frozen-map',
              shape: this.frozenMap.shape,
              values: (await this.frozenMap.data()) as Float32Array,
            },
          }
        : {}),
    };
  }

  /**
   * Continues from `saved`: weights, the optimizer's moments, the history and
   * the maps; a checkpoint of other settings is refused, naming both.
   */
  restore(saved: Checkpoint, where: string): void {
    const { backbone, mapSource, optimizer, fingerprint, height, width } = this.parts;
    if (saved.fingerprint !== fingerprint) {
      throw new CheckpointMismatchError(where, saved.fingerprint, fingerprint);
    }
    restoreWeights(
      backbone.weights.map((weight) => weight.read() as tf.Variable),
      saved.backbone,
      'backbone',
    );
    if (mapSource) {
      restoreWeights(
        mapSource.layer.weights.map((weight) => weight.read() as tf.Variable),
        saved.attention,
        'attention',
      );
    }
    optimizer.setState(saved.optimizer);
    this.history = saved.history;
    if (saved.initialMap && mapSource) {
      this.initialMap = { height, width, values: saved.initialMap.values };
    }
    if (saved.mapGradient && mapSource) {
      this.mapGradient?.dispose();
      this.mapGradient = tf.tensor4d(saved.mapGradient.values, [1, height, width, 1]);
    }
    if (saved.frozenMap) {
      this.frozenMap = tf.tensor4d(saved.frozenMap.values, [1, height, width, 1]);
      if (mapSource) mapSource.layer.trainable = false;
    }
    this.nextEpoch = saved.epoch + 1;
  }

  dispose(): void {
    this.frozenMap?.dispose();
    this.frozenMap = undefined;
    this.mapGradient?.dispose();
    this.mapGradient = undefined;
  }
}

function restoreWeights(variables: tf.Variable[], saved: SavedArray[], part: string): void {
  if (saved.length !== variables.length) {
    throw new Error(
      `The checkpoint's ${part} has ${saved.length} weights, this model ${variables.length}.`,
    );
  }
  tf.tidy(() => {
    variables.forEach((variable, index) => {
      const values = saved[index]!;
      if (values.shape.join('x') !== variable.shape.join('x')) {
        throw new Error(
          `The checkpoint's ${part} weight ${index} ('${values.name}') is [${values.shape}], this model's ('${variable.name}') [${variable.shape}].`,
        );
      }
      variable.assign(tf.tensor(values.values, values.shape));
    });
  });
}
