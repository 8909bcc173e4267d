import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel, layers } from '@tensorflow/tfjs-layers';
import {
  FLAT_MAP_SPREAD,
  applySpatialMap,
  attentionPenalty,
  describeMapStatistics,
  mapStatistics,
  type MapStatistics,
  type PixelWeightMap,
} from '@gsa/attention';
import { epochOrder } from '@gsa/data';
import { PyTorchAdam, type ParameterGroup } from './adam.js';
// Checkpoints read and write files (node:fs): loaded only when a run asks for
// them, so that training itself also runs in a browser (@gsa/trainer/browser).
import type * as CheckpointFiles from './checkpoint.js';
import type { Checkpoint, SavedArray } from './checkpoint.js';
import {
  mapLearningRates,
  type MapLearningRateRule,
  type MapLearningRateRuleName,
} from './map-learning-rate.js';
import { batchNormLayers, settleBatchNormStatistics } from './settle-batch-norm.js';
import type { EpochMetrics, TrainingCallback, TrainingControl } from './types.js';

/**
 * The checkpoint module, imported only when a run asks for checkpoints. The
 * specifier is a variable so that bundlers leave the Node-only module (and its
 * node:fs) out of browser builds, as @gsa/backends does for its optional packages.
 */
async function loadCheckpointFiles(): Promise<typeof CheckpointFiles> {
  const specifier = './checkpoint.js';
  try {
    return (await import(/* @vite-ignore */ specifier)) as typeof CheckpointFiles;
  } catch (error) {
    throw new Error(
      'Checkpoints are files: they need Node (node:fs). In a browser, train without `checkpoints`.',
      { cause: error },
    );
  }
}

/** Images `[N, H, W, C]` and their class indices. */
export interface LabelledImages {
  images: tf.Tensor4D;
  labels: Int32Array | number[];
}

/** Which map goes in front of the backbone. */
export type AttentionSetup =
  | { mode: 'none' }
  | {
      mode: 'global';
      /** The pixel CNN, e.g. `new GlobalSpatialAttention({ channels: 32 })`. */
      layer: layers.Layer;
      /** `[1, H, W, D]`: the training images as channels, or a low-rank basis of them. */
      pixelRepresentation: tf.Tensor4D;
      /** Coefficient of `mean(|map|)` in the loss. */
      lambda: number;
      /**
       * The pixel CNN's learning rate: one number for all its weights (the
       * CLI's `--map-lr`), a rule's name or a rule (per weight). Default
       * `inputFanIn`: the first kernel, which sums 9 x D inputs that move
       * together, at the backbone's rate x min(1, 32 / D); the rest of the
       * pixel CNN at the backbone's rate (see the README's map study).
       */
      learningRate?: number | MapLearningRateRuleName | MapLearningRateRule;
      /**
       * Linear warm-up of the pixel CNN's rates over this many steps. Default:
       * a third of phase 1 (`mapWarmupSteps`), so that the backbone starts to
       * fit before the map commits to a region; 0 turns it off.
       */
      warmupSteps?: number;
    }
  | {
      mode: 'l1';
      /** The paper's L1 baseline, `new PixelWeightMap()`. */
      layer: PixelWeightMap;
      lambda: number;
      /** The map's own learning rate: at the backbone's it barely moves (see @gsa/attention). */
      learningRate?: number;
    };

