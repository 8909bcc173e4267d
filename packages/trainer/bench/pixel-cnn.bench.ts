// What the pixel CNN itself costs, exact P vs low-rank P, on wasm: at 224x224
// a whole epoch of the default smallcnn takes minutes here, and at 64x64 the
// backbone hides the pixel CNN, so this times single training steps.
//
// For each size, with N synthetic training images (@gsa/data):
// - P: its bytes and the time to build it, exact ([1,H,W,N] for grey images)
//   and low-rank (r eigen-images, each rank in GSA_BENCH_RANKS);
// - the pixel CNN alone, one phase-1 step as trainTwoPhase does it for the map:
//   M(P), lambda * mean|M(P)| plus a stand-in for the backbone's loss (the mean
//   of the map; "+ X*M": the mean of the map applied to a batch, whose gradient
//   phase 1 also pays), the pixel CNN's gradients and one PyTorchAdam update;
// - whole training steps with a small smallcnn (GSA_BENCH_WIDTHS): vanilla, L1
//   phase 1, global phase 1 (exact and low-rank) and phase 2 (a constant map);
//   also vanilla without batch norm, whose gradient (Tile-heavy) dominates on wasm.
// Steps run in rounds, each timing every variant once in a rotated order, so
// that the shared machine's load biases all of them alike; medians are
// reported. Epoch seconds are estimated as ms/step x N/batch; the phase-1
// estimate is vanilla + (pixel CNN + X*M).
//
//   GSA_BENCH_SIZES=64,224  GSA_BENCH_IMAGES=400  GSA_BENCH_RANKS=16,32
//   GSA_BENCH_WIDTHS=8,16,32  GSA_BENCH_CHANNELS=32 (K)  GSA_BENCH_BATCH=32
//   GSA_BENCH_WARMUP=1  GSA_BENCH_ROUNDS=5  GSA_BENCH_BUILD_REPEATS=3
//   GSA_BENCH_OUT=bench-results/pixel-cnn.json
import '@tensorflow/tfjs-layers';
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import {
  GlobalSpatialAttention,
  PixelWeightMap,
  applySpatialMap,
  attentionPenalty,
} from '@gsa/attention';
import { describeBackend, useBackend } from '@gsa/backends';
import { createBackbone } from '@gsa/backbones';
import {
  generateSyntheticDataset,
  lowRankPixelRepresentation,
  pixelRepresentation,
  type PixelRepresentation,
} from '@gsa/data';
import { PyTorchAdam } from '../src/index.js';
import {
  loadAverage,
  median,
  numberFromEnv,
  numbersFromEnv,
  peakRssMiB,
  printTable,
  progress,
  round,
} from '@gsa/tooling/bench';
import { writeResult } from './bench-support.js';

const sizes = numbersFromEnv('GSA_BENCH_SIZES', [64, 224]);
const count = numberFromEnv('GSA_BENCH_IMAGES', 400);
const ranks = numbersFromEnv('GSA_BENCH_RANKS', [16, 32]);
const widths = numbersFromEnv('GSA_BENCH_WIDTHS', [8, 16, 32]);
const channels = numberFromEnv('GSA_BENCH_CHANNELS', 32);
const batchSize = numberFromEnv('GSA_BENCH_BATCH', 32);
const warmup = numberFromEnv('GSA_BENCH_WARMUP', 1);
const rounds = numberFromEnv('GSA_BENCH_ROUNDS', 5);
const buildRepeats = numberFromEnv('GSA_BENCH_BUILD_REPEATS', 3);
const lambda = 0.01;
const learningRate = 1e-4;
const weightDecay = 1e-4;
const stepsPerEpoch = count / batchSize;

interface Representation {
  name: string;
  rank?: number;
  bytes: number;
  explainedVariance: number;
  buildMs: number[];
  pixels: tf.Tensor4D;
}

interface StepVariant {
  name: string;
  kind: 'pixel-cnn' | 'training';
  step: () => tf.Scalar;
  samples: number[];
  dispose: () => void;
}

const info = await useBackend('wasm');
const loadBefore = loadAverage();
const results = [];

