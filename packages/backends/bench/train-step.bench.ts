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
import { availableParallelism } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  answerParent,
  childRun,
  median,
  peakRssMiB,
  printTable,
  runInChildren,
  writeBenchReport,
} from '@gsa/tooling/bench';
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
  return {
    run,
    backend: describeBackend(info),
    medianMs: Math.round(median(times)),
    minMs: Math.round(Math.min(...times)),
    steps,
    peakRssMiB: peakRssMiB(),
  };
}

function parent(): void {
  const cores = availableParallelism();
  const runs = (process.env.GSA_BENCH_BACKENDS ?? `tensorflow,webgpu,wasm,wasm:1,cpu`)
    .split(',')
    .map((run) => run.trim())
    .filter(Boolean);
  const self = fileURLToPath(import.meta.url);
  const results = runInChildren<RunResult>({
    script: self,
    runs,
    failed: (run, error) => ({ run, backend: run, error }),
  });
  console.log(
    `\nTraining step: VGG-style 32-64-128-128, batch ${BATCH}, ${SIZE}x${SIZE}x3, ${CLASSES} classes, Adam (${cores} cores)`,
  );
  printTable(
    ['run', 'backend', 'median ms/step', 'peak RSS MiB', 'note'],
    results.map((result) => [
      result.run,
      result.backend,
      result.medianMs === undefined ? '-' : String(result.medianMs),
      result.peakRssMiB === undefined ? '-' : String(result.peakRssMiB),
      result.error ?? '',
    ]),
  );
  const out = writeBenchReport(dirname(self), 'train-step.json', {
    benchmark: 'train-step',
    date: new Date().toISOString(),
    cores,
    batch: BATCH,
    size: SIZE,
    results,
  });
  console.log(`\nwritten: ${out}`);
}

if (childRun()) {
  await answerParent(
    child,
    (run, error) => ({ run, backend: run, error }),
    (error) =>
      error instanceof BackendUnavailableError
        ? error.summary
        : error instanceof Error
          ? error.message
          : String(error),
  );
  process.exit(0);
} else {
  parent();
}
