// The accuracy half of the low-rank target: does global attention over the
// low-rank P (r eigen-images) match the exact P? On the synthetic structured
// dataset (class evidence only inside a known disk), N training images plus
// a held-out test set, the same small smallcnn, budget and seeds for both;
// on wasm. Per run: test accuracy (after settling the batch-norm
// statistics), the map's ROC-AUC against the true disk, and the seconds of the
// phase-1 and phase-2 epochs. Runs of exact and low-rank alternate, seed by
// seed, so that the machine's load biases both alike. Every run goes through
// the pipeline's trainOnSplit (the path of `gsa train`).
//
//   GSA_BENCH_SIZE=224  GSA_BENCH_IMAGES=400  GSA_BENCH_TEST_IMAGES=100
//   GSA_BENCH_RANK=16  GSA_BENCH_SEEDS=0,1,2  GSA_BENCH_EPOCHS=3
//   GSA_BENCH_CUTOFF=1  GSA_BENCH_WIDTHS=8,16,32  GSA_BENCH_CHANNELS=32 (K)
//   GSA_BENCH_LR=0.003  GSA_BENCH_LAMBDA=0.01  GSA_BENCH_DIFFICULTY=0.1
//   GSA_BENCH_BATCHNORM=1 (0: no batch norm, ~4x cheaper steps on wasm, but
//     in 8 epochs at difficulty 0.5 nothing learned)
//   GSA_BENCH_STANDARDIZE=1 (0: feed the images in [0, 1] as generated)
//   GSA_BENCH_VANILLA=0 (1: also vanilla, for reference)
//   GSA_BENCH_OUT=bench-results/accuracy.json
//   GSA_BENCH_BACKEND=wasm (any name useBackend takes: webgpu on a GPU machine)
import '@tensorflow/tfjs-layers';
import * as tf from '@tensorflow/tfjs-core';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeBackend, useBackend } from '@gsa/backends';
import {
  generateSyntheticDataset,
  lowRankPixelRepresentation,
  pixelRepresentation,
} from '@gsa/data';
import { binaryRocAuc, mean, standardDeviation } from '@gsa/eval';
import {
  loadAverage,
  numberFromEnv,
  numbersFromEnv,
  peakRssMiB,
  printTable,
  progress,
  round,
  writeBenchReport,
} from '@gsa/tooling/bench';
import { resolveRunConfig, trainOnSplit } from '../src/index.js';

const benchDirectory = dirname(fileURLToPath(import.meta.url));
const size = numberFromEnv('GSA_BENCH_SIZE', 224);
const count = numberFromEnv('GSA_BENCH_IMAGES', 400);
const testCount = numberFromEnv('GSA_BENCH_TEST_IMAGES', 100);
const rank = numberFromEnv('GSA_BENCH_RANK', 16);
const seeds = numbersFromEnv('GSA_BENCH_SEEDS', [0, 1, 2]);
const epochs = numberFromEnv('GSA_BENCH_EPOCHS', 3);
const cutoffEpoch = numberFromEnv('GSA_BENCH_CUTOFF', 1);
const widths = numbersFromEnv('GSA_BENCH_WIDTHS', [8, 16, 32]);
const channels = numberFromEnv('GSA_BENCH_CHANNELS', 32);
const learningRate = numberFromEnv('GSA_BENCH_LR', 3e-3);
const lambda = numberFromEnv('GSA_BENCH_LAMBDA', 0.01);
const difficulty = numberFromEnv('GSA_BENCH_DIFFICULTY', 0.1);
const withVanilla = process.env.GSA_BENCH_VANILLA === '1';
const batchNorm = process.env.GSA_BENCH_BATCHNORM !== '0';
const standardize = process.env.GSA_BENCH_STANDARDIZE !== '0';
const batchSize = 32;
const weightDecay = 1e-4;

interface Run {
  representation: string;
  seed: number;
  testAccuracy: number;
  mapRocAuc?: number;
  phaseOneSecondsPerEpoch?: number;
  phaseTwoSecondsPerEpoch: number;
  seconds: number;
  /** Per epoch: training loss, training accuracy, mean of the map. */
  history: { trainLoss: number; trainAccuracy: number; mapMean?: number }[];
}