for (const size of sizes) {
  progress(`${size}x${size}: generating ${count} images`);
  const set = generateSyntheticDataset({ count, size, seed: 0 });
  const images = set.images as tf.Tensor4D;
  const all = { train: Array.from({ length: count }, (_, i) => i) };

  // P: built buildRepeats times, exact and each rank interleaved; the last build is kept.
  const builders: [string, number | undefined, () => Promise<PixelRepresentation>][] = [
    ['exact', undefined, () => pixelRepresentation(set, all)],
    ...ranks.map(
      (rank) =>
        [
          `low-rank r=${rank}`,
          rank,
          () => lowRankPixelRepresentation(set, all, { rank, seed: 0 }),
        ] as [string, number, () => Promise<PixelRepresentation>],
    ),
  ];
  const representations = new Map<string, Representation>();
  for (let repeat = 0; repeat < buildRepeats; repeat++) {
    for (const [name, rank, build] of builders) {
      progress(`${size}x${size}: building P ${name} (${repeat + 1}/${buildRepeats})`);
      const started = performance.now();
      const built = await build();
      const elapsed = performance.now() - started;
      const previous = representations.get(name);
      previous?.pixels.dispose();
      representations.set(name, {
        name,
        ...(rank === undefined ? {} : { rank }),
        bytes: built.pixels.size * 4,
        explainedVariance: built.explainedVariance,
        buildMs: [...(previous?.buildMs ?? []), elapsed],
        pixels: built.pixels,
      });
    }
  }
  const exact = representations.get('exact')!;
  const firstLowRank = representations.get(`low-rank r=${ranks[0]}`)!;

  const batch = tf.tidy(() => ({
    images: tf.slice(images, [0, 0, 0, 0], [batchSize, -1, -1, -1]),
    targets: tf.cast(
      tf.oneHot(tf.tensor1d(Int32Array.from(set.labels.slice(0, batchSize)), 'int32'), 2),
      'float32',
    ) as tf.Tensor2D,
  }));
  const variablesOf = (layer: { trainableWeights: { read(): tf.Tensor }[] }) =>
    layer.trainableWeights.map((weight) => weight.read() as tf.Variable);
  const newBackbone = (batchNorm = true): LayersModel =>
    createBackbone('smallcnn', {
      inputShape: [size, size, 1],
      numClasses: 2,
      seed: 0,
      widths,
      batchNorm,
    });
  const crossEntropy = (backbone: LayersModel, attended: tf.Tensor4D): tf.Scalar =>
    tf.losses.softmaxCrossEntropy(
      batch.targets,
      backbone.apply(attended, { training: true }) as tf.Tensor2D,
    ) as tf.Scalar;

  // The pixel CNN alone: what phase 1 adds to a backbone step. `onBatch`: the
  // stand-in loss is on the map applied to the batch (X * M(P), whose gradient
  // phase 1 also pays); otherwise on the map itself.
  const pixelCnnVariant = (representation: Representation, onBatch: boolean): StepVariant => {
    const layer = new GlobalSpatialAttention({ channels, seed: 0 });
    tf.dispose(layer.apply(representation.pixels) as tf.Tensor);
    const variables = variablesOf(layer);
    const optimizer = new PyTorchAdam([{ variables }], { learningRate, weightDecay });
    return {
      name: `pixel CNN${onBatch ? ' + X*M' : ''}, ${representation.name}`,
      kind: 'pixel-cnn',
      samples: [],
      step: () =>
        optimizer.minimize(() => {
          const map = layer.apply(representation.pixels) as tf.Tensor4D;
          // The backbone's loss stands here.
          const standIn = tf.mean(onBatch ? applySpatialMap(batch.images, map) : map);
          return tf.add(standIn, attentionPenalty(map, lambda)) as tf.Scalar;
        }, variables),
      dispose: () => {
        optimizer.dispose();
        layer.dispose();
      },
    };
  };

  // Whole training steps with the small backbone.
  const globalVariant = (representation: Representation): StepVariant => {
    const backbone = newBackbone();
    const layer = new GlobalSpatialAttention({ channels, seed: 0 });
    tf.dispose(layer.apply(representation.pixels) as tf.Tensor);
    const variables = [...variablesOf(backbone), ...variablesOf(layer)];
    const optimizer = new PyTorchAdam([{ variables }], { learningRate, weightDecay });
    return {
      name: `global phase 1, ${representation.name}`,
      kind: 'training',
      samples: [],
      step: () =>
        optimizer.minimize(() => {
          const map = layer.apply(representation.pixels) as tf.Tensor4D;
          return tf.add(
            crossEntropy(backbone, applySpatialMap(batch.images, map)),
            attentionPenalty(map, lambda),
          ) as tf.Scalar;
        }, variables),
      dispose: () => {
        optimizer.dispose();
        layer.dispose();
        backbone.dispose();
      },
    };
  };
  const vanilla = (batchNorm = true): StepVariant => {
    const backbone = newBackbone(batchNorm);
    const variables = variablesOf(backbone);
    const optimizer = new PyTorchAdam([{ variables }], { learningRate, weightDecay });
    return {
      name: batchNorm ? 'vanilla' : 'vanilla, no batch norm',
      kind: 'training',
      samples: [],
      step: () => optimizer.minimize(() => crossEntropy(backbone, batch.images), variables),
      dispose: () => {
        optimizer.dispose();
        backbone.dispose();
      },
    };
  };
  const phaseTwo = (): StepVariant => {
    const backbone = newBackbone();
    const variables = variablesOf(backbone);
    const optimizer = new PyTorchAdam([{ variables }], { learningRate, weightDecay });
    const frozenMap = tf.fill([1, size, size, 1], 0.5) as tf.Tensor4D; // a constant, as after E
    return {
      name: 'global phase 2 (frozen map)',
      kind: 'training',
      samples: [],
      step: () =>
        optimizer.minimize(
          () => crossEntropy(backbone, applySpatialMap(batch.images, frozenMap)),
          variables,
        ),
      dispose: () => {
        optimizer.dispose();
        backbone.dispose();
        frozenMap.dispose();
      },
    };
  };
  const l1 = (): StepVariant => {
    const backbone = newBackbone();
    const layer = new PixelWeightMap();
    tf.tidy(() => layer.apply(tf.zeros([1, size, size, 1])) as tf.Tensor);
    const variables = [...variablesOf(backbone), ...variablesOf(layer)];
    const optimizer = new PyTorchAdam([{ variables }], { learningRate, weightDecay });
    return {
      name: 'L1 phase 1',
      kind: 'training',
      samples: [],
      step: () =>
        optimizer.minimize(() => {
          const map = layer.computeMap();
          return tf.add(
            crossEntropy(backbone, applySpatialMap(batch.images, map)),
            attentionPenalty(map, lambda),
          ) as tf.Scalar;
        }, variables),
      dispose: () => {
        optimizer.dispose();
        layer.dispose();
        backbone.dispose();
      },
    };
  };

  const variants: StepVariant[] = [
    ...[...representations.values()].map((r) => pixelCnnVariant(r, false)),
    ...[...representations.values()].map((r) => pixelCnnVariant(r, true)),
    vanilla(),
    vanilla(false),
    l1(),
    globalVariant(exact),
    globalVariant(firstLowRank),
    phaseTwo(),
  ];
  for (let round = 0; round < warmup + rounds; round++) {
    progress(
      `${size}x${size}: round ${round + 1}/${warmup + rounds}${round < warmup ? ' (warm-up)' : ''}`,
    );
    for (let v = 0; v < variants.length; v++) {
      const variant = variants[(v + round) % variants.length]!;
      const started = performance.now();
      const loss = variant.step();
      const value = (await loss.data())[0]!; // waits for the step to finish
      const elapsed = performance.now() - started;
      loss.dispose();
      if (!Number.isFinite(value)) throw new Error(`${variant.name}: the loss is ${value}.`);
      if (round >= warmup) variant.samples.push(elapsed);
    }
  }

  const medianOf = (name: string) => median(variants.find((v) => v.name === name)!.samples);
  const exactPixelMs = medianOf('pixel CNN, exact');
  const vanillaMs = medianOf('vanilla');
  const epochSeconds = (ms: number) => round((ms * stepsPerEpoch) / 1000, 2);
  results.push({
    size,
    pixelRepresentations: [...representations.values()].map((r) => ({
      name: r.name,
      ...(r.rank === undefined ? {} : { rank: r.rank }),
      channels: r.pixels.shape[3],
      bytes: r.bytes,
      explainedVariance: round(r.explainedVariance, 4),
      buildMs: r.buildMs.map((ms) => round(ms, 1)),
      buildMsMedian: round(median(r.buildMs), 1),
    })),
    steps: variants.map((v) => ({
      name: v.name,
      kind: v.kind,
      msMedian: round(median(v.samples), 1),
      msMin: round(Math.min(...v.samples), 1),
      msMax: round(Math.max(...v.samples), 1),
      samplesMs: v.samples.map((ms) => round(ms, 1)),
      secondsPerEpochEstimate: epochSeconds(median(v.samples)),
    })),
    exactOverLowRank: Object.fromEntries(
      ranks.map((rank) => [
        `r=${rank}`,
        round(exactPixelMs / medianOf(`pixel CNN, low-rank r=${rank}`), 2),
      ]),
    ),
    exactOverLowRankWithBatch: Object.fromEntries(
      ranks.map((rank) => [
        `r=${rank}`,
        round(
          medianOf('pixel CNN + X*M, exact') / medianOf(`pixel CNN + X*M, low-rank r=${rank}`),
          2,
        ),
      ]),
    ),
    exactOverLowRankPerRound: Object.fromEntries(
      ranks.map((rank) => {
        const exactSamples = variants.find((v) => v.name === 'pixel CNN, exact')!.samples;
        const lowRankSamples = variants.find(
          (v) => v.name === `pixel CNN, low-rank r=${rank}`,
        )!.samples;
        return [`r=${rank}`, exactSamples.map((ms, i) => round(ms / lowRankSamples[i]!, 2))];
      }),
    ),
    phaseOneEpochEstimate: Object.fromEntries(
      [...representations.values()].map((r) => [
        r.name,
        epochSeconds(vanillaMs + medianOf(`pixel CNN + X*M, ${r.name}`)),
      ]),
    ),
    peakRssMiBSoFar: peakRssMiB(),
  });
  for (const variant of variants) variant.dispose();
  tf.dispose([images, batch.images, batch.targets]);
  for (const r of representations.values()) r.pixels.dispose();
}

