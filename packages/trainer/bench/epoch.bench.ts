// `pnpm bench`: seconds per epoch of phase 1 and phase 2 (global attention),
// vanilla and L1, with the exact and the low-rank pixel representation, on
// wasm, at N = 400 training images of 64x64 and 224x224 (synthetic, from
// @gsa/data) with the smallcnn backbone. Prints a table, writes JSON.
//
//   GSA_BENCH_SIZES=64,224   GSA_BENCH_IMAGES=400   GSA_BENCH_RANK=16
//   GSA_BENCH_OUT=bench-results/epoch.json
import '@tensorflow/tfjs-layers';
import * as tf from '@tensorflow/tfjs-core';
import { printTable } from '@gsa/tooling/bench';
import { writeResult } from './bench-support.js';
import { GlobalSpatialAttention, PixelWeightMap } from '@gsa/attention';
import { describeBackend, useBackend } from '@gsa/backends';
import { createBackbone } from '@gsa/backbones';
import {
  generateSyntheticDataset,
  lowRankPixelRepresentation,
  pixelRepresentation,
} from '@gsa/data';
import { trainTwoPhase, type AttentionSetup } from '../src/index.js';

interface Row {
  size: number;
  run: string;
  secondsPerEpoch: number;
  pixelChannels?: number;
  explainedVariance?: number;
}

const sizes = (process.env.GSA_BENCH_SIZES ?? '64,224').split(',').map(Number);
const count = Number(process.env.GSA_BENCH_IMAGES ?? 400);
const rank = Number(process.env.GSA_BENCH_RANK ?? 16);
const info = await useBackend('wasm');
const rows: Row[] = [];

for (const size of sizes) {
  const set = generateSyntheticDataset({ count, size, seed: 0 });
  const images = set.images as tf.Tensor4D;
  const all = { train: Array.from({ length: count }, (_, i) => i) };
  const exact = await pixelRepresentation(set, all);
  const lowRank = await lowRankPixelRepresentation(set, all, { rank, seed: 0 });
  const runs: [string, () => AttentionSetup, number][] = [
    ['vanilla', () => ({ mode: 'none' }), 0],
    ['L1 (phase 1)', () => ({ mode: 'l1', layer: new PixelWeightMap(), lambda: 0.01 }), 1],
    [
      'global exact, phase 1',
      () => ({
        mode: 'global',
        layer: new GlobalSpatialAttention({ channels: 32, seed: 0 }),
        pixelRepresentation: exact.pixels,
        lambda: 0.01,
      }),
      1,
    ],
    [
      'global exact, phase 2',
      () => ({
        mode: 'global',
        layer: new GlobalSpatialAttention({ channels: 32, seed: 0 }),
        pixelRepresentation: exact.pixels,
        lambda: 0.01,
      }),
      2,
    ],
    [
      `global low-rank r=${rank}, phase 1`,
      () => ({
        mode: 'global',
        layer: new GlobalSpatialAttention({ channels: 32, seed: 0 }),
        pixelRepresentation: lowRank.pixels,
        lambda: 0.01,
      }),
      1,
    ],
  ];
  for (const [run, setup, phase] of runs) {
    const backbone = createBackbone('smallcnn', {
      inputShape: [size, size, 1],
      numClasses: 2,
      seed: 0,
    });
    process.stderr.write(`bench: ${size}x${size} ${run} ...\n`);
    // Phase-2 timing: one phase-1 epoch first (cut-off 1), then time epoch 2.
    const result = await trainTwoPhase({
      backbone,
      numClasses: 2,
      train: { images, labels: set.labels },
      attention: setup(),
      epochs: phase === 2 ? 2 : 1,
      cutoffEpoch: phase === 0 ? 0 : 1,
      batchSize: 32,
      learningRate: 1e-3,
    });
    const timed = result.history.at(-1)!;
    rows.push({
      size,
      run,
      secondsPerEpoch: Math.round(timed.seconds * 10) / 10,
      ...(run.startsWith('global')
        ? {
            pixelChannels: run.includes('low-rank')
              ? lowRank.pixels.shape[3]
              : exact.pixels.shape[3],
            explainedVariance: run.includes('low-rank')
              ? Math.round(lowRank.explainedVariance * 1000) / 1000
              : 1,
          }
        : {}),
    });
    backbone.dispose();
  }
  tf.dispose([images, exact.pixels, lowRank.pixels]);
}

const peakRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
console.log(
  `\nSeconds per epoch, ${count} images, smallcnn, batch 32, ${describeBackend(info)}; peak RSS ${peakRssMiB} MiB`,
);
const header = ['size', 'run', 's/epoch', 'P channels', 'variance kept'];
const table = rows.map((row) => [
  `${row.size}`,
  row.run,
  row.secondsPerEpoch.toFixed(1),
  `${row.pixelChannels ?? '-'}`,
  `${row.explainedVariance ?? '-'}`,
]);
printTable(header, table);
const out = writeResult('epoch.json', {
  benchmark: 'epoch',
  date: new Date().toISOString(),
  backend: describeBackend(info),
  count,
  peakRssMiB,
  rows,
});
console.log(`\nwritten: ${out}`);
