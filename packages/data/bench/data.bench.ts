// `pnpm bench`: (1) load + preprocess throughput (images/s) of loadImageFolder
// with the paper's preprocessing on 224x224 JPEGs and PNGs (and 512x512 JPEGs,
// which also pay for the INTER_AREA resize); (2) time and peak RSS of the
// low-rank pixel representation (rank 16, 64x64 grey, lazily generated
// synthetic images) for growing N. Each run is its own process so that its
// peak RSS is its own. Prints a table, writes JSON.
//
//   GSA_BENCH_RUNS=load:jpeg,lowrank:1000   which runs (default: all below)
//   GSA_BENCH_IMAGES=300                    images per load run
//   GSA_BENCH_BACKEND=wasm                  tfjs backend for the low-rank runs
//   GSA_BENCH_OUT=bench-results/data.json
import '@tensorflow/tfjs-layers'; // registers the gradients in Node
import type * as tf from '@tensorflow/tfjs-core';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { describeBackend, useBackend, type BackendName } from '@gsa/backends';
import {
  answerParent,
  childRun,
  peakRssMiB,
  printTable,
  progress,
  runInChildren,
  writeBenchReport,
} from '@gsa/tooling/bench';
import {
  PAPER_PREPROCESSING,
  generateSyntheticDataset,
  lowRankPixelRepresentation,
  preprocessImage,
  type LazyImages,
} from '../src/index.js';
import { decodeImage, loadImageFolder } from '../src/node/index.js';

interface RunResult {
  run: string;
  what: string;
  images?: number;
  seconds?: number;
  imagesPerSecond?: number;
  rank?: number;
  explainedVariance?: number;
  rssBeforeMiB?: number;
  peakRssMiB?: number;
  exactPMiB?: number;
  backend?: string;
  error?: string;
}

const DEFAULT_RUNS = 'load:jpeg,load:png,load:jpeg512,lowrank:1000,lowrank:10000,lowrank:20000';
const LOAD_IMAGES = Number(process.env.GSA_BENCH_IMAGES ?? 300);
const RANK = 16;
const SIZE = 64;

const mib = (bytes: number): number => Math.round(bytes / 2 ** 20);

async function writeImages(directory: string, format: 'jpeg' | 'png', size: number): Promise<void> {
  mkdirSync(directory, { recursive: true });
  const set = generateSyntheticDataset({
    count: LOAD_IMAGES,
    size,
    channels: 3,
    seed: 1,
    lazy: { cacheSize: 0 },
  });
  const images = set.images as LazyImages;
  const rows = ['file,label'];
  for (let i = 0; i < LOAD_IMAGES; i++) {
    const pixels = await images.readPixels(i);
    const bytes = Uint8Array.from(pixels, (value) => Math.round(value * 255));
    const image = sharp(bytes, { raw: { width: size, height: size, channels: 3 } });
    const file = `${set.ids[i]!.replace('.png', '')}.${format === 'jpeg' ? 'jpg' : 'png'}`;
    writeFileSync(
      join(directory, file),
      await (format === 'jpeg' ? image.jpeg({ quality: 90 }) : image.png()).toBuffer(),
    );
    rows.push(`${file},${set.classNames[set.labels[i]!]}`);
  }
  writeFileSync(join(directory, 'labels.csv'), rows.join('\n') + '\n');
}

