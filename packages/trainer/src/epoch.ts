// One training step and one epoch of Algorithm 1.
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import {
  FLAT_MAP_SPREAD,
  applySpatialMap,
  attentionPenalty,
  boundaryPenalty,
  describeMapStatistics,
  entropyPenalty,
  mapStatistics,
  type MapStatistics,
} from '@gsa/attention';
import { epochOrder } from '@gsa/data';
import type { PyTorchAdam } from './adam.js';
import type { CallbackList } from './callback-list.js';
import { evaluate } from './evaluation.js';
import { MAP_GRADIENT_DECAY, decisionWeightAt, type MapSource } from './map-source.js';
import type { TrainingState } from './training-state.js';
import { TrainingDivergedError, type ValidatedOptions } from './two-phase-options.js';
import type { EpochMetrics } from './types.js';

/** What every step and epoch of a run works with. */
export interface EpochContext {
  readonly settings: ValidatedOptions;
  readonly backbone: LayersModel;
  readonly mapSource: MapSource | undefined;
  readonly optimizer: PyTorchAdam;
  /** The backbone's variables: all that trains in phase 2. */
  readonly backboneVariables: tf.Variable[];
  /** The training labels one-hot, [N, classes]. */
  readonly oneHot: tf.Tensor2D;
  /** 0..N-1, permuted each epoch. */
  readonly positions: readonly number[];
  readonly stepsPerEpoch: number;
  readonly state: TrainingState;
  readonly callbacks: CallbackList;
  readonly log: (message: string) => void;
  /** Why training is stopping (a callback, the signal), once it is. */
  stopReason(): string | undefined;
  /** Precise batch norm for the current weights, on up to `images` training images. */
  settle(map: tf.Tensor4D | undefined, images: number): Promise<void>;
  /** Where the last checkpoint went, for the divergence error. */
  lastCheckpoint(): string | undefined;
}

/** One step's loss, cross-entropy and correct predictions (batch means and count). */
export interface StepResult {
  loss: number;
  crossEntropy: number;
  correct: number;
}

/**
 * One Adam step on the images at `indices`: in phase 1 the map is computed
 * from the pixel CNN (and trains with the backbone, its L1 penalty in the
 * loss); in phase 2 it is the frozen constant.
 */
export async function trainStep(
  context: EpochContext,
  indices: Int32Array,
  phase: 1 | 2,
): Promise<StepResult> {
  const { backbone, mapSource, optimizer, oneHot, state } = context;
  const trainable = phase === 1 ? optimizer.variables : context.backboneVariables;
  const batch = tf.tidy(() => {
    const index = tf.tensor1d(indices, 'int32');
    return {
      images: tf.gather(context.settings.train.images, index) as tf.Tensor4D,
      targets: tf.gather(oneHot, index) as tf.Tensor2D,
    };
  });
  let crossEntropy: tf.Scalar | undefined;
  let hits: tf.Scalar | undefined;
  // Phase 1's decision terms, ramped in over its steps.
  const rampedWeight = (weight: number) =>
    phase === 1 ? decisionWeightAt(weight, optimizer.step + 1, phaseOneSteps(context)) : 0;
  const entropyWeight = rampedWeight(mapSource?.entropyWeight ?? 0);
  const boundaryWeight = rampedWeight(mapSource?.boundaryWeight ?? 0);
  // The boundary term reads the cross-entropy's gradient on the map: a tap on
  // the map's path into the backbone records it during the step's backward.
  const tap = phase === 1 && mapSource!.boundaryWeight > 0 ? new GradientTap() : undefined;
  const loss = optimizer.minimize(() => {
    const map = phase === 1 ? mapSource!.computeMap() : state.frozenMap;
    const attended = map ? applySpatialMap(batch.images, tap ? tap.wrap(map) : map) : batch.images;
    const logits = backbone.apply(attended, { training: true }) as tf.Tensor2D;
    const ce = tf.losses.softmaxCrossEntropy(batch.targets, logits) as tf.Scalar;
    crossEntropy = tf.keep(tf.clone(ce));
    hits = tf.keep(
      tf.sum(
        tf.cast(tf.equal(tf.argMax(logits, 1), tf.argMax(batch.targets, 1)), 'float32'),
      ) as tf.Scalar,
    );
    if (phase === 2) return ce;
    const { lambda } = mapSource!;
    let total = tf.add(ce, attentionPenalty(map!, lambda)) as tf.Scalar;
    if (entropyWeight > 0) total = tf.add(total, entropyPenalty(map!, entropyWeight)) as tf.Scalar;
    if (boundaryWeight > 0 && state.mapGradient) {
      total = tf.add(
        total,
        boundaryPenalty(map!, state.mapGradient, lambda, boundaryWeight),
      ) as tf.Scalar;
    }
    return total;
  }, trainable);
  if (tap) state.recordMapGradient(tap.take(), MAP_GRADIENT_DECAY);
  const [lossValue, crossEntropyValue, hitCount] = await Promise.all([
    loss.data(),
    crossEntropy!.data(),
    hits!.data(),
  ]);
  tf.dispose([loss, crossEntropy!, hits!, batch.images, batch.targets]);
  return { loss: lossValue[0]!, crossEntropy: crossEntropyValue[0]!, correct: hitCount[0]! };
}