export interface TwoPhaseOptions {
  /** Attended images -> logits. Trained in both phases. */
  backbone: LayersModel;
  numClasses: number;
  train: LabelledImages;
  /** Evaluated after every epoch (inference mode, never touching training state). */
  evaluation?: LabelledImages;
  attention: AttentionSetup;
  epochs: number;
  /** E: the last epoch of phase 1. After it the map is computed once and frozen. */
  cutoffEpoch: number;
  batchSize?: number;
  learningRate?: number;
  /** PyTorch Adam's L2 weight decay (added to the gradient), or AdamW's with `decoupledWeightDecay`. */
  weightDecay?: number;
  decoupledWeightDecay?: boolean;
  /** Fixes the epoch order (weights are seeded where they are made: the layers' own seeds). */
  seed?: number;
  callbacks?: TrainingCallback[];
  /** Where checkpoints go (every epoch, atomically); `resume` continues from the newest one. */
  checkpoints?: { directory: string; keep?: number; resume?: boolean };
  /** Stops after the current step; the last finished epoch's checkpoint is kept. */
  signal?: AbortSignal;
  /** Evaluation batch size; default the training batch size. */
  evaluationBatchSize?: number;
  /**
   * Before each evaluation and before returning, batch norm's moving
   * statistics are set to the average of the batch statistics over up to this
   * many training images, spread evenly over the set ("precise batch norm";
   * training itself is unaffected), so the returned backbone is ready to
   * evaluate or deploy. Fast, short runs otherwise evaluate with moving
   * averages that lag the weights, sometimes at chance level. 0 keeps the
   * moving averages, as PyTorch's `model.eval()` does. Default 1024; no cost
   * without batch norm.
   */
  preciseBatchNormImages?: number;
  log?: (message: string) => void;
}

/** A map `[H, W]` as plain values, row-major. */
export interface MapValues {
  height: number;
  width: number;
  values: Float32Array;
}

export interface TwoPhaseResult {
  history: EpochMetrics[];
  /** The final map `[H, W]` (the frozen one after phase 1), absent for vanilla runs. */
  map?: MapValues;
  /**
   * The map of the initial weights, computed before the first update: "before
   * learning" beside `map` (the paper's Fig. 4). Absent for vanilla runs, and
   * after resuming from a checkpoint written before checkpoints carried it.
   */
  initialMap?: MapValues;
  /** Why training ended early (a callback, the signal), if it did. */
  stopReason?: string;
  /** Seconds spent in each phase (this run only, not before a resume). */
  phaseSeconds: { phase1: number; phase2: number };
  /** Epochs run by this call (fewer than `epochs` after a resume or an early stop). */
  epochsRun: number;
}

/** Training produced a loss that is not a finite number. */
export class TrainingDivergedError extends Error {
  constructor(
    readonly epoch: number,
    readonly step: number,
    readonly loss: number,
    readonly lastCheckpoint: string | undefined,
  ) {
    super(
      `The loss became ${loss} at epoch ${epoch}, step ${step}. ` +
        (lastCheckpoint
          ? `The last good checkpoint is ${lastCheckpoint}. `
          : 'No checkpoint was written yet. ') +
        'Lower the learning rate or lambda, or check the inputs for NaN.',
    );
    this.name = 'TrainingDivergedError';
  }
}

/** A differentiable map for phase 1, and the variables that make it. */
interface MapSource {
  computeMap(): tf.Tensor4D;
  variables: tf.Variable[];
  layer: layers.Layer;
  lambda: number;
}

/**
 * The pixel CNN's default warm-up: a third of phase 1's steps. Without it a
 * map whose random start dims the true region can commit to that before the
 * backbone has learned anything the region holds, and never recover (seen in
 * 1 of 3 seeds at N = 400 in the map study).
 */
export function mapWarmupSteps(cutoffEpoch: number, stepsPerEpoch: number): number {
  return Math.round((cutoffEpoch * stepsPerEpoch) / 3);
}

/** The map's parameter groups: one per pixel-CNN weight (rules give each its own rate). */
function mapParameterGroups(
  attention: AttentionSetup,
  variables: tf.Variable[],
  learningRate: number,
  defaultWarmupSteps: number,
): ParameterGroup[] {
  if (attention.mode === 'none') return [];
  if (attention.mode === 'l1') {
    return [
      {
        variables,
        ...(attention.learningRate === undefined ? {} : { learningRate: attention.learningRate }),
      },
    ];
  }
  const rates = mapLearningRates(
    variables,
    { learningRate, pixelChannels: attention.pixelRepresentation.shape[3] },
    attention.learningRate,
  );
  // PyTorchAdam validates it (one check, one message).
  const warmupSteps = attention.warmupSteps ?? defaultWarmupSteps;
  return variables.map((variable, index) => ({
    variables: [variable],
    learningRate: rates[index]!,
    ...(warmupSteps > 0 ? { warmupSteps } : {}),
  }));
}