async function child(run: string, workspace: string): Promise<RunResult> {
  const [kind, argument] = run.split(':') as [string, string];
  const info = await useBackend((process.env.GSA_BENCH_BACKEND ?? 'wasm') as BackendName);
  if (kind === 'load') {
    const directory = join(workspace, argument);
    // Warm-up: libvips starts its threads and caches on the first decode.
    const names = readdirSync(directory)
      .filter((name) => name !== 'labels.csv')
      .slice(0, 4);
    for (const name of names)
      preprocessImage(await decodeImage(join(directory, name)), PAPER_PREPROCESSING);
    const rssBefore = mib(process.memoryUsage().rss);
    const start = performance.now();
    const set = await loadImageFolder(directory, PAPER_PREPROCESSING);
    const seconds = (performance.now() - start) / 1000;
    const images = set.images as tf.Tensor4D;
    const result: RunResult = {
      run,
      what: `loadImageFolder, ${argument === 'jpeg512' ? '512x512 JPEG' : `224x224 ${argument.toUpperCase()}`} RGB -> 224x224x3, ImageNet standardised`,
      images: images.shape[0],
      seconds: Number(seconds.toFixed(2)),
      imagesPerSecond: Math.round(images.shape[0] / seconds),
      rssBeforeMiB: rssBefore,
      peakRssMiB: peakRssMiB(),
      backend: describeBackend(info),
    };
    images.dispose();
    return result;
  }
  const count = Number(argument);
  const set = generateSyntheticDataset({ count, size: SIZE, seed: 1, lazy: { cacheSize: 64 } });
  const train = Array.from({ length: count }, (_, i) => i);
  const rssBefore = mib(process.memoryUsage().rss);
  const start = performance.now();
  const result = await lowRankPixelRepresentation(set, { train }, { rank: RANK, batchSize: 256 });
  const seconds = (performance.now() - start) / 1000;
  result.pixels.dispose();
  return {
    run,
    what: `lowRankPixelRepresentation r=${RANK}, N=${count} synthetic ${SIZE}x${SIZE}x1 (generated lazily, ${result.stats.passes} passes)`,
    images: count,
    seconds: Number(seconds.toFixed(2)),
    imagesPerSecond: Math.round((count * result.stats.passes) / seconds),
    rank: result.rank,
    explainedVariance: Number(result.explainedVariance.toFixed(4)),
    rssBeforeMiB: rssBefore,
    peakRssMiB: peakRssMiB(),
    exactPMiB: mib(count * SIZE * SIZE * 4),
    backend: describeBackend(info),
  };
}

async function parent(): Promise<void> {
  const runs = (process.env.GSA_BENCH_RUNS ?? DEFAULT_RUNS)
    .split(',')
    .map((run) => run.trim())
    .filter(Boolean);
  const self = fileURLToPath(import.meta.url);
  const workspace = mkdtempSync(join(tmpdir(), 'gsa-data-bench-'));
  const results: RunResult[] = [];
  try {
    for (const format of ['jpeg', 'png', 'jpeg512'] as const) {
      if (!runs.includes(`load:${format}`)) continue;
      progress(`writing ${LOAD_IMAGES} ${format} images ...`);
      await writeImages(
        join(workspace, format),
        format === 'png' ? 'png' : 'jpeg',
        format === 'jpeg512' ? 512 : 224,
      );
    }
    results.push(
      ...runInChildren<RunResult>({
        script: self,
        runs,
        args: [workspace],
        failed: (run, error) => ({ run, what: run, error }),
      }),
    );
  } finally {
    if (existsSync(workspace)) rmSync(workspace, { recursive: true, force: true });
  }

  const header = [
    'run',
    'images',
    's',
    'images/s',
    'rank',
    'explained',
    'RSS before MiB',
    'peak RSS MiB',
    'exact P MiB',
    'note',
  ];
  const cell = (value: number | undefined): string => (value === undefined ? '-' : String(value));
  const rows = results.map((result) => [
    result.run,
    cell(result.images),
    cell(result.seconds),
    cell(result.imagesPerSecond),
    cell(result.rank),
    cell(result.explainedVariance),
    cell(result.rssBeforeMiB),
    cell(result.peakRssMiB),
    cell(result.exactPMiB),
    result.error ?? '',
  ]);
  console.log(
    `\n@gsa/data (${availableParallelism()} cores, ${results.find((r) => r.backend)?.backend ?? '?'})`,
  );
  printTable(header, rows);
  for (const result of results)
    if (result.what !== result.run) console.log(`  ${result.run}: ${result.what}`);
  const out = writeBenchReport(dirname(self), 'data.json', {
    benchmark: 'data',
    date: new Date().toISOString(),
    cores: availableParallelism(),
    results,
  });
  console.log(`\nwritten: ${out}`);
}

if (childRun()) {
  await answerParent(
    (run, args) => child(run, args[0]!),
    (run, error) => ({ run, what: run, error }),
  );
} else {
  await parent();
}