function phaseOneSteps(context: EpochContext): number {
  return context.settings.cutoffEpoch * context.stepsPerEpoch;
}

/**
 * An identity on the map whose backward keeps the gradient that reaches it:
 * the cross-entropy's gradient with respect to the map, at no extra cost.
 */
class GradientTap {
  private gradient: tf.Tensor4D | undefined;

  wrap(map: tf.Tensor4D): tf.Tensor4D {
    const identity = tf.customGrad(((x: tf.Tensor) => ({
      value: tf.clone(x),
      gradFunc: (dy: tf.Tensor4D) => {
        this.gradient?.dispose();
        this.gradient = tf.keep(tf.clone(dy));
        return dy;
      },
    })) as never) as unknown as (x: tf.Tensor4D) => tf.Tensor4D;
    return identity(map);
  }

  /** The recorded gradient (the caller owns it). */
  take(): tf.Tensor4D {
    const gradient = this.gradient;
    this.gradient = undefined;
    if (!gradient) throw new Error('The map received no gradient from the backbone in this step.');
    return gradient;
  }
}

/**
 * Runs `epoch`: the seeded order, every step (stopping early when asked),
 * evaluation and the map's summary. Returns its metrics, or undefined when it
 * was interrupted mid-epoch (the last finished epoch's checkpoint stays).
 */