/**
 * The paper's Algorithm 1. Epochs 1..E train the map and the backbone together
 * on `mean CE(F(X * M(P)), y) + lambda * mean(|M(P)|)`; after epoch E the map
 * is computed once, frozen, and only the backbone trains (the pixel CNN never
 * runs again). With `mode: 'none'` it trains the backbone alone (vanilla).
 */
export async function trainTwoPhase(options: TwoPhaseOptions): Promise<TwoPhaseResult> {
  const settings = validate(options);
  const { backbone, attention, train, numClasses, epochs, cutoffEpoch, batchSize, seed } = settings;
  const log = options.log ?? (() => {});
  const callbacks = options.callbacks ?? [];
  const [count, height, width, channels] = train.images.shape;
  const labels = Int32Array.from(train.labels);
  const mapSource = createMapSource(attention, [height, width, channels]);
  const backboneVariables = backbone.trainableWeights.map((weight) => weight.read() as tf.Variable);
  const stepsPerEpoch = Math.ceil(count / batchSize);
  const positions = Array.from({ length: count }, (_, i) => i);
  const mapGroups = mapSource
    ? mapParameterGroups(
        attention,
        mapSource.variables,
        settings.learningRate,
        mapWarmupSteps(cutoffEpoch, stepsPerEpoch),
      )
    : [];
  const groups: ParameterGroup[] = [{ variables: backboneVariables }, ...mapGroups];
  const optimizer = new PyTorchAdam(groups, {
    learningRate: settings.learningRate,
    weightDecay: settings.weightDecay,
    decoupled: settings.decoupledWeightDecay,
  });
  const fingerprint = JSON.stringify({
    mode: attention.mode,
    epochs,
    cutoffEpoch,
    batchSize,
    seed,
    learningRate: settings.learningRate,
    weightDecay: settings.weightDecay,
    lambda: mapSource?.lambda ?? 0,
    mapLearningRates: mapGroups.map((group) => group.learningRate ?? settings.learningRate),
    mapWarmupSteps: Math.max(0, ...mapGroups.map((group) => group.warmupSteps ?? 0)),
    images: train.images.shape,
    numClasses,
    parameters: backbone.countParams(),
  });

  let history: EpochMetrics[] = [];
  let frozenMap: tf.Tensor4D | undefined;
  let frozenSummary: MapStatistics | undefined;
  // The map after the last finished epoch [H*W], for callbacks (control.map()).
  let latestMap: Float32Array | undefined;
  let initialMap: MapValues | undefined;
  let firstEpoch = 1;
  let lastCheckpoint: string | undefined;
  const checkpointDirectory = options.checkpoints?.directory;
  const checkpointFiles = checkpointDirectory ? await loadCheckpointFiles() : undefined;
  if (checkpointDirectory && checkpointFiles && options.checkpoints?.resume) {
    const saved = checkpointFiles.readLatestCheckpoint(checkpointDirectory, log);
    if (saved) {
      if (saved.fingerprint !== fingerprint) {
        throw new Error(
          `The checkpoint in ${checkpointDirectory} was made by a run with other settings:\n  saved: ${saved.fingerprint}\n  now:   ${fingerprint}\n` +
            'Resume with the same settings, or start a new run directory.',
        );
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
      history = saved.history;
      if (saved.initialMap && mapSource) {
        initialMap = { height, width, values: saved.initialMap.values };
      }
      if (saved.frozenMap) {
        frozenMap = tf.tensor4d(saved.frozenMap.values, [1, height, width, 1]);
        if (mapSource) mapSource.layer.trainable = false;
      }
      firstEpoch = saved.epoch + 1;
      log(`Resuming after epoch ${saved.epoch} (phase ${saved.phase}).`);
    }
  }
  if (mapSource && firstEpoch === 1) {
    // The map before any update: one forward of the pixel CNN, read and freed at once.
    const map = tf.tidy(() => mapSource.computeMap());
    try {
      initialMap = { height, width, values: (await map.data()) as Float32Array };
    } finally {
      map.dispose();
    }
  }

  const oneHot = tf.tidy(() =>
    tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), numClasses), 'float32'),
  );
  const phaseSeconds = { phase1: 0, phase2: 0 };
  let stopReason: string | undefined;
  const control: TrainingControl = {
    stop: (reason: string) => void (stopReason ??= reason),
    map: () => (latestMap ? { height, width, values: latestMap.slice() } : undefined),
  };
  let statisticsSettled = false;
  /** Precise batch norm for the current weights (once per weight state). */
  const settle = async (map: tf.Tensor4D | undefined): Promise<void> => {
    if (statisticsSettled || settings.preciseBatchNormImages === 0) return;
    await settleStatistics(
      backbone,
      options.train.images,
      map,
      settings.preciseBatchNormImages,
      settings.batchSize,
    );
    statisticsSettled = true;
  };
  const onAbort = () => control.stop('interrupted');
  options.signal?.addEventListener('abort', onAbort);
  if (options.signal?.aborted) control.stop('interrupted');
  let epochsRun = 0;

  try {
    for (const callback of callbacks) {
      await callback.onTrainBegin?.({
        mode: attention.mode,
        epochs,
        cutoffEpoch,
        stepsPerEpoch,
        firstEpoch,
        trainingImages: count,
        history: [...history],
      });
    }
    for (let epoch = firstEpoch; epoch <= epochs && stopReason === undefined; epoch++) {
      const phase: 1 | 2 = mapSource && epoch <= cutoffEpoch ? 1 : 2;
      if (phase === 2 && mapSource && !frozenMap) {
        // Algorithm 1: after E the map is a constant. Compute it once, freeze the pixel CNN.
        frozenMap = tf.tidy(() => mapSource.computeMap());
        mapSource.layer.trainable = false;
        log(`Epoch ${epoch}: the map is frozen; only the backbone trains from now on.`);
      }
      const started = performance.now();
      statisticsSettled = false; // this epoch's steps move the weights
      // @gsa/data's seeded epoch order: a resumed run replays it from (seed, epoch) alone.
      const order = Int32Array.from(epochOrder(positions, { seed, epoch }));
      const trainable = phase === 1 ? optimizer.variables : backboneVariables;
      let lossSum = 0;
      let crossEntropySum = 0;
      let correct = 0;
      for (let step = 0; step < stepsPerEpoch; step++) {
        if (stopReason !== undefined) break;
        const indices = order.subarray(step * batchSize, Math.min(count, (step + 1) * batchSize));
        const batch = tf.tidy(() => {
          const index = tf.tensor1d(indices, 'int32');
          return {
            images: tf.gather(train.images, index) as tf.Tensor4D,
            targets: tf.gather(oneHot, index) as tf.Tensor2D,
          };
        });
        let crossEntropy: tf.Scalar | undefined;
        let hits: tf.Scalar | undefined;
        const loss = optimizer.minimize(() => {
          const map = phase === 1 ? mapSource!.computeMap() : frozenMap;
          const attended = map ? applySpatialMap(batch.images, map) : batch.images;
          const logits = backbone.apply(attended, { training: true }) as tf.Tensor2D;
          const ce = tf.losses.softmaxCrossEntropy(batch.targets, logits) as tf.Scalar;
          crossEntropy = tf.keep(tf.clone(ce));
          hits = tf.keep(
            tf.sum(
              tf.cast(tf.equal(tf.argMax(logits, 1), tf.argMax(batch.targets, 1)), 'float32'),
            ) as tf.Scalar,
          );
          return phase === 1
            ? (tf.add(ce, attentionPenalty(map!, mapSource!.lambda)) as tf.Scalar)
            : ce;
        }, trainable);
        const [lossValue, crossEntropyValue, hitCount] = await Promise.all([
          loss.data(),
          crossEntropy!.data(),
          hits!.data(),
        ]);
        tf.dispose([loss, crossEntropy!, hits!, batch.images, batch.targets]);
        if (!Number.isFinite(lossValue[0]!)) {
          throw new TrainingDivergedError(epoch, step + 1, lossValue[0]!, lastCheckpoint);
        }
        lossSum += lossValue[0]! * indices.length;
        crossEntropySum += crossEntropyValue[0]! * indices.length;
        correct += hitCount[0]!;
        for (const callback of callbacks) {
          await callback.onStepEnd?.({
            epoch,
            phase,
            step: step + 1,
            steps: stepsPerEpoch,
            loss: lossValue[0]!,
          });
        }
      }
      if (stopReason !== undefined && stopReason === 'interrupted') break; // mid-epoch: keep the last full epoch's checkpoint
      const mapForEpoch =
        frozenMap ?? (mapSource ? tf.tidy(() => mapSource.computeMap()) : undefined);
      if (options.evaluation) await settle(mapForEpoch);
      const evaluation = options.evaluation
        ? await evaluate(
            backbone,
            options.evaluation,
            mapForEpoch,
            numClasses,
            settings.evaluationBatchSize,
          )
        : undefined;
      // The frozen map is a constant: read and summarised once, not every phase-2 epoch.
      let mapValues: Float32Array | undefined;
      let mapSummary: MapStatistics | undefined = frozenSummary;
      if (mapForEpoch && !mapSummary) {
        mapValues = (await mapForEpoch.data()) as Float32Array;
        mapSummary = mapStatistics(mapValues);
        if (mapForEpoch === frozenMap) frozenSummary = mapSummary;
        latestMap = mapValues;
      }
      if (mapForEpoch && mapForEpoch !== frozenMap) mapForEpoch.dispose();
      if (mapValues && mapSummary && phase === 1 && epoch === cutoffEpoch) {
        // A flat map, or one still at its random start (which can have some spread of its own).
        const moved = initialMap ? largestChange(initialMap.values, mapValues) : undefined;
        const problem =
          mapSummary.spread < FLAT_MAP_SPREAD
            ? `undecided (${describeMapStatistics(mapSummary)}): it barely changes the images the backbone sees`
            : moved !== undefined && moved < UNMOVED_MAP_CHANGE
              ? `hardly moved from its initial values (largest change ${moved.toFixed(3)}; ${describeMapStatistics(mapSummary)}): it is still the random map it started as`
              : undefined;
        if (problem) {
          log(
            `Warning: the map ends phase 1 ${problem}. Try a larger map learning rate ` +
              '(attention.learningRate; --map-lr in gsa train), more phase-1 epochs ' +
              '(cutoffEpoch; --cutoff) or a smaller lambda.',
          );
        }
      }
      const seconds = (performance.now() - started) / 1000;
      phaseSeconds[phase === 1 ? 'phase1' : 'phase2'] += seconds;
      const metrics: EpochMetrics = {
        epoch,
        phase,
        trainLoss: lossSum / count,
        trainCrossEntropy: crossEntropySum / count,
        trainAccuracy: correct / count,
        ...(mapSummary
          ? {
              mapMean: mapSummary.mean,
              mapDecision: {
                spread: mapSummary.spread,
                fractionBelow: mapSummary.fractionBelow,
                fractionAbove: mapSummary.fractionAbove,
              },
            }
          : {}),
        ...(evaluation ? { evaluation } : {}),
        seconds,
      };
      history.push(metrics);
      epochsRun += 1;
      if (checkpointDirectory && checkpointFiles) {
        lastCheckpoint = checkpointFiles.writeCheckpoint(
          checkpointDirectory,
          await snapshot(epoch, epoch < cutoffEpoch && mapSource ? 1 : 2),
          options.checkpoints?.keep ?? 3,
        );
      }
      for (const callback of callbacks) await callback.onEpochEnd?.(metrics, control);
    }
    for (const callback of callbacks) await callback.onTrainEnd?.(history, stopReason);
    const finalMap = frozenMap ?? (mapSource ? tf.tidy(() => mapSource.computeMap()) : undefined);
    // The returned backbone is ready to evaluate or deploy: settled for its final weights.
    await settle(finalMap);
    const map = finalMap
      ? { height, width, values: (await finalMap.data()) as Float32Array }
      : undefined;
    if (finalMap && finalMap !== frozenMap) finalMap.dispose();
    return {
      history,
      ...(map ? { map } : {}),
      ...(initialMap ? { initialMap } : {}),
      ...(stopReason ? { stopReason } : {}),
      phaseSeconds,
      epochsRun,
    };
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    optimizer.dispose();
    oneHot.dispose();
    frozenMap?.dispose();
  }

  async function snapshot(epoch: number, nextPhase: 1 | 2): Promise<Checkpoint> {
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
      history,
      backbone: await read(backbone.weights.map((weight) => weight.read() as tf.Variable)),
      attention: mapSource
        ? await read(mapSource.layer.weights.map((weight) => weight.read() as tf.Variable))
        : [],
      optimizer: await optimizer.getState(),
      ...(initialMap
        ? {
            initialMap: {
              name: 'initial-map',
              shape: [1, height, width, 1],
              values: initialMap.values,
            },
          }
        : {}),
      ...(frozenMap
        ? {
            frozenMap: {
              name: 'frozen-map',
              shape: frozenMap.shape,
              values: (await frozenMap.data()) as Float32Array,
            },
          }
        : {}),
    };
  }
}

