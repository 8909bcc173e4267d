// Does one map fit this data? The structure check (checkStructure) on real and
// generated sets, aligned and moved, and its speed: (1) the verdicts and
// measurements from which STRUCTURE_THRESHOLDS were chosen: the synthetic
// set, ORL faces and PneumoniaMNIST as they are and with every image moved by
// a random shift (up to S px) and rotation (up to R degrees); (2) seconds per
// 1,000 images at 224x224 (median of 3; the target is under one second).
//
//   GSA_DATA_DIR (default ../shared/data) for ORL and PneumoniaMNIST (skipped, with a note, if absent)
//   GSA_BENCH_OUT=bench-results/structure.json
import type * as tf from '@tensorflow/tfjs-core';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { useBackend } from '@gsa/backends';
import { median, printTable, progress, round, writeBenchReport } from '@gsa/tooling/bench';
import {
  checkStructure,
  generateSyntheticDataset,
  type ImageSet,
  type StructureCheck,
} from '../src/index.js';
import { loadImageFolder, loadMedMnist } from '../src/node/index.js';
import { moveImages } from '../src/testing/index.js';
import { sharedDataDirectory } from '@gsa/tooling/shared-data';

const benchDirectory = dirname(fileURLToPath(import.meta.url));
const dataDirectory = sharedDataDirectory();

interface Row {
  data: string;
  images: number;
  size: string;
  check: StructureCheck;
  seconds: number;
}

await useBackend('cpu');
const rows: Row[] = [];
async function measure(name: string, set: ImageSet, indices?: number[]): Promise<void> {
  const started = performance.now();
  const check = await checkStructure(set, indices ? { indices } : {});
  const seconds = (performance.now() - started) / 1000;
  rows.push({
    data: name,
    images: check.images,
    size: `${check.height}x${check.width}`,
    check,
    seconds,
  });
  progress(`${name}: ${check.verdict}`);
}
async function withVariants(
  name: string,
  set: ImageSet,
  moves: [number, number][],
  indices?: number[],
) {
  await measure(name, set, indices);
  for (const [shift, degrees] of moves) {
    const moved = moveImages(set, { maxShift: shift, maxDegrees: degrees }).set;
    await measure(`${name}, moved ${shift} px / ${degrees} deg`, moved, indices);
    (moved.images as tf.Tensor).dispose();
  }
}

for (const size of [32, 64, 128]) {
  const set = generateSyntheticDataset({ count: 400, size, difficulty: 0.1, seed: 0 });
  await withVariants(
    `synthetic ${size} px`,
    set,
    size === 64
      ? [
          [4, 5],
          [8, 10],
        ]
      : [],
  );
  (set.images as tf.Tensor).dispose();
}
const notes: string[] = [];
if (existsSync(join(dataDirectory, 'orl'))) {
  const orl = await loadImageFolder(join(dataDirectory, 'orl'));
  await withVariants('ORL faces', orl, [
    [3, 3],
    [6, 5],
    [12, 10],
    [12, 0],
    [0, 10],
  ]);
  (orl.images as tf.Tensor).dispose();
} else notes.push(`ORL faces skipped: ${join(dataDirectory, 'orl')} is absent (set GSA_DATA_DIR).`);
if (existsSync(join(dataDirectory, 'pneumoniamnist.npz'))) {
  const pneumonia = await loadMedMnist(join(dataDirectory, 'pneumoniamnist.npz'), {
    splits: ['train'],
  });
  const first = Array.from({ length: 2000 }, (_, i) => i);
  await withVariants('PneumoniaMNIST (2,000 train)', pneumonia, [[3, 5]], first);
  (pneumonia.images as tf.Tensor).dispose();
} else notes.push('PneumoniaMNIST skipped: pneumoniamnist.npz is absent (set GSA_DATA_DIR).');

// Speed: 1,000 images at 224x224 in memory.
const big = generateSyntheticDataset({ count: 1000, size: 224, difficulty: 0.1, seed: 0 });
const timings: number[] = [];
for (let round = 0; round < 3; round++) {
  const started = performance.now();
  await checkStructure(big);
  timings.push((performance.now() - started) / 1000);
}
(big.images as tf.Tensor).dispose();
const secondsPer1000 = median(timings);

const percent = (value: number) => `${(value * 100).toFixed(1)}%`;
printTable(
  ['data', 'images', 'size', 'median shift', 'p90 shift', 'correlation (10-90%)', 'verdict'],
  rows.map(({ data, images, size, check }) => [
    data,
    String(images),
    size,
    `${check.shift.median.toFixed(2)} px (${percent(check.shift.medianFraction)})`,
    `${check.shift.p90.toFixed(2)} px (${percent(check.shift.p90Fraction)})`,
    `${check.correlation.median.toFixed(2)} (${check.correlation.p10.toFixed(2)}-${check.correlation.p90.toFixed(2)})`,
    check.verdict,
  ]),
);
console.log(
  `\n1,000 images at 224x224: ${secondsPer1000.toFixed(2)} s (median of ${timings.map((t) => t.toFixed(2)).join(', ')})`,
);
for (const note of notes) console.log(note);
const path = writeBenchReport(benchDirectory, 'structure.json', {
  benchmark: 'structure',
  date: new Date().toISOString(),
  secondsPer1000At224: round(secondsPer1000, 3),
  rows: rows.map(({ data, images, size, check, seconds }) => ({
    data,
    images,
    size,
    verdict: check.verdict,
    shift: check.shift,
    correlation: check.correlation,
    seconds: round(seconds, 3),
  })),
  notes,
});
progress(`wrote ${path}`);
