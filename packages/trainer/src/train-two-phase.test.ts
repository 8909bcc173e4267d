import '@tensorflow/tfjs-layers';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GlobalSpatialAttention,
  applySpatialMap,
  attentionPenalty,
  boundaryPenalty,
  entropyPenalty,
  mapStatistics,
} from '@gsa/attention';
import { describeWithBackends } from '@gsa/backends/testing';
import { fileCheckpointStore } from './checkpoint.js';
import { settleBatchNormStatistics } from './settle-batch-norm.js';
import { decisionWeightAt } from './map-source.js';
import {
  DEFAULT_MAP_BOUNDARY_WEIGHT,
  DEFAULT_MAP_ENTROPY_WEIGHT,
  mapWarmupSteps,
  trainTwoPhase,
  TrainingDivergedError,
  type AttentionSetup,
  type LabelledImages,
} from './train-two-phase.js';
import {
  attentionSetup,
  globalAttentionSetup,
  tinyBackbone,
  tinyData,
} from './test-support.fixture.js';
import type { EpochMetrics } from './types.js';

/**
 * Trains the tiny setup with one step per epoch (batch 16 of 16 images), E = 2,
 * calling `onStep` with each step's loss until it returns true.
 */
async function firstStepsOf(
  backbone: tfl.LayersModel,
  data: LabelledImages,
  attention: AttentionSetup,
  onStep: (loss: number) => boolean,
): Promise<void> {
  const controller = new AbortController();
  await trainTwoPhase({
    backbone,
    numClasses: 2,
    train: data,
    attention,
    epochs: 3,
    cutoffEpoch: 2,
    batchSize: 16,
    learningRate: 0.01,
    seed: 1,
    signal: controller.signal,
    callbacks: [{ onStepEnd: (step) => void (onStep(step.loss) && controller.abort()) }],
  });
}

const values = (variables: { read(): tf.Tensor }[]) =>
  variables.map((v) => Array.from(v.read().dataSync()));

function disposeSetup(setup: AttentionSetup): void {
  if (setup.mode === 'global') setup.pixelRepresentation.dispose();
  if (setup.mode !== 'none') setup.layer.dispose();
}