/** Below this largest per-pixel change over phase 1 the map is still its random start. */
const UNMOVED_MAP_CHANGE = 0.05;

function largestChange(before: Float32Array, after: Float32Array): number {
  let largest = 0;
  for (let i = 0; i < after.length; i++) {
    largest = Math.max(largest, Math.abs(after[i]! - before[i]!));
  }
  return largest;
}

function createMapSource(
  attention: AttentionSetup,
  [height, width, channels]: number[],
): MapSource | undefined {
  if (attention.mode === 'none') return undefined;
  if (attention.mode === 'global') {
    const { layer, pixelRepresentation, lambda } = attention;
    const [, mapHeight, mapWidth] = pixelRepresentation.shape;
    if (mapHeight !== height || mapWidth !== width) {
      throw new RangeError(
        `The pixel representation is ${mapHeight}x${mapWidth} but the images are ${height}x${width}; build it from the same preprocessed training images.`,
      );
    }
    if (!layer.built) tf.dispose(layer.apply(pixelRepresentation) as tf.Tensor);
    return {
      layer,
      lambda,
      variables: layer.trainableWeights.map((weight) => weight.read() as tf.Variable),
      computeMap: () => layer.apply(pixelRepresentation) as tf.Tensor4D,
    };
  }
  const { layer, lambda } = attention;
  // Built by a first call (not build()), so that tfjs counts it as used and can dispose it.
  if (!layer.built)
    tf.tidy(() => layer.apply(tf.zeros([1, height!, width!, channels!])) as tf.Tensor);
  return {
    layer,
    lambda,
    variables: layer.trainableWeights.map((weight) => weight.read() as tf.Variable),
    computeMap: () => layer.computeMap(),
  };
}