const info = await useBackend(
  (process.env.GSA_BENCH_BACKEND ?? 'wasm') as Parameters<typeof useBackend>[0],
);
const loadBefore = loadAverage();
progress(`generating ${count} + ${testCount} images of ${size}x${size}`);
const generated = generateSyntheticDataset({
  count: count + testCount,
  size,
  difficulty,
  seed: 0,
});
let set = generated;
const split = {
  train: Array.from({ length: count }, (_, i) => i),
  evaluation: Array.from({ length: testCount }, (_, i) => count + i),
};
// Without batch norm the backbone needs centred inputs (images lie in [0, 1]):
// standardise every image with the training images' mean and std. P does not
// change (each image enters it standardised over its own pixels).
let normalization: { mean: number; std: number } | undefined;
if (standardize) {
  const raw = generated.images as tf.Tensor4D;
  const moments = tf.tidy(() => tf.moments(tf.slice(raw, 0, count)));
  normalization = {
    mean: (await moments.mean.data())[0]!,
    std: Math.sqrt((await moments.variance.data())[0]!),
  };
  tf.dispose([moments.mean, moments.variance]);
  set = {
    ...generated,
    images: tf.tidy(() =>
      tf.div(tf.sub(raw, normalization!.mean), normalization!.std),
    ) as tf.Tensor4D,
  };
  raw.dispose();
}
// What building each P costs (the runs build their own, as gsa train does).
progress('timing the exact and the low-rank P');
let started = performance.now();
const exact = await pixelRepresentation(set, split);
const exactBuildSeconds = (performance.now() - started) / 1000;
const exactChannels = exact.pixels.shape[3];
exact.pixels.dispose();
started = performance.now();
const lowRank = await lowRankPixelRepresentation(set, split, { rank, seed: 0 });
const lowRankBuildSeconds = (performance.now() - started) / 1000;
const explainedVariance = lowRank.explainedVariance;
lowRank.pixels.dispose();
const peakAfterRepresentations = peakRssMiB();
const mask = Array.from(set.mask, (v) => v > 0.5);

async function run(name: string, seed: number, pixelRank?: number | 'exact'): Promise<Run> {
  progress(`${name}, seed ${seed}: training ${epochs} epochs (cut-off ${cutoffEpoch})`);
  const settings = resolveRunConfig(
    {
      data: 'bench',
      backbone: 'smallcnn',
      backboneOptions: { widths, batchNorm },
      attention: pixelRank === undefined ? 'none' : 'global',
      epochs,
      cutoffEpoch: pixelRank === undefined ? 0 : cutoffEpoch,
      channels,
      lambda,
      learningRate,
      batchSize,
      weightDecay,
      seed,
      ...(pixelRank === undefined ? {} : { pixelRank }),
    },
    undefined,
    'Check the GSA_BENCH_* settings.',
  );
  const began = performance.now();
  const training = await trainOnSplit(set, split, settings);
  const seconds = (performance.now() - began) / 1000;
  const { result } = training;
  training.dispose();
  training.backbone.dispose();
  const secondsOf = (phase: 1 | 2) => {
    const epochsOfPhase = result.history.filter((epoch) => epoch.phase === phase);
    return epochsOfPhase.length === 0
      ? undefined
      : round(mean(epochsOfPhase.map((epoch) => epoch.seconds)), 2);
  };
  const phaseOne = secondsOf(1);
  const outcome: Run = {
    representation: name,
    seed,
    // After the last epoch, batch norm settled (trainTwoPhase's evaluation).
    testAccuracy: result.history.at(-1)!.evaluation!.accuracy,
    ...(result.map ? { mapRocAuc: round(binaryRocAuc(result.map.values, mask), 4) } : {}),
    ...(phaseOne === undefined ? {} : { phaseOneSecondsPerEpoch: phaseOne }),
    phaseTwoSecondsPerEpoch: secondsOf(2)!,
    seconds: round(seconds, 1),
    history: result.history.map((epoch) => ({
      trainLoss: round(epoch.trainLoss, 4),
      trainAccuracy: round(epoch.trainAccuracy, 4),
      ...(epoch.mapMean === undefined ? {} : { mapMean: round(epoch.mapMean, 4) }),
    })),
  };
  progress(`${name}, seed ${seed}: ${JSON.stringify({ ...outcome, history: undefined })}`);
  progress(
    `  train accuracy by epoch: ${outcome.history.map((epoch) => epoch.trainAccuracy.toFixed(2)).join(' ')}`,
  );
  return outcome;
}

const runs: Run[] = [];
const lowRankName = `low-rank r=${rank}`;
for (const [index, seed] of seeds.entries()) {
  // Alternate which goes first, so that neither always meets the same load.
  const pair: [string, number | 'exact'][] = [
    ['exact', 'exact'],
    [lowRankName, rank],
  ];
  if (index % 2 === 1) pair.reverse();
  for (const [name, pixelRank] of pair) runs.push(await run(name, seed, pixelRank));
  if (withVanilla) runs.push(await run('vanilla', seed));
}