describeWithBackends('trainTwoPhase', () => {
  it('runs phase 1 then phase 2: the pixel CNN trains, then never runs again, and the map stays fixed', async () => {
    const data = tinyData(24, 1);
    const setup = globalAttentionSetup(data, 3);
    const backbone = tinyBackbone(5);
    const layer = setup.layer;
    const calls: number[] = [];
    let epoch = 0;
    const original = layer.apply.bind(layer);
    layer.apply = ((...args: Parameters<typeof original>) => {
      calls.push(epoch);
      return original(...args);
    }) as typeof layer.apply;
    const snapshots: number[][][] = [];
    const maps: Float32Array[] = [];
    const result = await trainTwoPhase({
      backbone,
      numClasses: 2,
      train: data,
      attention: setup,
      epochs: 4,
      cutoffEpoch: 2,
      batchSize: 8,
      learningRate: 0.01,
      seed: 7,
      callbacks: [
        { onTrainBegin: () => void (epoch = 1) },
        {
          onEpochEnd: (metrics, control) => {
            snapshots.push(values(layer.weights));
            maps.push(control.map()!.values);
            epoch = metrics.epoch + 1;
          },
        },
      ],
    });
    expect(result.history.map((m) => m.phase)).toEqual([1, 1, 2, 2]);
    // The pixel CNN ran in epochs 1-2 (every step, plus the per-epoch map) and once
    // when the map was frozen at the start of epoch 3; never after that.
    expect(calls.filter((e) => e >= 3).length).toBe(1);
    expect(calls.filter((e) => e === 1).length).toBe(3 + 1);
    expect(snapshots[0]).not.toEqual(snapshots[1]); // phase 1 trains the map
    expect(snapshots[2]).toEqual(snapshots[1]); // phase 2 does not
    expect(snapshots[3]).toEqual(snapshots[1]);
    // control.map(): the map after each epoch; the frozen one from epoch 3 on, the final one last.
    expect(maps[0]).not.toEqual(maps[1]);
    expect(maps[2]).toEqual(maps[1]);
    expect(maps[3]).toEqual(result.map!.values);
    expect(result.map?.values.length).toBe(64);
    expect(Math.min(...result.map!.values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...result.map!.values)).toBeLessThanOrEqual(1);
    expect(result.phaseSeconds.phase1).toBeGreaterThan(0);
    backbone.dispose();
    disposeSetup(setup);
    tf.dispose(data.images);
  });

  it.each(['none', 'l1', 'global'] as const)(
    'leaks no tensors across 10 epochs, nor after the run (%s)',
    async (mode) => {
      const before = tf.memory().numTensors;
      const data = tinyData(16, 2);
      const evaluation = tinyData(8, 9);
      const setup = attentionSetup(mode, data, 3);
      const backbone = tinyBackbone(5, 1, 2, true);
      const counts: number[] = [];
      await trainTwoPhase({
        backbone,
        numClasses: 2,
        train: data,
        evaluation,
        attention: setup,
        epochs: 10,
        cutoffEpoch: 4,
        batchSize: 8,
        learningRate: 0.01,
        callbacks: [{ onEpochEnd: () => void counts.push(tf.memory().numTensors) }],
      });
      // Epoch 5 keeps one tensor: the frozen map.
      const steady = mode === 'none' ? counts : counts.slice(4);
      expect(new Set(steady).size).toBe(1);
      if (mode !== 'none') expect(new Set(counts.slice(0, 4)).size).toBe(1);
      backbone.dispose();
      disposeSetup(setup);
      tf.dispose([data.images, evaluation.images]);
      // The run's own state (the frozen map, the gradient mean on the map) is gone with it.
      expect(tf.memory().numTensors).toBe(before);
    },
  );

  it('learns, and evaluates on the given set after every epoch', async () => {
    const data = tinyData(32, 4);
    const evaluation = tinyData(16, 11);
    const backbone = tinyBackbone(5);
    const setup = attentionSetup('global', data, 3);
    const result = await trainTwoPhase({
      backbone,
      numClasses: 2,
      train: data,
      evaluation,
      attention: setup,
      epochs: 12,
      cutoffEpoch: 6,
      batchSize: 8,
      learningRate: 0.03,
      seed: 1,
    });
    const first = result.history[0]!;
    const last = result.history.at(-1)!;
    expect(last.trainCrossEntropy).toBeLessThan(first.trainCrossEntropy);
    expect(last.evaluation!.accuracy).toBeGreaterThanOrEqual(0.75);
    expect(result.history.every((m) => m.evaluation !== undefined)).toBe(true);
    backbone.dispose();
    disposeSetup(setup);
    tf.dispose([data.images, evaluation.images]);
  });
});