export async function runEpoch(
  context: EpochContext,
  epoch: number,
): Promise<EpochMetrics | undefined> {
  const { settings, mapSource, state, callbacks, stepsPerEpoch } = context;
  const { batchSize, seed, cutoffEpoch } = settings;
  const count = context.positions.length;
  const phase: 1 | 2 = mapSource && epoch <= cutoffEpoch ? 1 : 2;
  if (phase === 2 && mapSource && !state.frozenMap) {
    // Algorithm 1: after E the map is a constant. Compute it once, freeze the pixel CNN.
    state.freezeMap();
    context.log(`Epoch ${epoch}: the map is frozen; only the backbone trains from now on.`);
  }
  const started = performance.now();
  // @gsa/data's seeded epoch order: a resumed run replays it from (seed, epoch) alone.
  const order = Int32Array.from(epochOrder(context.positions, { seed, epoch }));
  let lossSum = 0;
  let crossEntropySum = 0;
  let correct = 0;
  for (let step = 0; step < stepsPerEpoch; step++) {
    if (context.stopReason() !== undefined) break;
    const indices = order.subarray(step * batchSize, Math.min(count, (step + 1) * batchSize));
    const result = await trainStep(context, indices, phase);
    if (!Number.isFinite(result.loss)) {
      throw new TrainingDivergedError(epoch, step + 1, result.loss, context.lastCheckpoint());
    }
    lossSum += result.loss * indices.length;
    crossEntropySum += result.crossEntropy * indices.length;
    correct += result.correct;
    await callbacks.stepEnd({
      epoch,
      phase,
      step: step + 1,
      steps: stepsPerEpoch,
      loss: result.loss,
    });
  }
  // Mid-epoch: keep the last full epoch's checkpoint.
  if (context.stopReason() === 'interrupted') return undefined;

  const mapForEpoch =
    state.frozenMap ?? (mapSource ? tf.tidy(() => mapSource.computeMap()) : undefined);
  if (settings.evaluation) {
    // The last epoch settles as the returned model is settled, so that its
    // evaluation is that model's accuracy (what `gsa train` reports).
    const images =
      epoch === settings.epochs
        ? settings.preciseBatchNormImages
        : evaluationSettleImages(settings, count);
    await context.settle(mapForEpoch, images);
  }
  const evaluation = settings.evaluation
    ? await evaluate(
        context.backbone,
        settings.evaluation,
        mapForEpoch,
        settings.numClasses,
        settings.evaluationBatchSize,
      )
    : undefined;
  const mapSummary = await summarizeMap(context, mapForEpoch, phase, epoch);
  if (mapForEpoch && mapForEpoch !== state.frozenMap) mapForEpoch.dispose();
  return {
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
    seconds: (performance.now() - started) / 1000,
  };
}

/**
 * How many training images settle batch norm before an epoch's evaluation: a
 * quarter of the set (at least one batch, at most preciseBatchNormImages),
 * spread evenly over it. A forward pass costs about a third of a training
 * step, so this keeps evaluation near a tenth of the epoch. The last epoch,
 * and the model trainTwoPhase returns, settle on up to preciseBatchNormImages.
 */
function evaluationSettleImages(settings: ValidatedOptions, count: number): number {
  const quarter = Math.max(settings.batchSize, Math.ceil(count / 4));
  return Math.min(settings.preciseBatchNormImages, quarter);
}

/** Below this largest per-pixel change over phase 1 the map is still its random start. */
const UNMOVED_MAP_CHANGE = 0.05;

/**
 * The map after the epoch, summarised (the frozen one once only), kept for
 * callbacks; at the end of phase 1 a flat or unmoved map is a warning.
 */
async function summarizeMap(
  context: EpochContext,
  map: tf.Tensor4D | undefined,
  phase: 1 | 2,
  epoch: number,
): Promise<MapStatistics | undefined> {
  const { state } = context;
  if (!map) return undefined;
  if (state.frozenSummary) return state.frozenSummary;
  const values = (await map.data()) as Float32Array;
  const summary = mapStatistics(values);
  if (map === state.frozenMap) state.frozenSummary = summary;
  state.latestMap = values;
  if (phase === 1 && epoch === context.settings.cutoffEpoch) {
    // A flat map, or one still at its random start (which can have some spread of its own).
    const moved = state.initialMap ? largestChange(state.initialMap.values, values) : undefined;
    const problem =
      summary.spread < FLAT_MAP_SPREAD
        ? `undecided (${describeMapStatistics(summary)}): it barely changes the images the backbone sees`
        : moved !== undefined && moved < UNMOVED_MAP_CHANGE
          ? `hardly moved from its initial values (largest change ${moved.toFixed(3)}; ${describeMapStatistics(summary)}): it is still the random map it started as`
          : undefined;
    if (problem) {
      context.log(
        `Warning: the map ends phase 1 ${problem}. Try a larger map learning rate ` +
          '(attention.learningRate; --map-learning-rate in gsa train), more phase-1 epochs ' +
          '(cutoffEpoch; --cutoff-epoch) or a smaller lambda.',
      );
    }
  }
  return summary;
}

function largestChange(before: Float32Array, after: Float32Array): number {
  let largest = 0;
  for (let i = 0; i < after.length; i++) {
    largest = Math.max(largest, Math.abs(after[i]! - before[i]!));
  }
  return largest;
}
