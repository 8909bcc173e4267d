import * as tf from '@tensorflow/tfjs-core';
import { PyTorchAdam, type ParameterGroup } from './adam.js';
import { CallbackList } from './callback-list.js';
import { runEpoch, type EpochContext } from './epoch.js';
import { settleStatistics } from './evaluation.js';
import { createMapSource, mapParameterGroups, mapWarmupSteps } from './map-source.js';
import { TrainingState } from './training-state.js';
import { validate, type TwoPhaseOptions, type TwoPhaseResult } from './two-phase-options.js';
import type { TrainingControl } from './types.js';

export {
  CheckpointMismatchError,
  TrainingDivergedError,
  type AttentionSetup,
  type LabelledImages,
  type MapValues,
  type TwoPhaseOptions,
  type TwoPhaseResult,
} from './two-phase-options.js';
export {
  DEFAULT_MAP_BOUNDARY_WEIGHT,
  DEFAULT_MAP_ENTROPY_WEIGHT,
  mapWarmupSteps,
} from './map-source.js';

/** The backbone's trainable weights, grouped by learning rate (layers named in `rates` get theirs). */
function backboneParameterGroups(
  backbone: TwoPhaseOptions['backbone'],
  rates: Readonly<Record<string, number>>,
): ParameterGroup[] {
  const rest: ParameterGroup = { variables: [] };
  const byRate = new Map<number, ParameterGroup>();
  const rateOf = new Map<tf.Variable, number>();
  for (const layer of backbone.layers) {
    const rate = rates[layer.name];
    if (rate === undefined) continue;
    for (const weight of layer.weights) rateOf.set(weight.read() as tf.Variable, rate);
  }
  // In the model's own order, so the optimiser's state lines up as before when no rate is given.
  for (const weight of backbone.trainableWeights) {
    const variable = weight.read() as tf.Variable;
    const rate = rateOf.get(variable);
    if (rate === undefined) rest.variables.push(variable);
    else {
      if (!byRate.has(rate)) byRate.set(rate, { variables: [], learningRate: rate });
      byRate.get(rate)!.variables.push(variable);
    }
  }
  return [rest, ...byRate.values()];
}

/**
 * The paper's Algorithm 1. Epochs 1..E train the map and the backbone together
 * on `mean CE(F(X * M(P)), y) + lambda * mean(|M(P)|)`; after epoch E the map
 * is computed once, frozen, and only the backbone trains (the pixel CNN never
 * runs again). With `mode: 'none'` it trains the backbone alone (vanilla).
 *
 * In parts, as Keras' trainer: the options are validated (two-phase-options),
 * the map's source and parameter groups built (map-source), the training
 * state restored from the injected checkpoint store (training-state), then
 * each epoch runs its steps, evaluation and map summary (epoch) between the
 * callbacks (callback-list).
 */