describe('trainTwoPhase on cpu', () => {
  beforeAll(async () => {
    const { useBackend } = await import('@gsa/backends');
    await useBackend('cpu');
  });

  async function run(seed: number): Promise<EpochMetrics[]> {
    const data = tinyData(16, 2);
    const setup = attentionSetup('global', data, 3);
    const backbone = tinyBackbone(5);
    const result = await trainTwoPhase({
      backbone,
      numClasses: 2,
      train: data,
      attention: setup,
      epochs: 3,
      cutoffEpoch: 2,
      batchSize: 4,
      learningRate: 0.01,
      seed,
    });
    backbone.dispose();
    disposeSetup(setup);
    data.images.dispose();
    return result.history.map((m) => ({ ...m, seconds: 0 }));
  }

  it("trains the pixel CNN's first kernel at the backbone rate x 32/D (D > 32), its other weights at the backbone's", async () => {
    // Adam's first step moves every weight with a gradient by exactly its learning rate.
    const firstStep = async (
      count: number,
      rate?: number | 'uniformFanIn',
    ): Promise<{ map: number[]; backbone: number }> => {
      const data = tinyData(count, 2);
      const setup = globalAttentionSetup(data, 3);
      const backbone = tinyBackbone(5);
      tf.tidy(() => void setup.layer.apply(setup.pixelRepresentation)); // builds its weights
      const before = [values(setup.layer.weights), values(backbone.trainableWeights)];
      await trainTwoPhase({
        backbone,
        numClasses: 2,
        train: data,
        attention: { ...setup, ...(rate === undefined ? {} : { learningRate: rate }) },
        epochs: 1,
        cutoffEpoch: 1,
        batchSize: count,
        learningRate: 0.01,
        seed: 1,
      });
      const largest = (a: number[], b: number[]) =>
        Math.max(...a.map((value, j) => Math.abs(value - b[j]!)));
      // Per pixel-CNN weight (conv1 kernel, conv1 bias, output kernel, output bias).
      const after = values(setup.layer.weights);
      const steps = {
        map: before[0]!.map((weight, i) => largest(weight, after[i]!)),
        backbone: Math.max(
          ...values(backbone.trainableWeights).map((weight, i) => largest(before[1]![i]!, weight)),
        ),
      };
      backbone.dispose();
      disposeSetup(setup);
      data.images.dispose();
      return steps;
    };
    const small = await firstStep(16); // D = 16: the backbone's rate everywhere
    for (const step of small.map) expect(step).toBeCloseTo(0.01, 6);
    expect(small.backbone).toBeCloseTo(0.01, 6);
    const large = await firstStep(128); // D = 128: the first kernel at 0.01 x 32/128
    expect(large.map[0]).toBeCloseTo(0.0025, 6);
    for (const step of large.map.slice(1)) expect(step).toBeCloseTo(0.01, 6);
    expect(large.backbone).toBeCloseTo(0.01, 6);
    // gsa's rule before the map study: every pixel-CNN weight at 0.01 x 32/D.
    const uniform = await firstStep(128, 'uniformFanIn');
    for (const step of uniform.map) expect(step).toBeCloseTo(0.0025, 6);
    const given = await firstStep(128, 0.004); // a number is every weight's rate
    for (const step of given.map) expect(step).toBeCloseTo(0.004, 6);
  });

  it('gives named layers their own rate (a head at 10x), and never moves frozen layers', async () => {
    // Adam's first step moves every weight with a gradient by exactly its learning rate.
    const data = tinyData(16, 2);
    const backbone = tinyBackbone(5);
    const [conv, , dense] = backbone.layers as [
      tfl.layers.Layer,
      tfl.layers.Layer,
      tfl.layers.Layer,
    ];
    const step = async (options: Partial<Parameters<typeof trainTwoPhase>[0]>) => {
      const before = [values(conv.weights), values(dense.weights)];
      await trainTwoPhase({
        backbone,
        numClasses: 2,
        train: data,
        attention: { mode: 'none' },
        epochs: 1,
        cutoffEpoch: 0,
        batchSize: 16,
        learningRate: 0.001,
        seed: 1,
        preciseBatchNormImages: 0,
        ...options,
      });
      const moved = (was: number[][], now: number[][]) =>
        Math.max(
          ...now.map((weight, i) => Math.max(...weight.map((v, j) => Math.abs(v - was[i]![j]!)))),
        );
      return {
        conv: moved(before[0]!, values(conv.weights)),
        dense: moved(before[1]!, values(dense.weights)),
      };
    };
    const rated = await step({ layerLearningRates: { [dense.name]: 0.01 } });
    expect(rated.conv).toBeCloseTo(0.001, 6);
    expect(rated.dense).toBeCloseTo(0.01, 6);
    conv.trainable = false;
    const frozen = await step({ layerLearningRates: { [dense.name]: 0.01 } });
    expect(frozen.conv).toBe(0);
    expect(frozen.dense).toBeCloseTo(0.01, 6);
    await expect(step({ layerLearningRates: { classifier: 0.01 } })).rejects.toThrow(
      /layerLearningRates names classifier, which the backbone .* does not have/,
    );
    backbone.dispose();
    data.images.dispose();
  });

  it("warms the pixel CNN's rates up over a third of phase 1 by default", async () => {
    expect(mapWarmupSteps(3, 4)).toBe(4);
    expect(mapWarmupSteps(6, 12)).toBe(24);
    expect(mapWarmupSteps(0, 12)).toBe(0);
    // One step of a run whose phase 1 is 3 epochs of 4 steps: the map moves by rate x 1/4.
    const firstStepMove = async (warmupSteps?: number) => {
      const data = tinyData(16, 2);
      const setup = globalAttentionSetup(data, 3);
      tf.tidy(() => void setup.layer.apply(setup.pixelRepresentation));
      const before = values(setup.layer.weights);
      const backbone = tinyBackbone(5);
      const controller = new AbortController();
      await trainTwoPhase({
        backbone,
        numClasses: 2,
        train: data,
        attention: { ...setup, ...(warmupSteps === undefined ? {} : { warmupSteps }) },
        epochs: 4,
        cutoffEpoch: 3,
        batchSize: 4,
        learningRate: 0.01,
        seed: 1,
        signal: controller.signal,
        callbacks: [{ onStepEnd: () => controller.abort() }],
      });
      const after = values(setup.layer.weights);
      const moved = Math.max(
        ...before.flatMap((weight, i) => weight.map((value, j) => Math.abs(value - after[i]![j]!))),
      );
      backbone.dispose();
      disposeSetup(setup);
      data.images.dispose();
      return moved;
    };
    expect(await firstStepMove()).toBeCloseTo(0.01 / 4, 6);
    expect(await firstStepMove(0)).toBeCloseTo(0.01, 6);
    await expect(firstStepMove(2.5)).rejects.toThrow(
      'warmupSteps must be a whole number >= 0, got 2.5',
    );
  });

  it("adds the decision term to phase 1's loss, ramped in quadratically; 0 trains the paper's loss", async () => {
    expect(DEFAULT_MAP_ENTROPY_WEIGHT).toBe(0.3);
    expect(decisionWeightAt(0.3, 0, 10)).toBe(0);
    expect(decisionWeightAt(0.3, 5, 10)).toBeCloseTo(0.075, 10);
    expect(decisionWeightAt(0.3, 10, 10)).toBeCloseTo(0.3, 10);
    expect(decisionWeightAt(0.3, 25, 10)).toBeCloseTo(0.3, 10);
    // The first step's loss, against its parts computed by hand from the initial
    // weights. One step per epoch and E = 2: the step is half of phase 1 (weight / 4).
    const firstStep = async (entropyWeight?: number) => {
      const data = tinyData(16, 2);
      const setup = globalAttentionSetup(data, 3);
      const backbone = tinyBackbone(5);
      const parts = tf.tidy(() => {
        const map = setup.layer.apply(setup.pixelRepresentation) as tf.Tensor4D;
        const logits = backbone.apply(applySpatialMap(data.images, map), {
          training: true,
        }) as tf.Tensor2D;
        const targets = tf.oneHot(tf.tensor1d(data.labels, 'int32'), 2);
        return [
          tf.losses.softmaxCrossEntropy(targets, logits),
          attentionPenalty(map, setup.lambda),
          entropyPenalty(map, 1),
        ].map((part) => part.dataSync()[0]!);
      });
      let loss = Number.NaN;
      await firstStepsOf(
        backbone,
        data,
        { ...setup, ...(entropyWeight === undefined ? {} : { entropyWeight }) },
        (stepLoss) => {
          loss = stepLoss;
          return true;
        },
      );
      backbone.dispose();
      disposeSetup(setup);
      data.images.dispose();
      return { loss, parts: parts as [number, number, number] };
    };
    const paper = await firstStep(0);
    const [crossEntropy, l1, entropy] = paper.parts;
    expect(entropy).toBeGreaterThan(0.1);
    expect(paper.loss).toBeCloseTo(crossEntropy + l1, 5);
    const decided = await firstStep();
    expect(decided.loss).toBeCloseTo(crossEntropy + l1 + (0.3 / 4) * entropy, 5);
    expect((await firstStep(1)).loss).toBeCloseTo(crossEntropy + l1 + entropy / 4, 5);
    await expect(firstStep(-1)).rejects.toThrow(
      "The map's entropy weight must be a non-negative number, got -1.",
    );
  });

  it("adds the boundary term from the second step, at the set the first step's cross-entropy gradient on the map asks for", async () => {
    expect(DEFAULT_MAP_BOUNDARY_WEIGHT).toBe(0.15);
    // One step per epoch, E = 2: step 2 ends phase 1 (full weight). The boundary
    // term needs a gradient, so step 1 is the same loss with or without it.
    const twoSteps = async (boundaryWeight: number) => {
      const data = tinyData(16, 2);
      const setup = globalAttentionSetup(data, 3);
      const backbone = tinyBackbone(5);
      const targets = tf.oneHot(tf.tensor1d(data.labels, 'int32'), 2);
      // The cross-entropy's gradient on the map at the initial weights, by hand.
      const gradient = tf.tidy(() =>
        tf.grad((map: tf.Tensor) =>
          tf.losses.softmaxCrossEntropy(
            targets,
            backbone.apply(applySpatialMap(data.images, map), { training: true }) as tf.Tensor2D,
          ),
        )(setup.layer.apply(setup.pixelRepresentation) as tf.Tensor4D),
      );
      const losses: number[] = [];
      let penalty = Number.NaN;
      await firstStepsOf(
        backbone,
        data,
        { ...setup, entropyWeight: 0, boundaryWeight },
        (stepLoss) => {
          losses.push(stepLoss);
          // After step 1: the map step 2 starts from, against step 1's gradient.
          if (losses.length === 1) {
            penalty = tf.tidy(
              () =>
                boundaryPenalty(
                  setup.layer.apply(setup.pixelRepresentation) as tf.Tensor4D,
                  gradient,
                  setup.lambda,
                  boundaryWeight,
                ).dataSync()[0]!,
            );
          }
          return losses.length === 2;
        },
      );
      tf.dispose([gradient, targets, data.images]);
      backbone.dispose();
      disposeSetup(setup);
      return { losses, penalty };
    };
    const without = await twoSteps(0);
    const withBoundary = await twoSteps(1);
    expect(withBoundary.losses[0]).toBeCloseTo(without.losses[0]!, 6);
    expect(withBoundary.penalty).toBeGreaterThan(0.1);
    expect(withBoundary.losses[1]! - without.losses[1]!).toBeCloseTo(withBoundary.penalty, 4);
    await expect(twoSteps(-1)).rejects.toThrow(
      "The map's boundary weight must be a non-negative number, got -1.",
    );
  });

  it.each(['global', 'l1'] as const)(
    'returns the map of the initial weights, computed before the first update (%s)',
    async (mode) => {
      const data = tinyData(16, 2);
      const setup = attentionSetup(mode, data, 3);
      if (setup.mode === 'none') throw new Error('unreachable');
      const backbone = tinyBackbone(5);
      // The map the untrained layer gives (built here; the L1 map starts at 1 everywhere).
      const expected = tf.tidy(() => {
        if (setup.mode === 'global') {
          return Array.from((setup.layer.apply(setup.pixelRepresentation) as tf.Tensor).dataSync());
        }
        setup.layer.apply(tf.zeros([1, 8, 8, 1]));
        return Array.from(setup.layer.computeMap().dataSync());
      });
      const result = await trainTwoPhase({
        backbone,
        numClasses: 2,
        train: data,
        attention: setup,
        epochs: 2,
        cutoffEpoch: 1,
        batchSize: 8,
        learningRate: 0.05,
        seed: 1,
      });
      expect([result.initialMap!.height, result.initialMap!.width]).toEqual([8, 8]);
      expect(Array.from(result.initialMap!.values)).toEqual(expected);
      if (mode === 'l1') expect(new Set(expected)).toEqual(new Set([1]));
      // Training moved the map away from it.
      const moved = Math.max(
        ...Array.from(result.map!.values, (value, i) => Math.abs(value - expected[i]!)),
      );
      expect(moved).toBeGreaterThan(1e-3);
      backbone.dispose();
      disposeSetup(setup);
      data.images.dispose();
    },
  );

  it('records how decided the map is every epoch, and warns when phase 1 ends with a flat map', async () => {
    const data = tinyData(16, 2);
    const backbone = tinyBackbone(5);
    // A 1x1 pixel CNN over a constant P computes the same value at every pixel: spread 0.
    const layer = new GlobalSpatialAttention({ channels: 4, kernelSize: 1, seed: 3 });
    const pixelRepresentation = tf.ones([1, 8, 8, 16]) as tf.Tensor4D;
    const messages: string[] = [];
    const result = await trainTwoPhase({
      backbone,
      numClasses: 2,
      train: data,
      attention: { mode: 'global', layer, pixelRepresentation, lambda: 0.01 },
      epochs: 2,
      cutoffEpoch: 1,
      batchSize: 8,
      learningRate: 0.01,
      seed: 1,
      log: (message) => messages.push(message),
    });
    const warnings = messages.filter((message) => message.includes('undecided'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^Warning: the map ends phase 1 undecided \(spread 0\.00, 0% of pixels < 0\.1, 0% > 0\.9, range (\d\.\d\d)-\1\).*--map-learning-rate/,
    );
    for (const epoch of result.history) {
      expect(epoch.mapDecision!.spread).toBeCloseTo(0, 6);
      expect(epoch.mapDecision!.fractionBelow).toBe(0);
      expect(epoch.mapDecision!.fractionAbove).toBe(0);
    }
    // The numbers are the returned map's own.
    const final = mapStatistics(result.map!.values);
    expect(result.history.at(-1)!.mapDecision).toEqual({
      spread: final.spread,
      fractionBelow: final.fractionBelow,
      fractionAbove: final.fractionAbove,
    });
    expect(result.history.at(-1)!.mapMean).toBeCloseTo(final.mean, 6);
    backbone.dispose();
    layer.dispose();
    tf.dispose([pixelRepresentation, data.images]);
  });

  it('warns when phase 1 ends with the map still at its random start', async () => {
    const data = tinyData(16, 2);
    const base = globalAttentionSetup(data, 3);
    // A P with large values: the random initial map already varies over the pixels.
    const setup = {
      ...base,
      pixelRepresentation: tf.mul(base.pixelRepresentation, 40) as tf.Tensor4D,
    };
    base.pixelRepresentation.dispose();
    const run = async (learningRate: number) => {
      const backbone = tinyBackbone(5);
      const messages: string[] = [];
      const layer = new GlobalSpatialAttention({ channels: 4, seed: 3 });
      const result = await trainTwoPhase({
        backbone,
        numClasses: 2,
        train: data,
        attention: { ...setup, layer, learningRate },
        epochs: 2,
        cutoffEpoch: 1,
        batchSize: 4,
        learningRate: 0.05,
        seed: 1,
        log: (message) => messages.push(message),
      });
      backbone.dispose();
      layer.dispose();
      const moved = Math.max(
        ...Array.from(result.map!.values, (value, i) =>
          Math.abs(value - result.initialMap!.values[i]!),
        ),
      );
      return { warnings: messages.filter((message) => message.startsWith('Warning')), moved };
    };
    const still = await run(1e-9);
    expect(still.moved).toBeLessThan(1e-4);
    expect(still.warnings).toHaveLength(1);
    expect(still.warnings[0]).toMatch(
      /^Warning: the map ends phase 1 hardly moved from its initial values \(largest change 0\.000; spread 0\.(\d\d)/,
    );
    // Its random start has a spread of its own, so the flat-map rule alone would not warn.
    expect(Number(/spread (\d\.\d\d)/.exec(still.warnings[0]!)![1])).toBeGreaterThanOrEqual(0.1);
    const moving = await run(0.05);
    expect(moving.moved).toBeGreaterThan(0.05);
    expect(moving.warnings.filter((message) => message.includes('hardly moved'))).toEqual([]);
    setup.pixelRepresentation.dispose(); // its own layer was never used
    data.images.dispose();
  });

  it('learns the same map whether grey images enter P as 1 channel or as 3 identical ones', async () => {
    // Layer B reads every image three times, its first kernel A's divided by 3:
    // the same map at the start. Under the default rule (rate in 1/D for the
    // first kernel, once D > 32) each copy moves a third as far, so the maps stay equal.
    const data = tinyData(40, 2);
    const grey = globalAttentionSetup(data, 3);
    const rgbPixels = tf.tidy(() => {
      const [, h, w, d] = grey.pixelRepresentation.shape;
      const tripled = tf.tile(
        tf.reshape(grey.pixelRepresentation, [1, h, w, d, 1]),
        [1, 1, 1, 1, 3],
      );
      return tf.reshape(tripled, [1, h, w, 3 * d]) as tf.Tensor4D;
    });
    const rgbLayer = new GlobalSpatialAttention({ channels: 4, seed: 99 });
    tf.tidy(() => {
      grey.layer.apply(grey.pixelRepresentation);
      rgbLayer.apply(rgbPixels);
      const [kernel, ...rest] = grey.layer.getWeights();
      const [kh, kw, d, k] = kernel!.shape;
      const tripledKernel = tf.reshape(
        tf.tile(tf.reshape(tf.div(kernel!, 3), [kh!, kw!, d!, 1, k!]), [1, 1, 1, 3, 1]),
        [kh!, kw!, 3 * d!, k!],
      );
      rgbLayer.setWeights([tripledKernel, ...rest]);
    });
    const train = async (setup: AttentionSetup) => {
      const backbone = tinyBackbone(5);
      const result = await trainTwoPhase({
        backbone,
        numClasses: 2,
        train: data,
        attention: setup,
        epochs: 3,
        cutoffEpoch: 3,
        batchSize: 8,
        learningRate: 0.01,
        seed: 1,
      });
      backbone.dispose();
      return result;
    };
    const greyRun = await train(grey);
    const rgbRun = await train({ ...grey, layer: rgbLayer, pixelRepresentation: rgbPixels });
    expect(greyRun.initialMap!.values).toEqual(expect.any(Float32Array));
    const largest = (a: Float32Array, b: Float32Array) =>
      Math.max(...Array.from(a, (value, i) => Math.abs(value - b[i]!)));
    expect(largest(greyRun.initialMap!.values, rgbRun.initialMap!.values)).toBeLessThan(1e-5);
    // The map moved, and moved alike.
    expect(largest(greyRun.map!.values, greyRun.initialMap!.values)).toBeGreaterThan(1e-2);
    expect(largest(greyRun.map!.values, rgbRun.map!.values)).toBeLessThan(1e-4);
    disposeSetup(grey);
    rgbLayer.dispose();
    tf.dispose([rgbPixels, data.images]);
  });

  it('has no initial map for a vanilla run', async () => {
    const data = tinyData(8, 2);
    const backbone = tinyBackbone(5);
    const result = await trainTwoPhase({
      backbone,
      numClasses: 2,
      train: data,
      attention: { mode: 'none' },
      epochs: 1,
      cutoffEpoch: 0,
      batchSize: 8,
    });
    expect(result.initialMap).toBeUndefined();
    backbone.dispose();
    data.images.dispose();
  });

  it('evaluates with precise batch norm: training is unchanged, evaluation uses settled statistics', async () => {
    const data = tinyData(24, 3);
    const evaluationSet = tinyData(12, 9);
    const train = async (preciseBatchNormImages: number) => {
      const backbone = tinyBackbone(5, 1, 2, true);
      // The weights, moving statistics included, as epoch 2 evaluated them.
      let secondEpoch: tf.Tensor[] = [];
      const result = await trainTwoPhase({
        backbone,
        numClasses: 2,
        train: data,
        evaluation: evaluationSet,
        attention: { mode: 'none' },
        epochs: 3,
        cutoffEpoch: 0,
        batchSize: 8,
        learningRate: 0.05,
        seed: 2,
        preciseBatchNormImages,
        callbacks: [
          {
            onEpochEnd: (metrics) => {
              if (metrics.epoch === 2) secondEpoch = backbone.getWeights().map((w) => w.clone());
            },
          },
        ],
      });
      return { backbone, history: result.history, secondEpoch };
    };
    const lagging = await train(0);
    const precise = await train(1024);
    // Only the moving statistics differ: every training loss is identical.
    expect(precise.history.map((epoch) => epoch.trainLoss)).toEqual(
      lagging.history.map((epoch) => epoch.trainLoss),
    );
    expect(precise.history.at(-1)!.evaluation!.loss).not.toBeCloseTo(
      lagging.history.at(-1)!.evaluation!.loss,
      6,
    );
    const loss = (model: tfl.LayersModel) =>
      tf.tidy(
        () =>
          tf.losses
            .softmaxCrossEntropy(
              tf.oneHot(tf.tensor1d(evaluationSet.labels as number[], 'int32'), 2),
              model.predict(evaluationSet.images) as tf.Tensor2D,
            )
            .dataSync()[0]!,
      );
    const settledOn = async (weights: tf.Tensor[], images: tf.Tensor4D) => {
      const reference = tinyBackbone(5, 1, 2, true);
      reference.setWeights(weights);
      await settleBatchNormStatistics(reference, images, undefined, { batchSize: 8 });
      return reference;
    };
    // Epoch 2's evaluation used statistics settled on a quarter of the training
    // images (here one batch of 8, evenly spaced: a tenth of an epoch's cost)...
    const quarter = tf.gather(data.images, tf.tensor1d([0, 3, 6, 9, 12, 15, 18, 21], 'int32'));
    const perEpoch = await settledOn(precise.secondEpoch, quarter as tf.Tensor4D);
    expect(loss(perEpoch)).toBeCloseTo(precise.history[1]!.evaluation!.loss, 4);
    // ...and the last epoch's on all of them, as the backbone comes back: ready to
    // deploy as it is, and the last evaluation is that backbone's.
    const settled = await settledOn(lagging.backbone.getWeights(), data.images);
    expect(loss(precise.backbone)).toBeCloseTo(loss(settled), 5);
    expect(precise.history.at(-1)!.evaluation!.loss).toBeCloseTo(loss(precise.backbone), 5);
    for (const model of [lagging.backbone, precise.backbone, perEpoch, settled]) model.dispose();
    tf.dispose([
      data.images,
      evaluationSet.images,
      quarter,
      ...precise.secondEpoch,
      ...lagging.secondEpoch,
    ]);
  });

  it('is deterministic: the same seed gives identical metrics', async () => {
    const a = await run(3);
    const b = await run(3);
    const c = await run(4);
    expect(a).toEqual(b);
    expect(c).not.toEqual(a);
  });

  it('stops with a clear error at the step where the loss stops being finite, keeping the last good checkpoint', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'gsa-nan-'));
    const data = tinyData(16, 2);
    const backbone = tinyBackbone(5);
    let steps = 0;
    const error = await trainTwoPhase({
      backbone,
      numClasses: 2,
      train: data,
      attention: { mode: 'none' },
      epochs: 3,
      cutoffEpoch: 0,
      batchSize: 8,
      learningRate: 0.01,
      checkpoints: { store: fileCheckpointStore(directory) },
      callbacks: [
        {
          onStepEnd: () => {
            // Poison a weight during epoch 2, step 1.
            if (++steps === 3) {
              const kernel = backbone.layers[0]!.getWeights()[0]!;
              backbone.layers[0]!.setWeights([
                tf.fill(kernel.shape, Number.NaN),
                backbone.layers[0]!.getWeights()[1]!,
              ]);
            }
          },
        },
      ],
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TrainingDivergedError);
    expect((error as TrainingDivergedError).epoch).toBe(2);
    expect((error as TrainingDivergedError).step).toBe(2);
    expect((error as Error).message).toMatch(
      /The loss became NaN at epoch 2, step 2\. The last good checkpoint is .*epoch-0001/,
    );
    expect(readdirSync(directory)).toEqual(['epoch-0001']);
    backbone.dispose();
    data.images.dispose();
    rmSync(directory, { recursive: true, force: true });
  });

  it('rejects inconsistent inputs with messages that name the value', async () => {
    const data = tinyData(8, 2);
    const backbone = tinyBackbone(5);
    const base = {
      backbone,
      numClasses: 2,
      train: data,
      attention: { mode: 'none' } as const,
      epochs: 2,
      cutoffEpoch: 0,
    };
    await expect(
      trainTwoPhase({ ...base, train: { images: data.images, labels: [0, 1] } }),
    ).rejects.toThrow('The training set has 8 images but 2 labels.');
    await expect(
      trainTwoPhase({ ...base, train: { images: data.images, labels: [0, 1, 2, 0, 1, 0, 1, 0] } }),
    ).rejects.toThrow('The training label at index 2 is 2, outside 0..1.');
    await expect(trainTwoPhase({ ...base, cutoffEpoch: 5 })).rejects.toThrow(
      'cutoffEpoch must be an integer from 0 to epochs (2), got 5.',
    );
    const wrong = tf.zeros([1, 4, 4, 8]) as tf.Tensor4D;
    const { GlobalSpatialAttention } = await import('@gsa/attention');
    await expect(
      trainTwoPhase({
        ...base,
        attention: {
          mode: 'global',
          layer: new GlobalSpatialAttention(),
          pixelRepresentation: wrong,
          lambda: 0.1,
        },
      }),
    ).rejects.toThrow('The pixel representation is 4x4 but the images are 8x8');
    wrong.dispose();
    backbone.dispose();
    data.images.dispose();
  });
});
