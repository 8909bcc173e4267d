// `pnpm bench`: one training step (forward, backward, Adam) of the VGG-style
// reference net (conv blocks 32-64-128-128, batch 32, 64x64x3, 3 classes) on
// every backend available here. Each backend runs in its own process so that
// peak RSS and thread settings are its own. Prints a table, writes JSON.
//
//   GSA_BENCH_BACKENDS=wasm,wasm:1,cpu   which runs (default: all available)
//   GSA_BENCH_STEPS=5                    timed steps after one warm-up step
//   GSA_BENCH_OUT=bench-results/train-step.json
import '@tensorflow/tfjs-layers'; // registers the gradients in Node
import * as tf from '@tensorflow/tfjs-core';
import { spawnSync } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BackendUnavailableError,
  describeBackend,
  useBackend,
  type BackendName,
} from '../src/index.js';
import { VggStyleNet, randomBatch } from '../src/testing/index.js';

interface RunResult {
  run: string;
  backend: string;
  medianMs?: number;
  minMs?: number;
  steps?: number;
  peakRssMiB?: number;
  error?: string;
}

const BATCH = 32;
const SIZE = 64;
const CLASSES = 3;

async function child(run: string): Promise<RunResult> {
  const [name, threadText] = run.split(':') as [BackendName, string | undefined];
  const threads = threadText === undefined ? undefined : Number(threadText);
  const info = await useBackend(name, threads === undefined ? {} : { threads });
  const steps = Number(process.env.GSA_BENCH_STEPS ?? 5);
  if (!Number.isInteger(steps) || steps < 1) {
    throw new Error(
      `GSA_BENCH_STEPS must be a whole number of at least 1, got '${process.env.GSA_BENCH_STEPS}'.`,
    );
  }
  const net = new VggStyleNet({ inputSize: SIZE, classes: CLASSES, seed: 1 });
  const optimizer = tf.train.adam(1e-3);
  const { images, labels } = randomBatch(BATCH, SIZE, CLASSES, 7);
  await net.trainStep(optimizer, images, labels); // warm-up: kernel setup, operator caches
  const times: number[] = [];
  for (let step = 0; step < steps; step++) {
    const start = performance.now();
    await net.trainStep(optimizer, images, labels);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const middle = Math.floor(times.length / 2);
  const median = times.length % 2 ? times[middle]! : (times[middle - 1]! + times[middle]!) / 2;
  return {
    run,
    backend: describeBackend(info),
    medianMs: Math.round(median),
    minMs: Math.round(times[0]!),
    steps,
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

function parent(): void {
  const cores = availableParallelism();
  const runs = (process.env.GSA_BENCH_BACKENDS ?? `tensorflow,webgpu,wasm,wasm:1,cpu`)
    .split(',')
    .map((run) => run.trim())
    .filter(Boolean);
  const results: RunResult[] = [];
  const self = fileURLToPath(import.meta.url);
  for (const run of runs) {
    process.stderr.write(`bench: ${run} ...\n`);
    const outcome = spawnSync(process.execPath, [...process.execArgv, self, '--child', run], {
      encoding: 'utf8',
      env: process.env,
      timeout: 30 * 60_000,
    });
    const line = outcome.stdout.split('\n').find((text) => text.startsWith('RESULT '));
    if (line) {
      results.push(JSON.parse(line.slice('RESULT '.length)) as RunResult);
    } else {
      const reason = (outcome.stderr || outcome.stdout || String(outcome.error))
        .trim()
        .split('\n')
        .pop();
      results.push({ run, backend: run, error: reason ?? 'no result' });
    }
  }
  const rows = results.map((result) => [
    result.run,
    result.backend,
    result.medianMs === undefined ? '-' : String(result.medianMs),
    result.peakRssMiB === undefined ? '-' : String(result.peakRssMiB),
    result.error ?? '',
  ]);
  const header = ['run', 'backend', 'median ms/step', 'peak RSS MiB', 'note'];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  const format = (row: string[]) =>
    row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ');
  console.log(
    `\nTraining step: VGG-style 32-64-128-128, batch ${BATCH}, ${SIZE}x${SIZE}x3, ${CLASSES} classes, Adam (${cores} cores)`,
  );
  console.log(format(header));
  console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  for (const row of rows) console.log(format(row));
  const out = resolve(
    process.env.GSA_BENCH_OUT ?? resolve(dirname(self), '../bench-results/train-step.json'),
  );
  mkdirSync(dirname(out), { recursive: true });
  const report = {
    benchmark: 'train-step',
    date: new Date().toISOString(),
    cores,
    batch: BATCH,
    size: SIZE,
    results,
  };
  writeFileSync(`${out}.tmp`, `${JSON.stringify(report, null, 2)}\n`);
  renameSync(`${out}.tmp`, out);
  console.log(`\nwritten: ${out}`);
}

const childIndex = process.argv.indexOf('--child');
if (childIndex >= 0) {
  const run = process.argv[childIndex + 1]!;
  try {
    console.log(`RESULT ${JSON.stringify(await child(run))}`);
  } catch (error) {
    const message =
      error instanceof BackendUnavailableError
        ? error.summary
        : error instanceof Error
          ? error.message
          : String(error);
    console.log(`RESULT ${JSON.stringify({ run, backend: run, error: message.split('\n')[0] })}`);
  }
  process.exit(0);
} else {
  parent();
}