export async function trainTwoPhase(options: TwoPhaseOptions): Promise<TwoPhaseResult> {
  const settings = validate(options);
  const { backbone, attention, train, numClasses, epochs, cutoffEpoch, batchSize, seed } = settings;
  const log = options.log ?? (() => {});
  const callbacks = new CallbackList(options.callbacks);
  const [count, height, width, channels] = train.images.shape;
  const mapSource = createMapSource(attention, [height, width, channels]);
  const backboneVariables = backbone.trainableWeights.map((weight) => weight.read() as tf.Variable);
  const stepsPerEpoch = Math.ceil(count / batchSize);
  const mapGroups = mapSource
    ? mapParameterGroups(
        attention,
        mapSource.variables,
        settings.learningRate,
        mapWarmupSteps(cutoffEpoch, stepsPerEpoch),
      )
    : [];
  const groups: ParameterGroup[] = [
    ...backboneParameterGroups(backbone, settings.layerLearningRates ?? {}),
    ...mapGroups,
  ];
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
    // Absent when unused, so checkpoints of runs from before the option still resume.
    ...(settings.layerLearningRates && Object.keys(settings.layerLearningRates).length > 0
      ? { layerLearningRates: settings.layerLearningRates }
      : {}),
    weightDecay: settings.weightDecay,
    lambda: mapSource?.lambda ?? 0,
    // Absent when unused, so checkpoints of runs from before the option still resume.
    ...(mapSource?.entropyWeight ? { entropyWeight: mapSource.entropyWeight } : {}),
    ...(mapSource?.boundaryWeight ? { boundaryWeight: mapSource.boundaryWeight } : {}),
    mapLearningRates: mapGroups.map((group) => group.learningRate ?? settings.learningRate),
    mapWarmupSteps: Math.max(0, ...mapGroups.map((group) => group.warmupSteps ?? 0)),
    images: train.images.shape,
    numClasses,
    parameters: backbone.countParams(),
  });
  const state = new TrainingState({
    backbone,
    mapSource,
    optimizer,
    seed,
    fingerprint,
    height,
    width,
  });
  const store = options.checkpoints?.store;
  if (store && options.checkpoints?.resume) {
    const saved = await store.readLatest(log);
    if (saved) {
      state.restore(saved, store.location);
      log(`Resuming after epoch ${saved.epoch} (phase ${saved.phase}).`);
    }
  }
  if (mapSource && state.nextEpoch === 1) await state.recordInitialMap();

  const oneHot = tf.tidy(
    () =>
      tf.cast(
        tf.oneHot(tf.tensor1d(Int32Array.from(train.labels), 'int32'), numClasses),
        'float32',
      ) as tf.Tensor2D,
  );
  const phaseSeconds = { phase1: 0, phase2: 0 };
  let stopReason: string | undefined;
  let lastCheckpoint: string | undefined;
  const control: TrainingControl = {
    stop: (reason: string) => void (stopReason ??= reason),
    map: () => (state.latestMap ? { height, width, values: state.latestMap.slice() } : undefined),
  };
  // What the statistics were last settled for: the same weights (optimiser step)
  // and images give the same statistics, so the last epoch's settle serves the
  // returned model too.
  let settledFor: { step: number; images: number } | undefined;
  /** Precise batch norm for the current weights on up to `images` training images. */
  const settle = async (map: tf.Tensor4D | undefined, images: number): Promise<void> => {
    const used = Math.min(images, count);
    if (used === 0) return;
    if (settledFor?.step === optimizer.step && settledFor.images === used) return;
    await settleStatistics(backbone, train.images, map, used, settings.batchSize);
    settledFor = { step: optimizer.step, images: used };
  };
  const context: EpochContext = {
    settings,
    backbone,
    mapSource,
    optimizer,
    backboneVariables,
    oneHot,
    positions: Array.from({ length: count }, (_, i) => i),
    stepsPerEpoch,
    state,
    callbacks,
    log,
    stopReason: () => stopReason,
    settle,
    lastCheckpoint: () => lastCheckpoint,
  };
  const onAbort = () => control.stop('interrupted');
  options.signal?.addEventListener('abort', onAbort);
  if (options.signal?.aborted) control.stop('interrupted');
  let epochsRun = 0;

  try {
    await callbacks.trainBegin({
      mode: attention.mode,
      epochs,
      cutoffEpoch,
      stepsPerEpoch,
      firstEpoch: state.nextEpoch,
      trainingImages: count,
      history: [...state.history],
    });
    for (let epoch = state.nextEpoch; epoch <= epochs && stopReason === undefined; epoch++) {
      const metrics = await runEpoch(context, epoch);
      if (metrics === undefined) break;
      phaseSeconds[metrics.phase === 1 ? 'phase1' : 'phase2'] += metrics.seconds;
      state.history.push(metrics);
      state.nextEpoch = epoch + 1;
      epochsRun += 1;
      if (store) {
        lastCheckpoint = await store.write(
          await state.toCheckpoint(epoch, epoch < cutoffEpoch && mapSource ? 1 : 2),
          options.checkpoints?.keep ?? 3,
        );
      }
      await callbacks.epochEnd(metrics, control);
    }
    await callbacks.trainEnd(state.history, stopReason);
    const finalMap =
      state.frozenMap ?? (mapSource ? tf.tidy(() => mapSource.computeMap()) : undefined);
    // The returned backbone is ready to evaluate or deploy: settled for its final weights.
    await settle(finalMap, settings.preciseBatchNormImages);
    const map = finalMap
      ? { height, width, values: (await finalMap.data()) as Float32Array }
      : undefined;
    if (finalMap && finalMap !== state.frozenMap) finalMap.dispose();
    return {
      history: state.history,
      ...(map ? { map } : {}),
      ...(state.initialMap ? { initialMap: state.initialMap } : {}),
      ...(stopReason ? { stopReason } : {}),
      phaseSeconds,
      epochsRun,
    };
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    optimizer.dispose();
    oneHot.dispose();
    state.dispose();
  }
}