/** Precise batch norm on up to `limit` training images, evenly spaced through the set. */
async function settleStatistics(
  backbone: LayersModel,
  images: tf.Tensor4D,
  map: tf.Tensor4D | undefined,
  limit: number,
  batchSize: number,
): Promise<void> {
  if (batchNormLayers(backbone).length === 0) return;
  const count = images.shape[0];
  const subset =
    count <= limit
      ? images
      : tf.tidy(() =>
          tf.gather(
            images,
            tf.tensor1d(
              Int32Array.from({ length: limit }, (_, i) => Math.floor((i * count) / limit)),
              'int32',
            ),
          ),
        );
  try {
    await settleBatchNormStatistics(backbone, subset, map, { batchSize });
  } finally {
    if (subset !== images) subset.dispose();
  }
}

async function evaluate(
  backbone: LayersModel,
  data: LabelledImages,
  map: tf.Tensor4D | undefined,
  numClasses: number,
  batchSize: number,
): Promise<{ loss: number; accuracy: number }> {
  const count = data.images.shape[0];
  const labels = Int32Array.from(data.labels);
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < count; start += batchSize) {
    const end = Math.min(count, start + batchSize);
    const [loss, hits] = tf.tidy(() => {
      const images = tf.slice(data.images, [start, 0, 0, 0], [end - start, -1, -1, -1]);
      const attended = map ? applySpatialMap(images, map) : images;
      const logits = backbone.apply(attended, { training: false }) as tf.Tensor2D;
      const targets = tf.oneHot(tf.tensor1d(labels.subarray(start, end), 'int32'), numClasses);
      const ce = tf.losses.softmaxCrossEntropy(
        targets,
        logits,
        undefined,
        undefined,
        tf.Reduction.SUM,
      );
      const matches = tf.sum(
        tf.cast(
          tf.equal(tf.argMax(logits, 1), tf.tensor1d(labels.subarray(start, end), 'int32')),
          'float32',
        ),
      );
      return [ce, matches];
    });
    lossSum += (await loss.data())[0]!;
    correct += (await hits.data())[0]!;
    tf.dispose([loss, hits]);
  }
  return { loss: lossSum / count, accuracy: correct / count };
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