const loadAfter = loadAverage();
const peak = peakRssMiB();
const backend = describeBackend(info);
console.log(
  `\nPixel-CNN cost, N = ${count}, K = ${channels}, batch ${batchSize}, smallcnn widths [${widths}], ${backend}; ` +
    `median of ${rounds} interleaved rounds after ${warmup} warm-up; load average before ${loadBefore.join(' ')}, after ${loadAfter.join(' ')}; peak RSS ${peak} MiB`,
);
for (const result of results) {
  console.log(`\n${result.size}x${result.size}: pixel representation`);
  printTable(
    ['P', 'channels', 'MiB', 'variance kept', 'build ms (median)'],
    result.pixelRepresentations.map((r) => [
      r.name,
      `${r.channels}`,
      (r.bytes / 2 ** 20).toFixed(2),
      `${r.explainedVariance}`,
      `${r.buildMsMedian}`,
    ]),
  );
  console.log(`\n${result.size}x${result.size}: one training step (batch ${batchSize})`);
  printTable(
    ['step', 'ms median', 'ms min', 'ms max', 's/epoch est.'],
    result.steps.map((s) => [
      s.name,
      s.msMedian.toFixed(1),
      s.msMin.toFixed(1),
      s.msMax.toFixed(1),
      s.secondsPerEpochEstimate.toFixed(2),
    ]),
  );
  console.log(
    `exact / low-rank, pixel CNN: ${Object.entries(result.exactOverLowRank)
      .map(([rank, ratio]) => `${rank}: ${ratio}x`)
      .join(', ')} (per round ${Object.entries(result.exactOverLowRankPerRound)
      .map(([rank, ratios]) => `${rank}: ${ratios.join(' ')}`)
      .join('; ')}); pixel CNN + X*M: ${Object.entries(result.exactOverLowRankWithBatch)
      .map(([rank, ratio]) => `${rank}: ${ratio}x`)
      .join(', ')}; phase-1 epoch estimate (vanilla + pixel CNN) s: ${Object.entries(
      result.phaseOneEpochEstimate,
    )
      .map(([name, seconds]) => `${name} ${seconds}`)
      .join(', ')}; peak RSS so far ${result.peakRssMiBSoFar} MiB`,
  );
}
const out = writeResult('pixel-cnn.json', {
  benchmark: 'pixel-cnn',
  date: new Date().toISOString(),
  backend,
  count,
  channels,
  batchSize,
  widths,
  warmup,
  rounds,
  loadAverageBefore: loadBefore,
  loadAverageAfter: loadAfter,
  peakRssMiB: peak,
  results,
});
console.log(`\nwritten: ${out}`);
