// `GSA_BENCH=evaluation-cost pnpm bench`: what per-epoch evaluation adds to a
// training epoch. A vanilla smallcnn (batch norm) on a synthetic set of 170
// training and 43 evaluation images at 64x64, batch 32, on wasm, trained for
// a few epochs with and without an evaluation set: the median epoch seconds
// of each (the first epoch left out), the share evaluation adds, and the one
// precise batch-norm pass the returned model gets at the end.
//
//   GSA_BENCH_IMAGES=170  GSA_BENCH_EVALUATION_IMAGES=43  GSA_BENCH_SIZE=64  GSA_BENCH_EPOCHS=4
//   GSA_BENCH_OUT=bench-results/evaluation-cost.json
import '@tensorflow/tfjs-layers';
import * as tf from '@tensorflow/tfjs-core';
import { describeBackend, useBackend } from '@gsa/backends';
import { createBackbone } from '@gsa/backbones';
import { generateSyntheticDataset } from '@gsa/data';
import { median, numberFromEnv, printTable } from '@gsa/tooling/bench';
import { settleBatchNormStatistics, trainTwoPhase } from '../src/index.js';
import { writeResult } from './bench-support.js';

const count = numberFromEnv('GSA_BENCH_IMAGES', 170);
const evaluationCount = numberFromEnv('GSA_BENCH_EVALUATION_IMAGES', 43);
const size = numberFromEnv('GSA_BENCH_SIZE', 64);
const epochs = numberFromEnv('GSA_BENCH_EPOCHS', 4);
const info = await useBackend('wasm');
const set = generateSyntheticDataset({ count: count + evaluationCount, size, seed: 0 });
const images = set.images as tf.Tensor4D;
const train = {
  images: tf.slice(images, [0, 0, 0, 0], [count, -1, -1, -1]),
  labels: set.labels.slice(0, count),
};
const evaluation = {
  images: tf.slice(images, [count, 0, 0, 0], [evaluationCount, -1, -1, -1]),
  labels: set.labels.slice(count),
};

async function epochSeconds(withEvaluation: boolean): Promise<number> {
  const backbone = createBackbone('smallcnn', {
    inputShape: [size, size, 1],
    numClasses: 2,
    seed: 0,
  });
  process.stderr.write(`bench: ${withEvaluation ? 'with' : 'without'} evaluation ...\n`);
  const result = await trainTwoPhase({
    backbone,
    numClasses: 2,
    train,
    ...(withEvaluation ? { evaluation } : {}),
    attention: { mode: 'none' },
    epochs,
    cutoffEpoch: 0,
    batchSize: 32,
    learningRate: 1e-3,
  });
  backbone.dispose();
  return median(result.history.slice(1).map((epoch) => epoch.seconds));
}

const without = await epochSeconds(false);
const withEvaluation = await epochSeconds(true);
const settled = createBackbone('smallcnn', { inputShape: [size, size, 1], numClasses: 2, seed: 0 });
const started = performance.now();
await settleBatchNormStatistics(settled, train.images, undefined, { batchSize: 32 });
const settleSeconds = (performance.now() - started) / 1000;
settled.dispose();
const share = (withEvaluation - without) / without;

console.log(
  `\nsmallcnn, ${count} training and ${evaluationCount} evaluation images of ${size}x${size}, batch 32, ${describeBackend(info)}:`,
);
printTable(
  ['epoch without evaluation', 'epoch with evaluation', 'evaluation adds', 'final settle pass'],
  [
    [
      `${without.toFixed(2)} s`,
      `${withEvaluation.toFixed(2)} s`,
      `${(100 * share).toFixed(1)}%`,
      `${settleSeconds.toFixed(2)} s (once)`,
    ],
  ],
);
const out = writeResult('evaluation-cost.json', {
  benchmark: 'evaluation-cost',
  date: new Date().toISOString(),
  backend: describeBackend(info),
  count,
  evaluationCount,
  size,
  secondsPerEpoch: { without, withEvaluation },
  evaluationShare: share,
  settleSeconds,
});
console.log(`\nwritten: ${out}`);