interface ValidatedOptions extends TwoPhaseOptions {
  batchSize: number;
  learningRate: number;
  weightDecay: number;
  decoupledWeightDecay: boolean;
  seed: number;
  evaluationBatchSize: number;
  preciseBatchNormImages: number;
}

function validate(options: TwoPhaseOptions): ValidatedOptions {
  const { train, epochs, cutoffEpoch, numClasses, attention } = options;
  const batchSize = options.batchSize ?? 32;
  const positiveInteger = (value: number, name: string) => {
    if (!Number.isInteger(value) || value < 1)
      throw new RangeError(`${name} must be a positive integer, got ${value}.`);
  };
  positiveInteger(epochs, 'epochs');
  positiveInteger(batchSize, 'batchSize');
  positiveInteger(numClasses, 'numClasses');
  const precise = options.preciseBatchNormImages;
  if (precise !== undefined && !(Number.isInteger(precise) && precise >= 0))
    throw new RangeError(`preciseBatchNormImages must be a whole number >= 0, got ${precise}.`);
  if (!Number.isInteger(cutoffEpoch) || cutoffEpoch < 0 || cutoffEpoch > epochs) {
    throw new RangeError(
      `cutoffEpoch must be an integer from 0 to epochs (${epochs}), got ${cutoffEpoch}.`,
    );
  }
  if (train.images.rank !== 4)
    throw new RangeError(`Training images must be [N, H, W, C], got [${train.images.shape}].`);
  for (const [name, data] of [
    ['training', train],
    ['evaluation', options.evaluation],
  ] as const) {
    if (!data) continue;
    if (data.labels.length !== data.images.shape[0]) {
      throw new RangeError(
        `The ${name} set has ${data.images.shape[0]} images but ${data.labels.length} labels.`,
      );
    }
    const bad = Array.from(data.labels).findIndex(
      (label) => !Number.isInteger(label) || label < 0 || label >= numClasses,
    );
    if (bad >= 0) {
      throw new RangeError(
        `The ${name} label at index ${bad} is ${data.labels[bad]}, outside 0..${numClasses - 1}.`,
      );
    }
  }
  if (attention.mode !== 'none' && (!Number.isFinite(attention.lambda) || attention.lambda < 0)) {
    throw new RangeError(`lambda must be a non-negative number, got ${attention.lambda}.`);
  }
  return {
    ...options,
    batchSize,
    learningRate: options.learningRate ?? 1e-4,
    weightDecay: options.weightDecay ?? 0,
    decoupledWeightDecay: options.decoupledWeightDecay ?? false,
    seed: options.seed ?? 0,
    evaluationBatchSize: options.evaluationBatchSize ?? batchSize,
    preciseBatchNormImages: options.preciseBatchNormImages ?? 1024,
  };
}
