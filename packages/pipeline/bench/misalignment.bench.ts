// What misalignment costs global attention, and what --align buys back: the
// synthetic structured set as generated (aligned) and a copy with every image
// moved by a random shift of up to 8 px (@gsa/data/testing's moveImages),
// trained as `gsa demo` trains (smallcnn, the demo's budget) through
// trainOnSplit, vanilla and global attention, seeds 0-2, on one split; the
// moved copy also with `align: 'translate'` (alignRun, as gsa train does).
// Per data: the structure check of the training images; per method: test
// accuracy (mean of the last 5 epochs, as gsa demo reports), the map's
// ROC-AUC against the true region and its spread, and the map's stability
// over the 3 seeds (pairwise Pearson r and top-10% IoU).
//
//   GSA_BENCH_SEEDS=0,1,2  GSA_MISALIGN_SHIFT=8  GSA_BENCH_BACKEND=wasm
//   GSA_BENCH_OUT=bench-results/misalignment.json
import '@tensorflow/tfjs-layers';
import * as tf from '@tensorflow/tfjs-core';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mapStatistics } from '@gsa/attention';
import { useBackend } from '@gsa/backends';
import { checkStructure, generateSyntheticDataset, type ImageSet } from '@gsa/data';
import { moveImages } from '@gsa/data/testing';
import { binaryRocAuc, mapStability, mean, standardDeviation } from '@gsa/eval';
import {
  numberFromEnv,
  numbersFromEnv,
  printTable,
  progress,
  round,
  writeBenchReport,
} from '@gsa/tooling/bench';
import {
  DEMO_DEFAULTS,
  alignRun,
  demoRunSettings,
  resolveRunConfig,
  splitRun,
  trainOnSplit,
} from '../src/index.js';

const benchDirectory = dirname(fileURLToPath(import.meta.url));
const seeds = numbersFromEnv('GSA_BENCH_SEEDS', [0, 1, 2]);
const maxShift = numberFromEnv('GSA_MISALIGN_SHIFT', 8);

await useBackend((process.env.GSA_BENCH_BACKEND ?? 'wasm') as Parameters<typeof useBackend>[0]);
const generated = generateSyntheticDataset({
  count: DEMO_DEFAULTS.count,
  size: DEMO_DEFAULTS.size,
  difficulty: DEMO_DEFAULTS.difficulty,
  seed: 0,
});
const mask = Array.from(generated.mask, (value) => value > 0.5);
const split = splitRun(generated, { testFraction: 0.2, seed: 0, groupSplit: true });
const moved = moveImages(generated, { maxShift, seed: 1 }).set;
const realigned = await alignRun(moved, split);
const datasets: [string, ImageSet][] = [
  ['aligned (as generated)', generated],
  [`moved by up to ${maxShift} px`, moved],
  [`moved, then --align translate`, realigned.set],
];

interface Outcome {
  data: string;
  method: 'vanilla' | 'global';
  seed: number;
  accuracy: number;
  lastAccuracy: number;
  rocAuc?: number;
  spread?: number;
  map?: Float32Array;
}
const outcomes: Outcome[] = [];
const layouts: {
  data: string;
  verdict: string;
  median: number;
  p90: number;
  correlation: number;
}[] = [];
for (const [name, set] of datasets) {
  const check = await checkStructure(set, { indices: split.train });
  layouts.push({
    data: name,
    verdict: check.verdict,
    median: check.shift.median,
    p90: check.shift.p90,
    correlation: check.correlation.median,
  });
  progress(`${name}: layout ${check.verdict}`);
  for (const seed of seeds) {
    for (const method of ['vanilla', 'global'] as const) {
      const settings = resolveRunConfig({
        ...demoRunSettings('bench', method === 'global' ? 'global' : 'none'),
        seed,
      });
      const training = await trainOnSplit(
        set,
        { train: split.train, evaluation: split.test },
        settings,
      );
      const { history, map } = training.result;
      training.dispose();
      training.backbone.dispose();
      const last = history.slice(-5).map((epoch) => epoch.evaluation!.accuracy);
      const outcome: Outcome = {
        data: name,
        method,
        seed,
        accuracy: mean(last),
        lastAccuracy: history.at(-1)!.evaluation!.accuracy,
        ...(map
          ? {
              rocAuc: binaryRocAuc(map.values, mask),
              spread: mapStatistics(map.values).spread,
              map: Float32Array.from(map.values),
            }
          : {}),
      };
      outcomes.push(outcome);
      progress(`  ${method} seed ${seed}: ${JSON.stringify({ ...outcome, map: undefined })}`);
    }
  }
}

const format = (values: number[], digits = 3) =>
  values.length === 0
    ? '-'
    : values.length === 1
      ? values[0]!.toFixed(digits)
      : `${mean(values).toFixed(digits)} ± ${standardDeviation(values).toFixed(digits)}`;
const rows = datasets.flatMap(([name]) =>
  (['vanilla', 'global'] as const).map((method) => {
    const mine = outcomes.filter((o) => o.data === name && o.method === method);
    const maps = mine.flatMap((o) => (o.map ? [o.map] : []));
    const stability = mapStability(maps);
    return {
      data: name,
      method,
      accuracy: mine.map((o) => o.accuracy),
      rocAuc: mine.flatMap((o) => (o.rocAuc === undefined ? [] : [o.rocAuc])),
      spread: mine.flatMap((o) => (o.spread === undefined ? [] : [o.spread])),
      stability,
    };
  }),
);
printTable(
  ['data', 'verdict', 'median shift', 'p90 shift', 'correlation'],
  layouts.map((l) => [
    l.data,
    l.verdict,
    `${l.median.toFixed(2)} px`,
    `${l.p90.toFixed(2)} px`,
    l.correlation.toFixed(2),
  ]),
);
console.log('');
printTable(
  [
    'data',
    'method',
    'test accuracy',
    'map ROC-AUC',
    'map spread',
    'stability r (min)',
    'top-10% IoU (min)',
  ],
  rows.map((row) => [
    row.data,
    row.method,
    format(row.accuracy),
    format(row.rocAuc),
    format(row.spread, 2),
    row.stability
      ? `${row.stability.pearson.mean.toFixed(2)} (${row.stability.pearson.min.toFixed(2)})`
      : '-',
    row.stability
      ? `${row.stability.topOverlap.mean.toFixed(2)} (${row.stability.topOverlap.min.toFixed(2)})`
      : '-',
  ]),
);
const path = writeBenchReport(benchDirectory, 'misalignment.json', {
  benchmark: 'misalignment',
  date: new Date().toISOString(),
  seeds,
  maxShift,
  layouts,
  rows: rows.map((row) => ({
    ...row,
    stability: row.stability && {
      maps: row.stability.maps,
      pearson: row.stability.pearson,
      topOverlap: row.stability.topOverlap,
    },
  })),
  outcomes: outcomes.map((outcome) => ({
    ...outcome,
    map: undefined,
    accuracy: round(outcome.accuracy, 4),
  })),
});
progress(`wrote ${path}`);
tf.dispose([
  generated.images as tf.Tensor,
  moved.images as tf.Tensor,
  realigned.set.images as tf.Tensor,
]);