const names = ['exact', lowRankName, ...(withVanilla ? ['vanilla'] : [])];
const summary = names.map((name) => {
  const mine = runs.filter((r) => r.representation === name);
  const accuracies = mine.map((r) => r.testAccuracy);
  const aucs = mine.flatMap((r) => (r.mapRocAuc === undefined ? [] : [r.mapRocAuc]));
  const phaseOne = mine.flatMap((r) =>
    r.phaseOneSecondsPerEpoch === undefined ? [] : [r.phaseOneSecondsPerEpoch],
  );
  return {
    representation: name,
    runs: mine.length,
    accuracyMean: round(mean(accuracies), 4),
    accuracyStd: round(standardDeviation(accuracies), 4),
    ...(aucs.length
      ? { rocAucMean: round(mean(aucs), 4), rocAucStd: round(standardDeviation(aucs), 4) }
      : {}),
    ...(phaseOne.length ? { phaseOneSecondsPerEpoch: round(mean(phaseOne), 2) } : {}),
    phaseTwoSecondsPerEpoch: round(mean(mine.map((r) => r.phaseTwoSecondsPerEpoch)), 2),
  };
});
const exactSummary = summary[0]!;
const lowRankSummary = summary[1]!;
const gap = Math.abs(lowRankSummary.accuracyMean - exactSummary.accuracyMean);
const withinOneStd = gap <= exactSummary.accuracyStd;
const loadAfter = loadAverage();
const peak = peakRssMiB();
const backend = describeBackend(info);

console.log(
  `\nTest accuracy, synthetic ${size}x${size} (difficulty ${difficulty}), ${count} train / ${testCount} test images, ` +
    `${standardize ? 'standardised, ' : ''}smallcnn widths [${widths}]${batchNorm ? '' : ' without batch norm'}, K = ${channels}, lambda ${lambda}, ${epochs} epochs (cut-off ${cutoffEpoch}), ` +
    `lr ${learningRate}, batch ${batchSize}, seeds ${seeds.join(',')}, ${backend}; load average before ${loadBefore.join(' ')}, after ${loadAfter.join(' ')}`,
);
printTable(
  ['run', 'seed', 'test acc', 'map ROC-AUC', 's/epoch ph.1', 's/epoch ph.2', 's total'],
  runs.map((r) => [
    r.representation,
    `${r.seed}`,
    r.testAccuracy.toFixed(3),
    r.mapRocAuc === undefined ? '-' : r.mapRocAuc.toFixed(3),
    r.phaseOneSecondsPerEpoch === undefined ? '-' : r.phaseOneSecondsPerEpoch.toFixed(2),
    r.phaseTwoSecondsPerEpoch.toFixed(2),
    r.seconds.toFixed(1),
  ]),
);
console.log('');
printTable(
  ['P', 'test acc mean', 'std', 'map ROC-AUC mean', 'std', 's/epoch ph.1', 's/epoch ph.2'],
  summary.map((s) => [
    s.representation,
    s.accuracyMean.toFixed(3),
    s.accuracyStd.toFixed(3),
    s.rocAucMean === undefined ? '-' : s.rocAucMean.toFixed(3),
    s.rocAucStd === undefined ? '-' : s.rocAucStd.toFixed(3),
    s.phaseOneSecondsPerEpoch === undefined ? '-' : s.phaseOneSecondsPerEpoch.toFixed(2),
    s.phaseTwoSecondsPerEpoch.toFixed(2),
  ]),
);
console.log(
  `\n|mean(${lowRankName}) - mean(exact)| = ${gap.toFixed(3)} ${withinOneStd ? '<=' : '>'} std(exact) = ${exactSummary.accuracyStd.toFixed(3)}: ` +
    `${withinOneStd ? 'within' : 'not within'} one standard deviation. P built in ${exactBuildSeconds.toFixed(2)} s (exact, ${exactChannels} channels) / ` +
    `${lowRankBuildSeconds.toFixed(2)} s (${lowRankName}, variance kept ${explainedVariance.toFixed(4)}); peak RSS ${peak} MiB`,
);
const out = writeBenchReport(benchDirectory, 'accuracy.json', {
  benchmark: 'accuracy',
  date: new Date().toISOString(),
  backend,
  size,
  count,
  testCount,
  difficulty,
  rank,
  explainedVariance: round(explainedVariance, 4),
  seeds,
  epochs,
  cutoffEpoch,
  widths,
  batchNorm,
  ...(normalization ? { standardized: normalization } : {}),
  channels,
  lambda,
  learningRate,
  batchSize,
  weightDecay,
  exactBuildSeconds: round(exactBuildSeconds, 2),
  lowRankBuildSeconds: round(lowRankBuildSeconds, 2),
  loadAverageBefore: loadBefore,
  loadAverageAfter: loadAfter,
  peakRssMiBAfterRepresentations: peakAfterRepresentations,
  peakRssMiB: peak,
  runs,
  summary,
  accuracyGap: round(gap, 4),
  withinOneStd,
});
console.log(`\nwritten: ${out}`);
(set.images as tf.Tensor).dispose();
